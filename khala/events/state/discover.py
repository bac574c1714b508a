"""Discover (/): highlights, this weekend, nearly sold out, categories."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from khala.events import presenter
from khala.events.catalogue import SeatState
from khala.events.live import hub
from khala.events.presenter import CardView
from khala.events.state.common import client_token
from khala.events.state.detail import EventDetailState

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ discover


class DiscoverState(rx.State):
    highlights: list[CardView] = []
    weekend: list[CardView] = []
    nearly_sold_out: list[CardView] = []
    categories: list[list[str]] = []
    loaded: bool = False

    def _all(self) -> list[CardView]:
        return [*self.highlights, *self.weekend, *self.nearly_sold_out]

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        if not any(c.id in newer for c in self._all()):
            return

        def upd(cards: list[CardView]) -> list[CardView]:
            return [presenter.with_seats(c, newer[c.id]) if c.id in newer else c for c in cards]

        self.highlights, self.weekend = upd(self.highlights), upd(self.weekend)
        self.nearly_sold_out = upd(self.nearly_sold_out)
        hub.watch(client_token(self), {c.id: c.version for c in self._all()}, scope="page")

    @rx.event
    async def load(self):
        detail = await self.get_state(EventDetailState)
        focus = detail._close_for(self.router.url.path)
        data = await asyncio.to_thread(presenter.discover)
        self.highlights = data.highlights
        self.weekend = data.weekend
        self.nearly_sold_out = data.nearly_sold_out
        self.categories = [[s, n] for s, n in data.categories]
        self.loaded = True
        hub.watch(client_token(self), {c.id: c.version for c in self._all()}, scope="page")
        return focus
