"""Live seats: the process-wide hub (``events.live``) delivers new counts to a tab's catalogue states.

Connected by the app assembly (``khala/khala.py``), not at import."""

from __future__ import annotations

import logging

import reflex as rx

from khala.events.catalogue import SeatState
from khala.events.live import hub
from khala.events.state.calendar import CalendarState
from khala.events.state.catalogue import EventsState
from khala.events.state.detail import EventDetailState
from khala.events.state.discover import DiscoverState
from khala.lib import i18n
from khala.ui.i18n import language_of
from khala.ui.tabs import running_app, still_connected

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ live seats
async def _deliver(token: str, newer: dict[str, SeatState]) -> None:
    """Apply new seat counts to one tab's states; Reflex pushes the delta over its websocket."""
    async with running_app().modify_state(rx.BaseStateToken(ident=token, cls=EventsState)) as root:
        # outside an event, so no LanguageMiddleware: the labels ("3 platser kvar") in the tab's language
        with i18n.use_language(language_of(root.router.headers)):
            for cls in (EventsState, EventDetailState, CalendarState, DiscoverState):
                sub = await root.get_state(cls)
                sub._apply_seats(newer)  # type: ignore[attr-defined]


def connect() -> None:
    """Let the hub push to this app's tabs; the app assembly calls it once (nothing is connected at import)."""
    hub.deliver = _deliver
    hub.is_connected = still_connected
