"""The month calendar and its agenda view."""

from __future__ import annotations

import reflex as rx

from khala.events.components.cards import open_link
from khala.events.presenter import CardView
from khala.events.state.calendar import CalendarState, DayCell
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.i18n import t as _
from khala.ui.widgets import badge

# ------------------------------------------------------------------------------------------- calendar

WEEKDAYS = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]
CELL = {
    "min_height": "6.5rem",
    "padding": "4px",
    "border_radius": theme.RADIUS_SM,
    "border": f"1px solid {theme.BORDER}",
    "min_width": "0",
}


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
            **CELL,
            # days of the next/previous month: white instead of the panel grey, muted number (no opacity: the
            # text keeps its contrast)
            "background": rx.cond(cell.in_month, theme.PANEL, theme.SURFACE),
        },
    )


def _agenda_day(cell: DayCell) -> rx.Component:
    return rx.box(
        rx.heading(cell.label, as_="h3", size="3", margin_bottom="0.25rem"),
        rx.foreach(cell.events, _cal_event),
        style={**theme.panel_style, "margin_bottom": "0.5rem"},
    )


def _skeleton() -> rx.Component:
    """Five weeks of empty days (the grid) and a few agenda days (narrow screens) until the month arrives."""
    return rx.box(
        rx.box(
            *[rx.box(class_name="khala-skeleton", style={**CELL, "border": "none"}) for _ in range(35)],
            class_name="khala-cal-grid",
        ),
        rx.box(
            *[
                rx.box(
                    class_name="khala-skeleton",
                    style={**theme.panel_style, "height": "5.5rem", "margin_bottom": "0.5rem"},
                )
                for _ in range(4)
            ],
            class_name="khala-agenda",
        ),
        aria_hidden="true",
    )


def calendar_view() -> rx.Component:
    return rx.box(
        rx.flex(
            rx.heading(
                rx.cond(CalendarState.month_label != "", CalendarState.month_label, _("This month")),
                as_="h2",
                size="6",
                aria_live="polite",
                id="calendar-month",
            ),
            rx.spacer(),
            rx.hstack(
                rx.button(
                    rx.icon("chevron-left", size=16, aria_hidden="true"),
                    _("Previous"),
                    on_click=CalendarState.prev_month,
                    style=theme.secondary_button,
                    aria_label=_("Previous month"),
                ),
                rx.button(_("Today"), on_click=CalendarState.this_month, style=theme.secondary_button),
                rx.button(
                    _("Next"),
                    rx.icon("chevron-right", size=16, aria_hidden="true"),
                    on_click=CalendarState.next_month,
                    style=theme.secondary_button,
                    aria_label=_("Next month"),
                ),
                spacing="2",
            ),
            align="center",
            wrap="wrap",
            gap="0.75rem",
            margin_bottom="1rem",
        ),
        rx.flex(
            rx.text(
                CalendarState.event_count,
                _(" events this month"),
                size="2",
                style={"color": theme.TEXT_MUTED},
            ),
            rx.link(
                rx.icon("calendar-plus", size=16, aria_hidden="true"),
                _("Subscribe in your calendar app"),
                href=CalendarState.subscribe_url,
                id="calendar-subscribe",
                size="2",
                style={
                    **theme.link_style,
                    "display": "inline-flex",
                    "gap": "0.3rem",
                    "align_items": "center",
                },
            ),
            justify="between",
            wrap="wrap",
            gap="0.5rem",
            margin_bottom="0.5rem",
        ),
        rx.box(
            *[
                rx.text(_(d), size="1", weight="bold", align="center", style={"color": theme.TEXT_MUTED})
                for d in WEEKDAYS
            ],
            class_name="khala-cal-grid khala-cal-weekdays",
            aria_hidden="true",
            margin_bottom="4px",
        ),
        rx.cond(
            CalendarState.loaded,
            rx.fragment(
                rx.box(
                    rx.foreach(CalendarState.cells, _cell), class_name="khala-cal-grid", id="calendar-grid"
                ),
                rx.box(
                    rx.cond(
                        CalendarState.agenda.length() > 0,
                        rx.foreach(CalendarState.agenda, _agenda_day),
                        rx.text(_("No events this month."), style={"color": theme.TEXT_MUTED}),
                    ),
                    class_name="khala-agenda",
                ),
            ),
            _skeleton(),
        ),
    )
