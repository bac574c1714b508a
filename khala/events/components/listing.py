"""The /events listing: search box, filters, pagination, the empty state and the results."""

from __future__ import annotations

import reflex as rx

from khala.events.components.cards import card_grid
from khala.events.state.catalogue import FIRST_CARDS, PRICE_OPTIONS, SORT_OPTIONS, WHEN_OPTIONS, EventsState
from khala.ui import theme
from khala.ui.i18n import t as _

# --------------------------------------------------------------------------------------------- filters


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(
        text, html_for=for_id, style={"font_size": "0.8rem", "font_weight": "600", "color": theme.TEXT}
    )


def _select(id_: str, label: str, value, on_change, options, *, dynamic: bool = False) -> rx.Component:
    if dynamic:
        items = rx.foreach(options, lambda o: rx.select.item(o[1], value=o[0]))
    else:
        items = [rx.select.item(_(text), value=val) for val, text in options]
    return rx.vstack(
        _label(label, id_),
        rx.select.root(
            rx.select.trigger(id=id_, aria_label=label, style={"width": "100%", **theme.focus_ring}),
            rx.select.content(items),
            value=value,
            on_change=on_change,
        ),
        spacing="1",
        min_width="150px",
        flex="1",
    )


def _city_select() -> rx.Component:
    return rx.vstack(
        _label(_("City"), "filter-city"),
        rx.select.root(
            rx.select.trigger(id="filter-city", aria_label=_("City"), style={"width": "100%"}),
            rx.select.content(
                rx.foreach(
                    EventsState.city_options,
                    lambda c: rx.select.item(rx.cond(c == "all", _("All cities"), c), value=c),
                )
            ),
            value=EventsState.city,
            on_change=EventsState.set_city,
        ),
        spacing="1",
        min_width="150px",
        flex="1",
    )


def search_box() -> rx.Component:
    return rx.vstack(
        _label(_("Search events"), "search"),
        rx.input(
            rx.input.slot(rx.icon("search", size=18, aria_hidden="true")),
            id="search",
            type="search",
            value=EventsState.q,
            on_change=EventsState.set_search,
            debounce_timeout=300,
            placeholder=_("Title, venue or city…"),
            max_length=200,
            auto_complete="off",
            size="3",
            style={"width": "100%"},
        ),
        spacing="1",
        width="100%",
    )


def filters_bar() -> rx.Component:
    return rx.el.form(
        search_box(),
        rx.flex(
            _select(
                "filter-category",
                _("Category"),
                EventsState.category,
                EventsState.set_category,
                EventsState.category_options,
                dynamic=True,
            ),
            _city_select(),
            _select("filter-when", _("Date"), EventsState.when, EventsState.set_when, WHEN_OPTIONS),
            _select("filter-price", _("Price"), EventsState.price, EventsState.set_price, PRICE_OPTIONS),
            _select("filter-sort", _("Sort by"), EventsState.sort, EventsState.set_sort, SORT_OPTIONS),
            gap="0.75rem",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            EventsState.when == "custom",
            rx.flex(
                rx.vstack(
                    _label(_("From"), "filter-from"),
                    rx.input(
                        id="filter-from",
                        type="date",
                        value=EventsState.date_from,
                        on_change=EventsState.set_date_from,
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    _label(_("To"), "filter-to"),
                    rx.input(
                        id="filter-to",
                        type="date",
                        value=EventsState.date_to,
                        on_change=EventsState.set_date_to,
                    ),
                    spacing="1",
                ),
                gap="0.75rem",
                wrap="wrap",
            ),
        ),
        role="search",
        aria_label=_("Find events"),
        on_submit=rx.prevent_default,
        style={
            **theme.panel_style,
            "display": "flex",
            "flex_direction": "column",
            "gap": "0.75rem",
            "margin_bottom": "1.25rem",
        },
    )


def pagination() -> rx.Component:
    return rx.cond(
        EventsState.pages > 1,
        rx.el.nav(
            rx.hstack(
                rx.button(
                    rx.icon("chevron-left", size=16, aria_hidden="true"),
                    _("Previous"),
                    on_click=EventsState.go_page(EventsState.page - 1),
                    disabled=EventsState.page <= 1,
                    style=theme.secondary_button,
                    size="3",
                ),
                rx.text(
                    _("Page "), EventsState.page, _(" of "), EventsState.pages, size="2", aria_current="page"
                ),
                rx.button(
                    _("Next"),
                    rx.icon("chevron-right", size=16, aria_hidden="true"),
                    on_click=EventsState.go_page(EventsState.page + 1),
                    disabled=EventsState.page >= EventsState.pages,
                    style=theme.secondary_button,
                    size="3",
                ),
                justify="center",
                align="center",
                spacing="4",
                width="100%",
            ),
            aria_label=_("Pages"),
            style={"margin_top": "1.5rem"},
        ),
    )


def empty_state() -> rx.Component:
    return rx.vstack(
        rx.icon("calendar-x", size=40, aria_hidden="true", color=theme.SECONDARY),
        rx.heading(_("No events match"), as_="h3", size="5"),
        rx.text(_("Try other words, another date or fewer filters."), style={"color": theme.TEXT_MUTED}),
        rx.button(
            _("Clear filters"), on_click=EventsState.clear_filters, style=theme.primary_button, size="3"
        ),
        align="center",
        spacing="3",
        padding="3rem 1rem",
        style=theme.panel_style,
        id="empty-state",
    )


def results() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.heading(_("Results"), as_="h2", class_name="khala-sr", id="results-heading", tab_index=-1),
            rx.text(
                EventsState.result_label,
                size="2",
                weight="medium",
                role="status",
                aria_live="polite",
                id="result-count",
                style={"color": theme.TEXT_MUTED},
            ),
            rx.spacer(),
            rx.cond(
                EventsState.has_filters,
                rx.button(
                    _("Clear filters"),
                    on_click=EventsState.clear_filters,
                    variant="ghost",
                    style={"color": theme.PRIMARY_TEXT, **theme.focus_ring},
                ),
            ),
            align="center",
            width="100%",
            padding_bottom="0.75rem",
        ),
        rx.cond(
            EventsState.error != "",
            rx.callout(
                EventsState.error,
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                margin_bottom="1rem",
            ),
        ),
        rx.cond(
            EventsState.loaded & (EventsState.total == 0),
            empty_state(),
            card_grid(EventsState.cards, EventsState.loaded, FIRST_CARDS, first_image=True),
        ),
        pagination(),
        id="results",
        style={"scroll_margin_top": "1rem"},
    )
