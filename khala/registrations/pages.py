"""/tickets — the signed-in person's registrations."""

from __future__ import annotations

import reflex as rx

from khala.accounts.components import calendar_feed_section
from khala.lib import routes
from khala.registrations.components import tickets_view
from khala.registrations.state import TicketsState
from khala.ui import theme
from khala.ui.i18n import t as _
from khala.ui.layout import template


@template(
    routes.TICKETS,
    "My tickets",
    on_load=TicketsState.load,
    description="Your tickets and waiting-list places.",
)
def tickets_page() -> rx.Component:
    return rx.vstack(
        tickets_view(),
        rx.box(
            rx.heading(_("Your tickets in your calendar"), as_="h2", size="5", margin_bottom="0.5rem"),
            calendar_feed_section(),
            style=theme.panel_style,
            width="100%",
            margin_top="1.5rem",
        ),
        width="100%",
    )
