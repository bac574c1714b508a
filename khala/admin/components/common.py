"""Pieces several admin sections draw the same way: the foot of a confirmation dialog, the search box."""

from __future__ import annotations

from typing import Any

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE
from khala.ui import theme

# The dangerous confirm button of a dialog (red, white text).
CONFIRM_DANGER = {**theme.primary_button, "background": theme.DANGER, "color": theme.ON_SECONDARY}


def confirm_buttons(keep: Any, confirm: Any, on_confirm: Any, *, wrap: bool = True) -> rx.Component:
    """The buttons at the foot of an alert dialog: ``keep`` closes it, ``confirm`` (red) runs ``on_confirm``."""
    return rx.hstack(
        rx.alert_dialog.cancel(rx.button(keep, style=theme.secondary_button)),
        rx.alert_dialog.action(rx.button(confirm, on_click=on_confirm, style=CONFIRM_DANGER)),
        spacing="3",
        justify="end",
        margin_top="1rem",
        **({"wrap": "wrap"} if wrap else {}),
    )


def search_form(
    state: Any,
    label: str,
    input_id: str,
    placeholder: str,
    *filters: rx.Component,
    name: str = "q",
    min_width: str = "10rem",
) -> rx.Component:
    """A section's search box (``state.query``, submitted to ``state.search``), with any ``filters`` drawn
    between the box and the button."""
    return rx.form(
        rx.hstack(
            rx.el.label(label, html_for=input_id, class_name="khala-sr"),
            rx.el.input(
                id=input_id,
                name=name,
                type="search",
                placeholder=placeholder,
                default_value=state.query,
                style={**INPUT_STYLE, "flex": "1", "min_width": min_width},
            ),
            *filters,
            rx.button("Search", type="submit", style=theme.secondary_button),
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        on_submit=state.search,
        width="100%",
    )
