"""The overview section: stat tiles of the catalogue, registrations and the outbox."""

from __future__ import annotations

import reflex as rx

from khala.admin.state.base import StatTile
from khala.admin.state.overview import AdminOverviewState
from khala.ui import theme


def stat_tile(tile: StatTile) -> rx.Component:
    return rx.box(
        rx.text(tile.label, size="2", weight="medium", color=theme.TEXT_MUTED),
        rx.text(tile.value, size="8", weight="bold", color=theme.TEXT),
        rx.text(tile.note, size="2", color=theme.TEXT_MUTED),
        style={**theme.card_style, "padding": "1rem 1.25rem"},
    )


def overview() -> rx.Component:
    s = AdminOverviewState
    return rx.vstack(
        rx.heading("Catalogue and registrations", as_="h2", size="4"),
        rx.grid(
            rx.foreach(s.tiles, stat_tile),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        rx.heading("Mail outbox", as_="h2", size="4", margin_top="1rem"),
        rx.grid(
            rx.foreach(s.mail_tiles, stat_tile),
            columns=rx.breakpoints(initial="2", sm="3", lg="5"),
            spacing="4",
            width="100%",
        ),
        rx.link("See the outbox", href="/admin/mail", style=theme.link_style),
        spacing="3",
        width="100%",
        align="stretch",
    )
