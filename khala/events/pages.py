"""Catalogue routes: Discover (/), Events (/events), the event page (/events/[slug]), Calendar (/calendar)."""

from __future__ import annotations

import reflex as rx

from khala.events.components.calendar import calendar_view
from khala.events.components.cards import card_grid
from khala.events.components.detail import detail_body, detail_skeleton, event_modal, not_found_block
from khala.events.components.listing import filters_bar, results
from khala.events.state.calendar import CalendarState
from khala.events.state.catalogue import EventsState
from khala.events.state.detail import EventDetailState
from khala.events.state.discover import DiscoverState
from khala.lib.i18n import N_
from khala.registrations.components import register_dialog
from khala.registrations.state import RegistrationState
from khala.ui import theme
from khala.ui.i18n import t as _
from khala.ui.i18n import titled
from khala.ui.layout import SITE_NAME, template


def _section(
    title: str, cards, size: int, *, more_href: str = "/events", empty: str = "", first: bool = False
) -> rx.Component:
    """A Discover section; until the data arrives, ``size`` (the most it shows) placeholder cards hold its place
    (``first``: the page's first section, whose first placeholder shows the first card's picture)."""
    return rx.el.section(
        rx.hstack(
            rx.heading(title, as_="h2", size="5"),
            rx.spacer(),
            rx.link(_("See all"), href=more_href, style=theme.link_style, size="2"),
            align="center",
            margin_bottom="0.75rem",
        ),
        rx.cond(
            DiscoverState.loaded & (cards.length() == 0),
            rx.text(empty, style={"color": theme.TEXT_MUTED}),
            card_grid(cards, DiscoverState.loaded, size, first_image=first),
        ),
        margin_bottom="2rem",
    )


HIGHLIGHTS, SMALL_SECTION = 8, 4  # the most cards presenter.discover() puts in each section
# The category chips sit on one row (scrolling sideways when they don't fit), so the row is as tall with the
# placeholders as with the categories, however many there are.
CHIP = {
    "display": "inline-flex",
    "align_items": "center",
    "flex_shrink": "0",
    "height": "2rem",
    "padding": "0 0.9rem",
    "border_radius": theme.RADIUS_PILL,
    "font_weight": "600",
    "font_size": "0.9rem",
    "white_space": "nowrap",
}
CHIPS_ROW = {
    "display": "flex",
    "gap": "0.5rem",
    "overflow_x": "auto",
    "padding": "2px",
    "margin_bottom": "1.75rem",
    "scrollbar_width": "thin",
}


@template(
    route="/",
    title=N_("Discover"),
    heading=N_("Discover events"),
    page_title=titled(N_("Discover events"), prefix=f"{SITE_NAME} · "),
    # The descriptions are translated where the first HTML is written (events/seo_http.py).
    description=N_("Concerts, talks, workshops and meetups near you — find them and get your tickets."),
    on_load=DiscoverState.load,
)
def discover_page() -> rx.Component:
    return rx.box(
        rx.box(
            rx.heading(_("What's on"), as_="h2", size="7", weight="bold"),
            rx.text(
                _("Find something to do this week — search, filter by city and date, and save a seat."),
                size="3",
                style={"color": theme.TEXT_MUTED},
            ),
            rx.link(
                _("Browse all events"),
                href="/events",
                underline="none",
                style={
                    **theme.primary_button,
                    "padding": "0.6rem 1.2rem",
                    "display": "inline-block",
                    "margin_top": "0.75rem",
                },
            ),
            style={
                **theme.panel_style,
                "background": theme.SIDEBAR,
                "padding": "1.5rem",
                "margin_bottom": "1.25rem",
            },
        ),
        rx.el.nav(
            rx.cond(
                DiscoverState.loaded,
                rx.foreach(
                    DiscoverState.categories,
                    lambda c: rx.link(
                        c[1],
                        href="/events?category=" + c[0],
                        underline="none",
                        style={
                            **CHIP,
                            "background": theme.PRIMARY_SOFT,
                            "color": theme.TEXT,
                            **theme.focus_ring,
                        },
                    ),
                ),
                rx.fragment(
                    *[
                        rx.box(class_name="khala-skeleton", aria_hidden="true", style={**CHIP, "width": w})
                        for w in ("5.5rem", "6.5rem", "5rem", "7rem", "6rem")
                    ]
                ),
            ),
            aria_label=_("Categories"),
            class_name="khala-chips",
            style=CHIPS_ROW,
        ),
        _section(_("Upcoming highlights"), DiscoverState.highlights, HIGHLIGHTS, first=True),
        _section(
            _("This weekend"),
            DiscoverState.weekend,
            SMALL_SECTION,
            more_href="/events?when=weekend",
            empty=_("Nothing planned this weekend yet."),
        ),
        _section(
            _("Nearly sold out"),
            DiscoverState.nearly_sold_out,
            SMALL_SECTION,
            more_href="/events?sort=popularity",
            empty=_("Plenty of seats everywhere right now."),
        ),
        event_modal(),
        register_dialog(),
    )


@template(
    route="/events",
    title=N_("Events"),
    description=N_("Search and filter upcoming events by category, city, date and price."),
    on_load=EventsState.load_from_url,
)
def events_page() -> rx.Component:
    return rx.box(filters_bar(), results(), event_modal(), register_dialog())


@template(
    route="/events/[slug]",
    title=N_("Event"),
    heading=EventDetailState.heading,
    page_title=EventDetailState.page_title,
    description=EventDetailState.page_description,
    on_load=[EventDetailState.load_page, RegistrationState.resume],
)
def event_page() -> rx.Component:
    return rx.box(
        rx.link(
            rx.icon("arrow-left", size=16, aria_hidden="true"),
            _("All events"),
            href="/events",
            style={
                **theme.link_style,
                "display": "inline-flex",
                "gap": "0.3rem",
                "align_items": "center",
                "margin_bottom": "1rem",
            },
        ),
        rx.cond(
            EventDetailState.not_found,
            not_found_block(),
            rx.cond(
                EventDetailState.detail.id != "",
                detail_body(in_modal=False),
                detail_skeleton(with_poster=True),
            ),
        ),
        register_dialog(),
        max_width="820px",
    )


@template(
    route="/calendar",
    title=N_("Calendar"),
    description=N_("Every event of the month at a glance."),
    on_load=CalendarState.load_from_url,
)
def calendar_page() -> rx.Component:
    return rx.box(calendar_view(), event_modal(), register_dialog())
