"""/tickets — the signed-in person's registrations."""

from __future__ import annotations

import reflex as rx

from khala.lib import routes
from khala.registrations.components import tickets_view
from khala.registrations.state import TicketsState
from khala.ui.layout import template


@template(
    routes.TICKETS,
    "My tickets",
    on_load=TicketsState.load,
    description="Your tickets and waiting-list places.",
)
def tickets_page() -> rx.Component:
    return tickets_view()
