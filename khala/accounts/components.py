"""Reflex components of the accounts domain: the sign-in card, buttons, links (fields: ``khala.ui.forms``)."""

from __future__ import annotations

import reflex as rx

from khala.ui import theme


def auth_card(*children: rx.Component) -> rx.Component:
    """A card for the sign-in/sign-up family of pages (the shell's header shows the title)."""
    return rx.center(
        rx.box(
            *children,
            style=theme.card_style,
            padding="2rem",
            width="100%",
            max_width="440px",
        ),
        padding_y="3rem",
        padding_x="1rem",
        width="100%",
    )


def primary_button(label: str, **props) -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%", **props)


def link(text: str, href: str) -> rx.Component:
    return rx.link(text, href=href, color=theme.PRIMARY_TEXT, style=theme.focus_ring)
