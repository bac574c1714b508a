"""/events: search, filters, sort and one page of results; filters live in the URL query
(``/events?q=jazz&city=Malmö&page=2``) so a search can be shared and survives a reload."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlencode

import reflex as rx

from khala.errors import DomainError
from khala.events import presenter
from khala.events.catalogue import SeatState
from khala.events.live import hub
from khala.events.presenter import CardView
from khala.events.state.common import ALL, DAY_RE, client_token, clip
from khala.events.state.detail import EventDetailState
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.ui import client

log = logging.getLogger(__name__)

# Labels are English msgids (N_): the components compile both languages into the page (khala.ui.i18n.t).
SORT_OPTIONS = [("date", N_("Date")), ("price", N_("Price")), ("popularity", N_("Popularity"))]
WHEN_OPTIONS = [
    ("any", N_("Any date")),
    ("today", N_("Today")),
    ("weekend", N_("This weekend")),
    ("month", N_("This month")),
    ("custom", N_("Custom range")),
]
PRICE_OPTIONS = [("any", N_("Any price")), ("free", N_("Free")), ("paid", N_("Paid"))]
# The first load of /events sends this many cards (the placeholders the page shows, the first screen) in one
# delta and the rest of the page in the next: two short renders on the main thread instead of one long one.
FIRST_CARDS = 8
# ------------------------------------------------------------------------------------------------ list


class EventsState(rx.State):
    """/events: search, filters, sort and one page of results."""

    q: str = ""
    category: str = ALL
    city: str = ALL
    when: str = "any"
    date_from: str = ""
    date_to: str = ""
    price: str = "any"
    sort: str = "date"
    page: int = 1

    cards: list[CardView] = []
    total: int = 0
    pages: int = 1
    loaded: bool = False
    error: str = ""
    categories: list[list[str]] = []
    cities: list[str] = []
    _loaded_key: str = ""

    # -- derived --------------------------------------------------------------------------------------
    @rx.var
    def result_label(self) -> str:
        if not self.loaded:
            return _("Loading events…")
        n = self.total
        return f"{n} event{'s' if n != 1 else ''}" + (
            f" · page {self.page} of {self.pages}" if self.pages > 1 else ""
        )

    @rx.var
    def has_filters(self) -> bool:
        return bool(
            self.q or self.category != ALL or self.city != ALL or self.when != "any" or self.price != "any"
        )

    @rx.var
    def category_options(self) -> list[list[str]]:
        return [[ALL, _("All categories")], *self.categories]

    @rx.var
    def city_options(self) -> list[str]:
        return [ALL, *self.cities]

    # -- URL <-> filters -------------------------------------------------------------------------------
    def _filters(self) -> dict[str, str]:
        return {
            "q": self.q,
            "category": "" if self.category == ALL else self.category,
            "city": "" if self.city == ALL else self.city,
            "when": "" if self.when == "any" else self.when,
            "from": self.date_from if self.when == "custom" else "",
            "to": self.date_to if self.when == "custom" else "",
            "price": "" if self.price == "any" else self.price,
            "sort": "" if self.sort == "date" else self.sort,
            "page": str(self.page) if self.page > 1 else "",
        }

    def _url(self) -> str:
        query = urlencode({k: v for k, v in self._filters().items() if v})
        return "/events" + (f"?{query}" if query else "")

    def _read_query(self, params: dict[str, str]) -> None:
        self.q = clip(params.get("q"))
        self.category = clip(params.get("category"), 60) or ALL
        self.city = clip(params.get("city"), 100) or ALL
        when = params.get("when", "")
        self.when = when if when in presenter.WHEN_CHOICES else "any"
        self.date_from = params.get("from", "") if DAY_RE.match(params.get("from", "")) else ""
        self.date_to = params.get("to", "") if DAY_RE.match(params.get("to", "")) else ""
        price = params.get("price", "")
        self.price = price if price in ("free", "paid") else "any"
        sort = params.get("sort", "")
        self.sort = sort if sort in ("price", "popularity") else "date"
        try:
            self.page = max(1, min(int(params.get("page", "1")), 10_000))
        except ValueError:
            self.page = 1

    async def _fetch(self) -> None:
        f = self._filters()
        key = json.dumps(f, sort_keys=True)
        try:
            result = await asyncio.to_thread(
                presenter.catalogue_page,
                q=f["q"],
                category=f["category"],
                city=f["city"],
                when=f["when"],
                date_from=f["from"],
                date_to=f["to"],
                price=f["price"],
                sort=f["sort"] or "date",
                page=self.page,
            )
        except DomainError as exc:
            self.error = exc.message
            self.cards, self.total, self.pages = [], 0, 1
            self.loaded = True
            self._loaded_key = key
            return
        self.error = ""
        self.cards = result.cards
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.loaded = True
        self._loaded_key = json.dumps(self._filters(), sort_keys=True)
        hub.watch(client_token(self), {c.id: c.version for c in self.cards}, scope="page")

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        if not any(c.id in newer for c in self.cards):
            return
        self.cards = [presenter.with_seats(c, newer[c.id]) if c.id in newer else c for c in self.cards]
        hub.watch(client_token(self), {c.id: c.version for c in self.cards}, scope="page")

    def _sync_url(self) -> rx.event.EventSpec:
        """Put the filters in the address bar without a navigation (no history entry per keystroke).

        ``replaceState`` keeps the router's history state, so Back/Forward and reload see this URL; a
        client-side navigation would re-run on_load and refetch what we already have.
        """
        return client.run(client.replace_url(self._url()))

    async def _refresh(self):
        """Fetch for the current filters and put them in the URL."""
        await self._fetch()
        return self._sync_url()

    # -- handlers ---------------------------------------------------------------------------------------
    @rx.event
    async def load_from_url(self):
        """on_load of /events (also runs on Back from the modal: then nothing is refetched)."""
        detail = await self.get_state(EventDetailState)
        focus = detail._close_for(self.router.url.path)
        self._read_query(dict(self.router.url.query_parameters))
        if not self.categories:
            cats, cities = await asyncio.to_thread(presenter.filter_options)
            self.categories = [[slug, name] for slug, name in cats]
            self.cities = cities
        if json.dumps(self._filters(), sort_keys=True) != self._loaded_key or not self.loaded:
            first_load = not self.loaded
            await self._fetch()
            if first_load and len(self.cards) > FIRST_CARDS:
                cards = self.cards
                self.cards = cards[:FIRST_CARDS]
                yield  # the first screen's cards
                self.cards = cards
        else:
            hub.watch(client_token(self), {c.id: c.version for c in self.cards}, scope="page")
        yield focus

    @rx.event
    async def set_search(self, value: str):
        self.q = clip(value)
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_category(self, value: str):
        self.category = clip(value, 60) or ALL
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_city(self, value: str):
        self.city = clip(value, 100) or ALL
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_when(self, value: str):
        self.when = value if value in presenter.WHEN_CHOICES else "any"
        self.page = 1
        if self.when == "custom" and not (self.date_from or self.date_to):
            self.date_from = (await asyncio.to_thread(presenter.local_today)).isoformat()
        return await self._refresh()

    @rx.event
    async def set_date_from(self, value: str):
        self.date_from = value if DAY_RE.match(value or "") else ""
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_date_to(self, value: str):
        self.date_to = value if DAY_RE.match(value or "") else ""
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_price(self, value: str):
        self.price = value if value in ("free", "paid") else "any"
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_sort(self, value: str):
        self.sort = value if value in ("date", "price", "popularity") else "date"
        self.page = 1
        return await self._refresh()

    @rx.event
    async def go_page(self, page: int):
        try:
            self.page = max(1, min(int(page), self.pages))
        except (TypeError, ValueError):
            self.page = 1
        await self._fetch()
        return [
            self._sync_url(),
            client.run(client.focus("#results-heading"), client.command("scroll_into_view", id="results")),
        ]

    @rx.event
    async def clear_filters(self):
        self.q, self.category, self.city, self.when = "", ALL, ALL, "any"
        self.date_from = self.date_to = ""
        self.price, self.sort, self.page = "any", "date", 1
        return await self._refresh()


# ------------------------------------------------------------------------------------------- detail
