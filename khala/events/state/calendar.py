"""/calendar: a month of published events."""

from __future__ import annotations

import asyncio
import calendar as pycalendar
import logging
import re
from dataclasses import dataclass, field
from datetime import date

import reflex as rx

from khala.events import presenter
from khala.events.catalogue import SeatState
from khala.events.live import hub
from khala.events.presenter import CardView
from khala.events.state.common import client_token
from khala.events.state.detail import EventDetailState
from khala.lib import dates, routes
from khala.settings import get_settings

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ calendar


@dataclass
class DayCell:
    key: str = ""
    day: int = 0
    label: str = ""  # "Monday 3 November" (screen readers)
    in_month: bool = True
    is_today: bool = False
    events: list[CardView] = field(default_factory=list)


class CalendarState(rx.State):
    year: int = 0
    month: int = 0
    cells: list[DayCell] = []
    loaded: bool = False
    subscribe_url: str = ""  # webcal:// address of /calendar.ics (calendar apps subscribe to it)
    _loaded_key: str = ""
    _today: str = ""

    @rx.var
    def month_label(self) -> str:
        if not self.month:
            return ""
        return dates.format_month(self.year, self.month)

    @rx.var
    def agenda(self) -> list[DayCell]:
        return [c for c in self.cells if c.in_month and c.events]

    @rx.var
    def event_count(self) -> int:
        return sum(len(c.events) for c in self.cells if c.in_month)

    def _build(self, cards: list[CardView]) -> None:
        today = date.fromisoformat(self._today)
        by_day: dict[str, list[CardView]] = {}
        for c in cards:
            by_day.setdefault(c.day_key, []).append(c)
        cal = pycalendar.Calendar(firstweekday=0)
        cells = []
        for d in cal.itermonthdates(self.year, self.month):
            cells.append(
                DayCell(
                    key=d.isoformat(),
                    day=d.day,
                    label=dates.format_day(d),
                    in_month=d.month == self.month,
                    is_today=d == today,
                    events=by_day.get(d.isoformat(), []) if d.month == self.month else [],
                )
            )
        self.cells = cells

    async def _fetch(self) -> None:
        today = await asyncio.to_thread(presenter.local_today)
        self._today = today.isoformat()
        cards = await asyncio.to_thread(presenter.month_cards, self.year, self.month)
        self._build(cards)
        self.loaded = True
        self._loaded_key = f"{self.year}-{self.month:02d}"
        hub.watch(client_token(self), {c.id: c.version for c in cards}, scope="page")

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        if not any(e.id in newer for c in self.cells for e in c.events):
            return
        for cell in self.cells:
            cell.events = [presenter.with_seats(e, newer[e.id]) if e.id in newer else e for e in cell.events]
        self.cells = list(self.cells)
        hub.watch(client_token(self), {e.id: e.version for c in self.cells for e in c.events}, scope="page")

    @rx.event
    async def load_from_url(self):
        detail = await self.get_state(EventDetailState)
        focus = detail._close_for(self.router.url.path)
        raw = self.router.url.query_parameters.get("month", "")
        today = await asyncio.to_thread(presenter.local_today)
        year, month = today.year, today.month
        if re.fullmatch(r"\d{4}-\d{2}", raw or ""):
            y, m = int(raw[:4]), int(raw[5:])
            if 1970 <= y <= 2200 and 1 <= m <= 12:
                year, month = y, m
        self.year, self.month = year, month
        self.subscribe_url = routes.webcal(get_settings().public_url + routes.CALENDAR_FEED)
        if self._loaded_key != f"{year}-{month:02d}" or not self.loaded:
            await self._fetch()
        else:
            hub.watch(
                client_token(self), {e.id: e.version for c in self.cells for e in c.events}, scope="page"
            )
        return focus

    def _goto(self, year: int, month: int):
        return rx.redirect(f"/calendar?month={year}-{month:02d}")

    @rx.event
    def prev_month(self):
        y, m = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
        return self._goto(y, m)

    @rx.event
    def next_month(self):
        y, m = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return self._goto(y, m)

    @rx.event
    def this_month(self):
        return rx.redirect("/calendar")
