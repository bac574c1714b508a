"""The overview section: stat tiles, registrations per day (a recharts bar chart, which only the admin
pages load), how full the upcoming events are, revenue per currency, mail queue health and the latest
audit entries."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import card
from khala.admin.state.base import StatTile
from khala.admin.state.overview import CHART_DAYS, AdminOverviewState, AuditRow, FillRow
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.i18n import t, tf
from khala.ui.widgets import badge

BAR_COLOURS = {"soldout": theme.DANGER, "few": theme.WARNING, "open": theme.SUCCESS}


def stat_tile(tile: StatTile) -> rx.Component:
    return rx.box(
        rx.text(tile.label, size="2", weight="medium", color=theme.TEXT_MUTED),
        rx.text(tile.value, size="7", weight="bold", color=theme.TEXT),
        rx.text(tile.note, size="2", color=theme.TEXT_MUTED),
        style={**theme.card_style, "padding": "1rem 1.25rem"},
    )


def _chart() -> rx.Component:
    s = AdminOverviewState
    return card(
        rx.flex(
            rx.heading(tf(N_("Registrations, last %(days)s days"), days=str(CHART_DAYS)), as_="h2", size="4"),
            rx.text(s.chart_total, t(" in all"), color=theme.TEXT_MUTED, size="2"),
            justify="between",
            align="baseline",
            wrap="wrap",
            gap="0.5rem",
            width="100%",
        ),
        rx.box(
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False, stroke=theme.BORDER),
                rx.recharts.x_axis(
                    data_key="day", interval="preserveStartEnd", tick_line=False, min_tick_gap=16
                ),
                rx.recharts.y_axis(allow_decimals=False, width=44, tick_line=False),
                rx.recharts.graphing_tooltip(cursor={"fill": theme.PRIMARY_SOFT}),
                rx.recharts.legend(),
                rx.recharts.bar(
                    data_key="registrations",
                    name=t("Registrations"),
                    fill=theme.SECONDARY,
                    radius=[4, 4, 0, 0],
                    is_animation_active=False,
                ),
                rx.recharts.bar(
                    data_key="cancelled",
                    name=t("Cancelled since"),
                    fill=theme.PRIMARY_TEXT,
                    radius=[4, 4, 0, 0],
                    is_animation_active=False,
                ),
                data=s.chart,
                bar_gap=2,
                margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
                width="100%",
                height=260,
            ),
            width="100%",
            margin_top="0.75rem",
            role="img",
            aria_label=tf(
                N_("Bar chart of registrations per day over the last %(days)s days"), days=str(CHART_DAYS)
            ),
            data_testid="admin-registrations-chart",
        ),
        width="100%",
    )


def _fill_row(f: FillRow) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.link(
                f.title,
                href="/admin/registrations?event=" + f.id,
                style={**theme.link_style, "font_weight": "600"},
            ),
            rx.text(f.seats, size="2", color=theme.TEXT, white_space="nowrap"),
            justify="between",
            gap="0.75rem",
            width="100%",
        ),
        rx.box(
            rx.box(
                width=f.percent.to_string() + "%",
                height="100%",
                background=rx.match(f.tone, *BAR_COLOURS.items(), theme.SUCCESS),
                border_radius=theme.RADIUS_PILL,
            ),
            height="8px",
            width="100%",
            background=theme.PANEL,
            border_radius=theme.RADIUS_PILL,
            role="progressbar",
            aria_valuenow=f.percent,
            aria_valuemin=0,
            aria_valuemax=100,
            aria_label=tf(N_("Seats taken of %(title)s"), title=f.title),
        ),
        rx.flex(
            rx.text(f.when, size="1", color=theme.TEXT_MUTED),
            rx.cond(f.waiting != "", badge(f.waiting, tone="few")),
            justify="between",
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        spacing="1",
        width="100%",
        data_testid="admin-fill-row",
    )


def _fill() -> rx.Component:
    s = AdminOverviewState
    return card(
        rx.heading(t("Upcoming events"), as_="h2", size="4", margin_bottom="0.75rem"),
        rx.cond(
            s.fill.length() > 0,
            rx.vstack(rx.foreach(s.fill, _fill_row), spacing="4", width="100%"),
            rx.text(t("No published events ahead."), color=theme.TEXT_MUTED),
        ),
        width="100%",
    )


def _money_and_mail() -> rx.Component:
    s = AdminOverviewState
    h = s.mail_health
    return rx.vstack(
        card(
            rx.heading(t("Revenue"), as_="h2", size="4", margin_bottom="0.5rem"),
            rx.cond(
                s.revenue.length() > 0,
                rx.vstack(
                    rx.foreach(
                        s.revenue,
                        lambda t: rx.flex(
                            rx.text(t.label, color=theme.TEXT_MUTED, size="2"),
                            rx.text(t.value, weight="bold", size="5", color=theme.TEXT),
                            justify="between",
                            align="baseline",
                            width="100%",
                        ),
                    ),
                    rx.text(t("Confirmed seats at today's prices."), size="1", color=theme.TEXT_MUTED),
                    spacing="2",
                    width="100%",
                ),
                rx.text(t("No paid seats yet."), color=theme.TEXT_MUTED),
            ),
            width="100%",
            data_testid="admin-revenue",
        ),
        card(
            rx.flex(
                rx.heading(t("Mail queue"), as_="h2", size="4"),
                badge(h.verdict, h.tone),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.text(h.detail, size="2", color=theme.TEXT_MUTED, margin_y="0.5rem"),
            rx.grid(
                rx.foreach(
                    s.mail_tiles,
                    lambda t: rx.vstack(
                        rx.text(t.value, weight="bold", size="4", color=theme.TEXT),
                        rx.text(t.label, size="1", color=theme.TEXT_MUTED),
                        spacing="0",
                        align="center",
                    ),
                ),
                columns="5",
                spacing="2",
                width="100%",
            ),
            rx.link(t("See the outbox"), href="/admin/mail", style=theme.link_style, size="2"),
            width="100%",
            data_testid="admin-mail-health",
        ),
        spacing="4",
        width="100%",
    )


def _audit_row(e: AuditRow) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.text(
                e.action_label,
                " ",
                rx.code(e.action, size="1", color=theme.TEXT_MUTED),
                size="2",
                weight="medium",
            ),
            rx.text(e.at, size="1", color=theme.TEXT_MUTED, white_space="nowrap"),
            justify="between",
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        rx.text(
            e.actor,
            " · ",
            e.target,
            rx.cond(e.changes != "", " · " + e.changes, ""),
            size="2",
            color=theme.TEXT,
            style={"overflow_wrap": "anywhere"},
        ),
        padding_y="0.5rem",
        border_bottom=f"1px solid {theme.BORDER}",
        width="100%",
    )


def _latest() -> rx.Component:
    s = AdminOverviewState
    return card(
        rx.heading(t("Latest changes"), as_="h2", size="4", margin_bottom="0.25rem"),
        rx.cond(
            s.latest.length() > 0,
            rx.vstack(rx.foreach(s.latest, _audit_row), spacing="0", width="100%"),
            rx.text(t("Nothing recorded yet."), color=theme.TEXT_MUTED),
        ),
        rx.link(t("See the whole audit log"), href="/admin/audit", style=theme.link_style, size="2"),
        width="100%",
        data_testid="admin-latest-audit",
    )


def overview() -> rx.Component:
    s = AdminOverviewState
    return rx.vstack(
        rx.grid(
            rx.foreach(s.tiles, stat_tile),
            columns=rx.breakpoints(initial="2", md="3", xl="6"),
            spacing="3",
            width="100%",
        ),
        _chart(),
        rx.grid(
            _fill(),
            _money_and_mail(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        _latest(),
        spacing="4",
        width="100%",
        align="stretch",
    )
