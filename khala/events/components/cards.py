"""Event cards, the card grid and its loading skeleton."""

from __future__ import annotations

import reflex as rx

from khala.events.presenter import CardView
from khala.events.state.detail import EventDetailState
from khala.ui import theme
from khala.ui.widgets import badge

# ------------------------------------------------------------------------------------------------ card


def open_link(card, text: rx.Var | str, *, stretched: bool = True, **style) -> rx.Component:
    """A real link to /events/<slug> (works without JS, new tab, copy link) that opens the modal."""
    return rx.el.a(
        text,
        href="/events/" + card.slug,
        on_click=[rx.prevent_default, EventDetailState.open_event(card.slug)],
        class_name="khala-stretched" if stretched else "",
        style={"color": "inherit", "text_decoration": "none", **style},
    )


def event_card(card: CardView) -> rx.Component:
    return rx.el.article(
        rx.box(
            rx.el.img(
                src=card.image_url,
                alt=card.image_alt,
                loading="lazy",
                decoding="async",
                width="480",
                height="300",
                style={"width": "100%", "height": "100%", "object_fit": "cover", "display": "block"},
            ),
            rx.box(badge(card.badge, card.badge_tone), position="absolute", top="0.6rem", right="0.6rem"),
            class_name="khala-skeleton",
            style={"aspect_ratio": "16 / 10", "overflow": "hidden", "position": "relative"},
        ),
        rx.vstack(
            rx.text(
                card.category,
                size="1",
                weight="bold",
                style={
                    "color": theme.PRIMARY_TEXT,
                    "text_transform": "uppercase",
                    "letter_spacing": "0.04em",
                },
            ),
            rx.heading(
                open_link(card, card.title),
                as_="h3",
                size="4",
                weight="bold",
                style={"line_height": "1.3", "color": theme.TEXT},
            ),
            rx.text(card.venue_line, size="2", style={"color": theme.TEXT_MUTED}),
            rx.el.time(
                card.date_label, date_time=card.date_iso, style={"font_size": "0.875rem", "color": theme.TEXT}
            ),
            rx.text(
                card.price_label,
                size="3",
                weight="bold",
                style={"color": theme.TEXT, "margin_top": "auto"},
                class_name="khala-price",
            ),
            spacing="1",
            padding="0.9rem 1rem 1rem",
            align="start",
            flex="1",
        ),
        class_name="khala-card",
        data_event_id=card.id,
        style={
            **theme.card_style,
            "position": "relative",
            "display": "flex",
            "flex_direction": "column",
            "width": "100%",
        },
    )


def card_grid(cards) -> rx.Component:
    return rx.box(
        rx.foreach(cards, lambda c: rx.box(event_card(c), role="listitem", display="flex")),
        role="list",
        style={
            "display": "grid",
            "grid_template_columns": "repeat(auto-fill, minmax(min(100%, 250px), 1fr))",
            "gap": "1.25rem",
        },
    )


def skeleton_grid(n: int = 8) -> rx.Component:
    return rx.box(
        *[
            rx.box(
                rx.box(class_name="khala-skeleton", style={"aspect_ratio": "16 / 10"}),
                rx.box(
                    class_name="khala-skeleton",
                    style={"height": "1rem", "margin": "1rem", "border_radius": "6px"},
                ),
                rx.box(
                    class_name="khala-skeleton",
                    style={
                        "height": "0.8rem",
                        "margin": "0 1rem 1rem",
                        "width": "60%",
                        "border_radius": "6px",
                    },
                ),
                style=theme.card_style,
            )
            for _ in range(n)
        ],
        aria_hidden="true",
        style={
            "display": "grid",
            "grid_template_columns": "repeat(auto-fill, minmax(min(100%, 250px), 1fr))",
            "gap": "1.25rem",
        },
    )


