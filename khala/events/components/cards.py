"""Event cards and the card grid, whose loading skeleton is the same cards over placeholder data.

Until the data arrives the grid shows ``n`` cards over empty ``CardView``s: the same elements as the real cards,
styled as grey bars by the global sheet (``theme.CARD_CSS``, under ``.khala-grid[data-loading]``). When
the websocket delivers the catalogue React updates those elements in place (texts, attributes, the image's
``src``) instead of unmounting a skeleton and mounting the cards: the costly part of the first screen's render.
Every element is a plain HTML element with a class of the global sheet (no Radix component, no per-element
Emotion style): nothing to extract or serialize per card at render time, and a smaller first HTML.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from khala.events.presenter import CardView
from khala.events.state.detail import EventDetailState
from khala.lib import first_image as first
from khala.ui.widgets import FIRST_SRC, badge

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


def _card_link(card) -> rx.Component:
    """The title's link: ``open_link`` with its style in the global sheet (``.khala-tile-title a``)."""
    return rx.el.a(
        card.title,
        href="/events/" + card.slug,
        on_click=[rx.prevent_default, EventDetailState.open_event(card.slug)],
        class_name="khala-stretched",
    )


def event_card(card, *, first_image: rx.Var | bool = False) -> rx.Component:
    """One card. Every line has a fixed height (one line, or two for the title, cut with an ellipsis), so a
    card's height never depends on its text, and a placeholder (``card.id == ""``) is exactly as tall.

    ``first_image`` (true for the page's first card): while it is a placeholder its ``<img>`` carries the
    first screen's picture the server put into the first HTML (``khala/lib/first_image.py``); the real card
    then sets the same URL on the same element, so nothing new is painted.
    """
    placeholder = card.id == ""
    if first_image is False:
        src, first_attrs, loading = card.image_url, {}, "lazy"
    else:
        src = rx.cond(placeholder & first_image, FIRST_SRC, card.image_url)
        first_attrs = {first.ATTR: rx.cond(placeholder & first_image, "", rx.Var.create(None))}
        loading = rx.cond(first_image, "eager", "lazy")
    return rx.el.article(
        rx.el.div(
            rx.el.img(
                src=src,
                alt=card.image_alt,
                loading=loading,
                decoding="async",
                custom_attrs=first_attrs,
            ),
            rx.el.div(badge(card.badge, card.badge_tone), class_name="khala-tile-badge"),
            class_name="khala-skeleton khala-tile-img",
        ),
        rx.el.div(
            rx.el.p(card.category, class_name="khala-line khala-tile-cat"),
            rx.el.h3(_card_link(card), class_name="khala-tile-title"),
            rx.el.p(card.venue_line, class_name="khala-line khala-tile-venue"),
            rx.el.time(card.date_label, date_time=card.date_iso, class_name="khala-line khala-tile-date"),
            rx.el.p(card.price_label, class_name="khala-line khala-tile-price khala-price"),
            class_name="khala-tile-body",
        ),
        # ``khala-card`` marks a real card (hover, tests, the e2e waits); a placeholder is only a tile.
        class_name=rx.cond(card.id != "", "khala-tile khala-card", "khala-tile"),
        data_event_id=card.id,
    )


PLACEHOLDER = dataclasses.asdict(CardView())


def card_grid(cards, loaded, n: int = 8, *, first_image: bool = False) -> rx.Component:
    """The grid of ``cards`` once ``loaded``; before, ``n`` placeholder cards (hidden from assistive tech) that
    the real ones then fill in place. ``first_image``: the grid holds the page's first card (``event_card``)."""
    shown = rx.cond(loaded, cards, [PLACEHOLDER] * n).to(list[CardView])

    def cell(c, i) -> rx.Component:
        card = event_card(c, first_image=(i == 0) if first_image else False)
        return rx.el.div(card, role="listitem", class_name="khala-cell")

    return rx.el.div(
        rx.foreach(shown, cell),
        role="list",
        aria_hidden=rx.cond(loaded, rx.Var.create(None), "true"),
        data_loading=rx.cond(loaded, rx.Var.create(None), ""),
        class_name="khala-grid",
    )
