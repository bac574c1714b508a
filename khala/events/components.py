"""Catalogue components: event cards and grid, filters, pagination, the event modal/page body, calendar."""

from __future__ import annotations

import reflex as rx

from khala.events.presenter import CardView, PackageRow
from khala.events.state import (
    PRICE_OPTIONS,
    SORT_OPTIONS,
    WHEN_OPTIONS,
    CalendarState,
    DayCell,
    EventDetailState,
    EventsState,
)
from khala.registrations.components import register_button
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


# --------------------------------------------------------------------------------------------- filters


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(
        text, html_for=for_id, style={"font_size": "0.8rem", "font_weight": "600", "color": theme.TEXT}
    )


def _select(id_: str, label: str, value, on_change, options, *, dynamic: bool = False) -> rx.Component:
    if dynamic:
        items = rx.foreach(options, lambda o: rx.select.item(o[1], value=o[0]))
    else:
        items = [rx.select.item(text, value=val) for val, text in options]
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
        _label("City", "filter-city"),
        rx.select.root(
            rx.select.trigger(id="filter-city", aria_label="City", style={"width": "100%"}),
            rx.select.content(
                rx.foreach(
                    EventsState.city_options,
                    lambda c: rx.select.item(rx.cond(c == "all", "All cities", c), value=c),
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
        _label("Search events", "search"),
        rx.input(
            rx.input.slot(rx.icon("search", size=18, aria_hidden="true")),
            id="search",
            type="search",
            value=EventsState.q,
            on_change=EventsState.set_search,
            debounce_timeout=300,
            placeholder="Title, venue or city…",
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
                "Category",
                EventsState.category,
                EventsState.set_category,
                EventsState.category_options,
                dynamic=True,
            ),
            _city_select(),
            _select("filter-when", "Date", EventsState.when, EventsState.set_when, WHEN_OPTIONS),
            _select("filter-price", "Price", EventsState.price, EventsState.set_price, PRICE_OPTIONS),
            _select("filter-sort", "Sort by", EventsState.sort, EventsState.set_sort, SORT_OPTIONS),
            gap="0.75rem",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            EventsState.when == "custom",
            rx.flex(
                rx.vstack(
                    _label("From", "filter-from"),
                    rx.input(
                        id="filter-from",
                        type="date",
                        value=EventsState.date_from,
                        on_change=EventsState.set_date_from,
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    _label("To", "filter-to"),
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
        aria_label="Find events",
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
                    "Previous",
                    on_click=EventsState.go_page(EventsState.page - 1),
                    disabled=EventsState.page <= 1,
                    style=theme.secondary_button,
                    size="3",
                ),
                rx.text("Page ", EventsState.page, " of ", EventsState.pages, size="2", aria_current="page"),
                rx.button(
                    "Next",
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
            aria_label="Pages",
            style={"margin_top": "1.5rem"},
        ),
    )


def empty_state() -> rx.Component:
    return rx.vstack(
        rx.icon("calendar-x", size=40, aria_hidden="true", color=theme.SECONDARY),
        rx.heading("No events match", as_="h3", size="5"),
        rx.text("Try other words, another date or fewer filters.", style={"color": theme.TEXT_MUTED}),
        rx.button("Clear filters", on_click=EventsState.clear_filters, style=theme.primary_button, size="3"),
        align="center",
        spacing="3",
        padding="3rem 1rem",
        style=theme.panel_style,
        id="empty-state",
    )


def results() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.heading("Results", as_="h2", class_name="khala-sr", id="results-heading", tab_index=-1),
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
                    "Clear filters",
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
            EventsState.loaded,
            rx.cond(EventsState.total > 0, card_grid(EventsState.cards), empty_state()),
            skeleton_grid(),
        ),
        pagination(),
        id="results",
        style={"scroll_margin_top": "1rem"},
    )


# ------------------------------------------------------------------------------------------- detail


def _package(p: PackageRow) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.heading(p.title, as_="h4", size="4", weight="bold"),
                rx.cond(
                    p.description != "", rx.text(p.description, size="2", style={"color": theme.TEXT_MUTED})
                ),
                spacing="1",
                flex="1",
                min_width="12rem",
            ),
            rx.text(p.price_label, size="5", weight="bold", class_name="khala-package-price"),
            gap="0.75rem",
            wrap="wrap",
            align="start",
            width="100%",
        ),
        rx.cond(
            p.perks.length() > 0,
            rx.el.ul(
                rx.foreach(
                    p.perks,
                    lambda perk: rx.el.li(
                        rx.icon("check", size=14, aria_hidden="true", color=theme.SUCCESS),
                        perk,
                        style={"display": "flex", "gap": "0.4rem", "align_items": "center"},
                    ),
                ),
                aria_label="Perks",
                style={
                    "list_style": "none",
                    "padding": "0",
                    "margin": "0.5rem 0",
                    "display": "grid",
                    "gap": "0.2rem",
                    "font_size": "0.9rem",
                },
            ),
        ),
        rx.flex(
            rx.el.span(badge(p.seats_label, p.seats_tone), aria_live="polite", class_name="khala-seats"),
            rx.text(p.sales_label, size="2", style={"color": theme.TEXT_MUTED}),
            rx.spacer(),
            register_button(p.id, p.title, p.sales_state, p.seats_tone == "soldout"),
            gap="0.75rem",
            align="center",
            wrap="wrap",
            width="100%",
            margin_top="0.5rem",
        ),
        data_package_id=p.id,
        width="100%",
        style={**theme.panel_style, "border": f"1px solid {theme.BORDER}", "width": "100%"},
    )


