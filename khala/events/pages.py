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
from khala.registrations.components import register_dialog
from khala.registrations.state import RegistrationState
from khala.ui import theme
from khala.ui.layout import template


def _section(title: str, cards, *, more_href: str = "/events", empty: str = "") -> rx.Component:
    return rx.el.section(
        rx.hstack(
            rx.heading(title, as_="h2", size="5"),
            rx.spacer(),
            rx.link("See all", href=more_href, style=theme.link_style, size="2"),
            align="center",
            margin_bottom="0.75rem",
        ),
        rx.cond(cards.length() > 0, card_grid(cards), rx.text(empty, style={"color": theme.TEXT_MUTED})),
        margin_bottom="2rem",
    )


@template(
    route="/",
    title="Discover",
    heading="Discover events",
    page_title="Khala · Discover events",
    description="Concerts, talks, workshops and meetups near you — find them and get your tickets.",
    on_load=DiscoverState.load,
)
def discover_page() -> rx.Component:
    return rx.box(
        rx.box(
            rx.heading("What's on", as_="h2", size="7", weight="bold"),
            rx.text(
                "Find something to do this week — search, filter by city and date, and save a seat.",
                size="3",
                style={"color": theme.TEXT_MUTED},
            ),
            rx.link(
                "Browse all events",
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
            rx.flex(
                rx.foreach(
                    DiscoverState.categories,
                    lambda c: rx.link(
                        c[1],
                        href="/events?category=" + c[0],
                        underline="none",
                        style={
                            "padding": "0.35rem 0.9rem",
                            "border_radius": theme.RADIUS_PILL,
                            "background": theme.PRIMARY_SOFT,
                            "color": theme.TEXT,
                            "font_weight": "600",
                            "font_size": "0.9rem",
                            **theme.focus_ring,
                        },
                    ),
                ),
                gap="0.5rem",
                wrap="wrap",
            ),
            aria_label="Categories",
            style={"margin_bottom": "1.75rem"},
        ),
        _section("Upcoming highlights", DiscoverState.highlights),
        _section(
            "This weekend",
            DiscoverState.weekend,
            more_href="/events?when=weekend",
            empty="Nothing planned this weekend yet.",
        ),
        _section(
            "Nearly sold out",
            DiscoverState.nearly_sold_out,
            more_href="/events?sort=popularity",
            empty="Plenty of seats everywhere right now.",
        ),
        event_modal(),
        register_dialog(),
    )


@template(
    route="/events",
    title="Events",
    description="Search and filter upcoming events by category, city, date and price.",
    on_load=EventsState.load_from_url,
)
def events_page() -> rx.Component:
    return rx.box(filters_bar(), results(), event_modal(), register_dialog())


@template(
    route="/events/[slug]",
    title="Event",
    heading=EventDetailState.heading,
    page_title=EventDetailState.page_title,
    description=EventDetailState.page_description,
    on_load=[EventDetailState.load_page, RegistrationState.resume],
)
def event_page() -> rx.Component:
    return rx.box(
        rx.link(
            rx.icon("arrow-left", size=16, aria_hidden="true"),
            "All events",
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
            rx.cond(EventDetailState.detail.id != "", detail_body(in_modal=False), detail_skeleton()),
        ),
        register_dialog(),
        max_width="820px",
    )


@template(
    route="/calendar",
    title="Calendar",
    description="Every event of the month at a glance.",
    on_load=CalendarState.load_from_url,
)
def calendar_page() -> rx.Component:
    return rx.box(calendar_view(), event_modal(), register_dialog())
