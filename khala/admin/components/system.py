"""System: this process's health report, as /readyz gives it to the metrics token."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import card, table
from khala.admin.state.system import AdminSystemState, CheckView, FactView
from khala.ui import theme
from khala.ui.i18n import t
from khala.ui.widgets import badge


def _check(c: CheckView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(c.name),
        rx.table.cell(badge(rx.cond(c.ok, t("OK"), t("Failing")), rx.cond(c.ok, "open", "soldout"))),
        rx.table.cell(rx.text(c.detail, size="2", style={"word_break": "break-word"})),
        rx.table.cell(rx.text(c.ms, size="1", color=theme.TEXT_MUTED, white_space="nowrap")),
    )


def _fact(f: FactView) -> rx.Component:
    return rx.hstack(
        rx.text(f.name, weight="medium", size="2", min_width="9rem"),
        rx.text(f.value, size="2", style={"word_break": "break-all"}),
        spacing="3",
        width="100%",
    )


def system_section() -> rx.Component:
    s = AdminSystemState
    return rx.vstack(
        rx.hstack(
            rx.heading(t("System"), as_="h2", size="5"),
            badge(rx.cond(s.healthy, t("Ready"), t("Not ready")), rx.cond(s.healthy, "open", "soldout")),
            rx.spacer(),
            rx.button(
                rx.icon("refresh-cw", size=16, aria_hidden="true"),
                t("Check again"),
                on_click=s.load,
                style=theme.secondary_button,
            ),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.text(t("Checked "), s.checked_at, t(" by this server process."), size="2", color=theme.TEXT_MUTED),
        table(
            [t("Check"), t("State"), t("Detail"), t("Time")],
            rx.table.body(rx.foreach(s.checks, _check)),
            t("Health checks"),
        ),
        card(
            rx.heading(t("This process"), as_="h3", size="3", margin_bottom="0.5rem"),
            rx.vstack(rx.foreach(s.facts, _fact), spacing="1", width="100%"),
        ),
        rx.text(
            t(
                "The same report answers /readyz (with the metrics token, in full); load balancers use it to "
                "stop sending requests to a process that cannot serve."
            ),
            size="2",
            color=theme.TEXT_MUTED,
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