def _info_row(icon: str, *children: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=18, aria_hidden="true", color=theme.SECONDARY, flex_shrink="0", margin_top="2px"),
        rx.box(*children),
        spacing="2",
        align="start",
    )


def detail_body(*, in_modal: bool) -> rx.Component:
    d = EventDetailState.detail
    title = (
        rx.dialog.title(d.title, custom_attrs={"as": "h2", "size": "6"}, style={"margin": "0"})
        if in_modal
        else rx.fragment()
    )
    return rx.vstack(
        rx.box(
            rx.el.img(
                src=d.image_url,
                alt=d.image_alt,
                style={"width": "100%", "height": "100%", "object_fit": "cover", "display": "block"},
            ),
            class_name="khala-skeleton",
            style={
                "aspect_ratio": "16 / 9",
                "border_radius": theme.RADIUS_LG,
                "overflow": "hidden",
                "width": "100%",
            },
        ),
        rx.flex(
            rx.cond(
                d.category != "",
                rx.link(
                    d.category,
                    href="/events?category=" + d.category_slug,
                    style={**theme.link_style, "font_weight": "700", "font_size": "0.85rem"},
                ),
            ),
            badge(d.badge, d.badge_tone),
            gap="0.5rem",
            align="center",
            wrap="wrap",
        ),
        title,
        rx.cond(
            d.status_note != "", rx.callout(d.status_note, icon="info", color_scheme="amber", width="100%")
        ),
        _info_row(
            "clock",
            rx.el.time(d.date_label, date_time=d.date_iso, style={"font_weight": "600"}),
            rx.text("Time zone: ", d.timezone, size="1", style={"color": theme.TEXT_MUTED}),
            rx.el.a(
                rx.icon("calendar-plus", size=16, aria_hidden="true"),
                "Add to calendar",
                href=d.ics_url,
                download=d.slug + ".ics",
                style={
                    **theme.link_style,
                    "display": "inline-flex",
                    "gap": "0.3rem",
                    "align_items": "center",
                    "font_size": "0.9rem",
                    "margin_top": "0.25rem",
                },
            ),
        ),
        _info_row(
            "map-pin",
            rx.text(d.venue, weight="bold"),
            rx.cond(d.address != "", rx.text(d.address, size="2")),
            rx.cond(
                d.map_url != "",
                rx.el.a(
                    "Show on map",
                    rx.el.span(" (opens in a new tab)", class_name="khala-sr"),
                    href=d.map_url,
                    target="_blank",
                    rel="noopener noreferrer",
                    style={**theme.link_style, "font_size": "0.9rem"},
                ),
            ),
        ),
        rx.cond(
            d.description_html != "", rx.box(rx.html(d.description_html), class_name="khala-md", width="100%")
        ),
        rx.heading("Tickets", as_="h3", size="5", margin_top="0.5rem"),
        rx.cond(
            EventDetailState.packages.length() > 0,
            rx.vstack(rx.foreach(EventDetailState.packages, _package), spacing="3", width="100%"),
            rx.text("No tickets are on sale for this event.", style={"color": theme.TEXT_MUTED}),
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def detail_skeleton() -> rx.Component:
    return rx.vstack(
        rx.box(
            class_name="khala-skeleton",
            style={"aspect_ratio": "16 / 9", "width": "100%", "border_radius": theme.RADIUS_LG},
        ),
        rx.box(
            class_name="khala-skeleton", style={"height": "1.5rem", "width": "60%", "border_radius": "6px"}
        ),
        rx.box(class_name="khala-skeleton", style={"height": "1rem", "width": "40%", "border_radius": "6px"}),
        spacing="3",
        width="100%",
        aria_busy="true",
    )


def not_found_block() -> rx.Component:
    return rx.vstack(
        rx.icon("search-x", size=44, aria_hidden="true", color=theme.SECONDARY),
        rx.heading("We could not find that event", as_="h2", size="6"),
        rx.text("It may have been removed, or the link is wrong.", style={"color": theme.TEXT_MUTED}),
        rx.link(
            "Browse all events",
            href="/events",
            underline="none",
            style={**theme.primary_button, "padding": "0.6rem 1.2rem"},
        ),
        align="center",
        spacing="3",
        padding="3rem 1rem",
        id="not-found",
        style=theme.panel_style,
    )


def _event_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.close(
                rx.icon_button(
                    rx.icon("x", size=20, aria_hidden="true"),
                    aria_label="Close",
                    variant="soft",
                    size="3",
                    radius="full",
                    style={
                        "position": "absolute",
                        "top": "0.75rem",
                        "right": "0.75rem",
                        "z_index": "2",
                        "background": theme.SURFACE,
                        "color": theme.TEXT,
                        "box_shadow": theme.SHADOW,
                        **theme.focus_ring,
                    },
                ),
            ),
            rx.dialog.description(EventDetailState.detail.date_label, class_name="khala-sr"),
            rx.cond(
                EventDetailState.not_found,
                rx.box(
                    rx.dialog.title("Event not found", custom_attrs={"as": "h2"}, class_name="khala-sr"),
                    not_found_block(),
                ),
                rx.cond(
                    EventDetailState.detail.id != "",
                    detail_body(in_modal=True),
                    rx.box(
                        rx.dialog.title("Loading event", custom_attrs={"as": "h2"}, class_name="khala-sr"),
                        detail_skeleton(),
                    ),
                ),
            ),
            id="event-modal",
            custom_attrs={"maxWidth": "760px"},
            style={
                "border_radius": theme.RADIUS_XL,
                "position": "relative",
                "max_width": "760px",
                "width": "calc(100vw - 1.5rem)",
                "max_height": "calc(100dvh - 1.5rem)",
                "padding": "1rem",
            },
        ),
        open=EventDetailState.modal_open,
        on_open_change=EventDetailState.on_open_change,
    )


