"""Event cards, the card grid and its loading skeleton."""

from __future__ import annotations

import reflex as rx

from khala.events.presenter import CardView
from khala.events.state.detail import EventDetailState
from khala.ui import theme
from khala.ui.widgets import badge, first_image

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


# Every line of a card has a fixed height (one line, or two for the title, cut with an ellipsis), so a card's
# height never depends on its text and the loading skeleton below, built from the same pieces, has exactly the
# height of the card that replaces it: nothing moves when the data arrives after the websocket.
ONE_LINE = {"white_space": "nowrap", "overflow": "hidden", "text_overflow": "ellipsis", "max_width": "100%"}
TITLE_LINES = {
    "display": "-webkit-box",
    "-webkit-line-clamp": "2",
    "-webkit-box-orient": "vertical",
    "overflow": "hidden",
    "line_height": "1.3",
    "min_height": "2.6em",
}
CARD_STYLE = {
    **theme.card_style,
    "position": "relative",
    "display": "flex",
    "flex_direction": "column",
    "width": "100%",
}
IMAGE_BOX = {"aspect_ratio": "16 / 10", "overflow": "hidden", "position": "relative"}
BODY = {"spacing": "1", "padding": "0.9rem 1rem 1rem", "align": "start", "flex": "1", "width": "100%"}
GRID_STYLE = {
    "display": "grid",
    "grid_template_columns": "repeat(auto-fill, minmax(min(100%, 250px), 1fr))",
    "gap": "1.25rem",
}
CATEGORY_STYLE = {"text_transform": "uppercase", "letter_spacing": "0.04em", **ONE_LINE}


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
            style=IMAGE_BOX,
        ),
        rx.vstack(
            rx.text(
                card.category,
                size="1",
                weight="bold",
                style={"color": theme.PRIMARY_TEXT, **CATEGORY_STYLE},
            ),
            rx.heading(
                open_link(card, card.title),
                as_="h3",
                size="4",
                weight="bold",
                style={"color": theme.TEXT, "width": "100%", **TITLE_LINES},
            ),
            rx.text(card.venue_line, size="2", style={"color": theme.TEXT_MUTED, **ONE_LINE}),
            rx.el.time(
                card.date_label,
                date_time=card.date_iso,
                style={"font_size": "0.875rem", "line_height": "1.25rem", "color": theme.TEXT, **ONE_LINE},
            ),
            rx.text(
                card.price_label,
                size="3",
                weight="bold",
                style={"color": theme.TEXT, "margin_top": "auto", **ONE_LINE},
                class_name="khala-price",
            ),
            **BODY,
        ),
        class_name="khala-card",
        data_event_id=card.id,
        style=CARD_STYLE,
    )


def card_grid(cards) -> rx.Component:
    return rx.box(
        rx.foreach(cards, lambda c: rx.box(event_card(c), role="listitem", display="flex")),
        role="list",
        style=GRID_STYLE,
    )


def _bar(width: str, **text_props) -> rx.Component:
    """A skeleton line as tall as the text line it stands for (a no-break space in the same type)."""
    return rx.text(
        "\u00a0",
        as_="div",
        class_name="khala-skeleton",
        style={"width": width, "border_radius": "6px", **text_props.pop("style", {})},
        **text_props,
    )


def skeleton_card(*, with_image: bool = False) -> rx.Component:
    """``with_image``: the picture box holds the first card's picture from the first HTML (``first_image``)."""
    return rx.box(
        rx.box(*([first_image()] if with_image else []), class_name="khala-skeleton", style=IMAGE_BOX),
        rx.vstack(
            _bar("30%", size="1", weight="bold"),
            rx.box(
                _bar("90%", size="4", style={"line_height": "1.3"}),
                _bar("55%", size="4", style={"line_height": "1.3"}),
                style={"width": "100%", "min_height": "2.6em", "font_size": "var(--font-size-4)"},
            ),
            _bar("70%", size="2"),
            _bar("50%", style={"font_size": "0.875rem", "line_height": "1.25rem"}),
            _bar("35%", size="3", weight="bold", style={"margin_top": "auto"}),
            **BODY,
        ),
        style=CARD_STYLE,
    )


def skeleton_grid(n: int = 8, *, first_image: bool = False) -> rx.Component:
    """``n`` placeholder cards, each exactly the height of a real one (see ``ONE_LINE``, ``TITLE_LINES``);
    ``first_image``: the first one shows the first card's picture the server put into the page."""
    return rx.box(
        *[rx.box(skeleton_card(with_image=first_image and i == 0), display="flex") for i in range(n)],
        aria_hidden="true",
        class_name="khala-skeleton-grid",
        style=GRID_STYLE,
    )