def event_modal() -> rx.Component:
    """The modal plus the hidden button the Back-button listener clicks (see ``_PUSH_JS``)."""
    return rx.fragment(
        _event_dialog(),
        rx.el.button(
            id="khala-modal-back",
            on_click=EventDetailState.closed_by_history,
            tab_index=-1,
            aria_hidden="true",
            style={"display": "none"},
        ),
    )


# ------------------------------------------------------------------------------------------- calendar

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _cal_event(card: CardView) -> rx.Component:
    return rx.box(
        open_link(
            card,
            rx.fragment(rx.el.span(card.time_label + " ", style={"font_weight": "700"}), card.title),
            stretched=False,
            display="block",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        badge(card.badge, card.badge_tone),
        title=card.title,
        style={
            "background": theme.PRIMARY_SOFT,
            "border_radius": "6px",
            "padding": "2px 6px",
            "font_size": "0.78rem",
            "line_height": "1.35",
            "margin_top": "2px",
        },
        class_name="khala-cal-event",
    )


def _cell(cell: DayCell) -> rx.Component:
    return rx.box(
        rx.text(
            cell.day,
            size="2",
            weight=rx.cond(cell.is_today, "bold", "medium"),
            aria_label=cell.label,
            style={
                "display": "inline-flex",
                "width": "1.75rem",
                "height": "1.75rem",
                "align_items": "center",
                "justify_content": "center",
                "border_radius": theme.RADIUS_PILL,
                "background": rx.cond(cell.is_today, theme.SECONDARY_DARK, "transparent"),
                "color": rx.cond(
                    cell.is_today, theme.ON_SECONDARY, rx.cond(cell.in_month, theme.TEXT, theme.TEXT_MUTED)
                ),
            },
        ),
        rx.foreach(cell.events, _cal_event),
        data_day=cell.key,
        aria_current=rx.cond(cell.is_today, "date", "false"),
        style={
            "min_height": "6.5rem",
            "padding": "4px",
            "border_radius": theme.RADIUS_SM,
            "background": rx.cond(cell.in_month, theme.PANEL, theme.SURFACE),
            "border": f"1px solid {theme.BORDER}",
            "min_width": "0",
            "opacity": rx.cond(cell.in_month, "1", "0.6"),
        },
    )


def _agenda_day(cell: DayCell) -> rx.Component:
    return rx.box(
        rx.heading(cell.label, as_="h3", size="3", margin_bottom="0.25rem"),
        rx.foreach(cell.events, _cal_event),
        style={**theme.panel_style, "margin_bottom": "0.5rem"},
    )


def calendar_view() -> rx.Component:
    return rx.box(
        rx.flex(
            rx.heading(
                CalendarState.month_label, as_="h2", size="6", aria_live="polite", id="calendar-month"
            ),
            rx.spacer(),
            rx.hstack(
                rx.button(
                    rx.icon("chevron-left", size=16, aria_hidden="true"),
                    "Previous",
                    on_click=CalendarState.prev_month,
                    style=theme.secondary_button,
                    aria_label="Previous month",
                ),
                rx.button("Today", on_click=CalendarState.this_month, style=theme.secondary_button),
                rx.button(
                    "Next",
                    rx.icon("chevron-right", size=16, aria_hidden="true"),
                    on_click=CalendarState.next_month,
                    style=theme.secondary_button,
                    aria_label="Next month",
                ),
                spacing="2",
            ),
            align="center",
            wrap="wrap",
            gap="0.75rem",
            margin_bottom="1rem",
        ),
        rx.text(
            CalendarState.event_count,
            " events this month",
            size="2",
            style={"color": theme.TEXT_MUTED},
            margin_bottom="0.5rem",
        ),
        rx.box(
            *[
                rx.text(d, size="1", weight="bold", align="center", style={"color": theme.TEXT_MUTED})
                for d in WEEKDAYS
            ],
            class_name="khala-cal-grid khala-cal-weekdays",
            aria_hidden="true",
            margin_bottom="4px",
        ),
        rx.box(rx.foreach(CalendarState.cells, _cell), class_name="khala-cal-grid", id="calendar-grid"),
        rx.box(
            rx.cond(
                CalendarState.agenda.length() > 0,
                rx.foreach(CalendarState.agenda, _agenda_day),
                rx.text("No events this month.", style={"color": theme.TEXT_MUTED}),
            ),
            class_name="khala-agenda",
        ),
    )
