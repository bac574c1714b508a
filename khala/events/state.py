"""Reflex state of the catalogue: the events list, the event modal/page, the calendar, Discover, live seats.

Every read here is of the public catalogue (no authorization needed); nothing here changes data.
Service calls run off the event loop (``asyncio.to_thread``). Only the visible page of results is kept in
state; filters live in the URL query (``/events?q=jazz&city=Malmö&page=2``) so a search can be shared and
survives a reload.
"""

from __future__ import annotations

import asyncio
import calendar as pycalendar
import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import unquote, urlencode

import reflex as rx

from khala.errors import DomainError, NotFound
from khala.events import presenter
from khala.events.catalogue import SeatState
from khala.events.live import hub
from khala.events.presenter import CardView, DetailView, PackageRow

log = logging.getLogger(__name__)

SORT_OPTIONS = [("date", "Date"), ("price", "Price"), ("popularity", "Popularity")]
WHEN_OPTIONS = [
    ("any", "Any date"),
    ("today", "Today"),
    ("weekend", "This weekend"),
    ("month", "This month"),
    ("custom", "Custom range"),
]
PRICE_OPTIONS = [("any", "Any price"), ("free", "Free"), ("paid", "Paid")]
ALL = "all"
_SLUG_RE = re.compile(r"^[A-Za-z0-9-]{1,120}$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _clip(value: object, n: int = 200) -> str:
    return str(value or "").strip()[:n]


def _token(state: rx.State) -> str:
    return state.router.session.client_token


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
            return "Loading events…"
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
        return [[ALL, "All categories"], *self.categories]

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
        self.q = _clip(params.get("q"))
        self.category = _clip(params.get("category"), 60) or ALL
        self.city = _clip(params.get("city"), 100) or ALL
        when = params.get("when", "")
        self.when = when if when in presenter.WHEN_CHOICES else "any"
        self.date_from = params.get("from", "") if _DAY_RE.match(params.get("from", "")) else ""
        self.date_to = params.get("to", "") if _DAY_RE.match(params.get("to", "")) else ""
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
        hub.watch(_token(self), {c.id: c.version for c in self.cards}, scope="page")

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        if not any(c.id in newer for c in self.cards):
            return
        self.cards = [presenter.with_seats(c, newer[c.id]) if c.id in newer else c for c in self.cards]
        hub.watch(_token(self), {c.id: c.version for c in self.cards}, scope="page")

    def _sync_url(self) -> rx.event.EventSpec:
        """Put the filters in the address bar without a navigation (no history entry per keystroke).

        ``replaceState`` keeps the router's history state, so Back/Forward and reload see this URL; a
        client-side navigation would re-run on_load and refetch what we already have.
        """
        return rx.call_script(
            f"window.history.replaceState(window.history.state, '', {json.dumps(self._url())})"
        )

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
            await self._fetch()
        else:
            hub.watch(_token(self), {c.id: c.version for c in self.cards}, scope="page")
        return focus

    @rx.event
    async def set_search(self, value: str):
        self.q = _clip(value)
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_category(self, value: str):
        self.category = _clip(value, 60) or ALL
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_city(self, value: str):
        self.city = _clip(value, 100) or ALL
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
        self.date_from = value if _DAY_RE.match(value or "") else ""
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_date_to(self, value: str):
        self.date_to = value if _DAY_RE.match(value or "") else ""
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
            rx.call_script(
                "document.getElementById('results-heading')?.focus({preventScroll:true});"
                "document.getElementById('results')?.scrollIntoView({block:'start'})"
            ),
        ]

    @rx.event
    async def clear_filters(self):
        self.q, self.category, self.city, self.when = "", ALL, ALL, "any"
        self.date_from = self.date_to = ""
        self.price, self.sort, self.page = "any", "date", 1
        return await self._refresh()


# ------------------------------------------------------------------------------------------- detail

# The modal's history entry. Opening pushes /events/<slug> (keeping the router's own history state, so the
# router sees no navigation); Escape/close goes back one entry; the browser's Back pops it, and a popstate
# listener tells the server through a hidden button. A quick re-open waits until the Back has landed.
_PUSH_JS = (
    "(function(u){{var w=window;"
    "if(!w.__khalaPop){{w.__khalaPop=true;w.addEventListener('popstate',function(e){{"
    "if(e.state&&e.state.khalaModal)return;"
    "if(w.__khalaTitle){{document.title=w.__khalaTitle;w.__khalaTitle=null;}}"
    "if(w.__khalaScroll!=null){{var y=w.__khalaScroll;w.__khalaScroll=null;"
    # The router restores its own (stale) scroll position on this POP: put ours back over it for 0.6 s.
    "var put=function(){{w.scrollTo(0,y);}};requestAnimationFrame(put);"
    "[60,150,300,600].forEach(function(t){{setTimeout(put,t);}});}}"
    "if(w.__khalaOpen){{w.__khalaOpen=false;"
    "var b=document.getElementById('khala-modal-back');if(b)b.click();}}}});}}"
    "(w.__khalaBack||Promise.resolve()).then(function(){{w.__khalaBack=null;w.__khalaScroll=w.scrollY;"
    "var s=w.history.state||{{}};w.history.pushState(Object.assign({{}},s,{{khalaModal:true}}),'',u);"
    "w.__khalaOpen=true;}});}})({url})"
)
_BACK_JS = (
    "(function(){var w=window;w.__khalaOpen=false;"
    "if(w.history.state&&w.history.state.khalaModal){"
    "w.__khalaBack=new Promise(function(r){w.addEventListener('popstate',function(){setTimeout(r,30)},{once:true});"
    "setTimeout(r,1000);});w.history.back();}})()"
)


_FOCUS_JS = (
    "setTimeout(function(){{var h={href};"
    "var a=document.querySelector('a.khala-stretched[href=\"'+h+'\"]')"
    "||document.querySelector('#main a[href=\"'+h+'\"]');"
    "if(a)a.focus({{preventScroll:true}});}},60)"
)


class EventDetailState(rx.State):
    """The event modal (over a list) and the full event page at /events/[slug]."""

    detail: DetailView = DetailView()
    packages: list[PackageRow] = []
    modal_open: bool = False
    loading: bool = False
    not_found: bool = False
    error: str = ""
    _pushed: bool = False
    _opened_on: str = ""  # path of the page the modal was opened over

    @rx.var
    def page_title(self) -> str:
        if self.not_found:
            return "Event not found · Khala"
        return f"{self.detail.title} · Khala" if self.detail.title else "Event · Khala"

    @rx.var
    def page_description(self) -> str:
        return self.detail.meta_description or "Find events, see what is on and get your tickets."

    @rx.var
    def heading(self) -> str:
        if self.not_found:
            return "Event not found"
        return self.detail.title or "Event"

    def _close(self) -> rx.event.EventSpec | None:
        """Close the modal; returns a script that puts focus back on the card that opened it."""
        was_open = self.modal_open
        self.modal_open = False
        self._pushed = False
        hub.watch(_token(self), {}, scope="detail")
        if not was_open or not self.detail.slug:
            return None
        return rx.call_script(_FOCUS_JS.format(href=json.dumps(f"/events/{self.detail.slug}")))

    async def _load(self, key: str) -> bool:
        self.loading = True
        self.not_found = False
        self.error = ""
        try:
            view = await asyncio.to_thread(presenter.event_detail, key)
        except NotFound:
            self.not_found = True
            self.detail = DetailView()
            self.packages = []
            return False
        except DomainError as exc:
            self.error = exc.message
            return False
        finally:
            self.loading = False
        self.detail = view
        self.packages = view.packages
        hub.watch(_token(self), {view.id: view.version}, scope="detail")
        return True

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        st = newer.get(self.detail.id)
        if st is None:
            return
        self.packages = [presenter.package_with_seats(p, st.packages.get(p.id)) for p in self.packages]
        badge, tone = presenter.seats_badge(st.seats_left, st.sold_out)
        self.detail = replace(self.detail, badge=badge, badge_tone=tone, version=st.version)
        hub.watch(_token(self), {self.detail.id: st.version}, scope="detail")

    @rx.event
    async def open_event(self, slug: str):
        """A card was activated: show the modal over the page and make the URL /events/<slug>."""
        slug = _clip(slug, 120)
        if not _SLUG_RE.match(slug):
            return
        if self.detail.slug != slug:
            self.detail = DetailView(slug=slug, title="")
            self.packages = []
        self.modal_open = True
        self.not_found = False
        self._opened_on = self.router.url.path.rstrip("/") or "/"
        yield rx.call_script(_PUSH_JS.format(url=json.dumps(f"/events/{slug}")))
        self._pushed = True
        if await self._load(slug) and self.modal_open:
            # The tab's title names the open event (history, screen readers); the popstate
            # listener puts the list's title back when the modal's entry is left.
            yield rx.call_script(
                "window.__khalaTitle=window.__khalaTitle||document.title;"
                f"document.title={json.dumps(self.page_title)}"
            )

    @rx.event
    def close_modal(self):
        was_pushed = self._pushed
        focus = self._close()
        events = [focus] if focus is not None else []
        if was_pushed:
            events.append(rx.call_script(_BACK_JS))
        return events

    @rx.event
    def closed_by_history(self):
        """The browser's Back left the modal's entry (clicked by the popstate listener)."""
        return self._close()

    def _close_for(self, path: str) -> rx.event.EventSpec | None:
        """on_load of a page: a navigation elsewhere closes the modal; the page it was opened over
        (re-running on_load after Back) leaves that to ``closed_by_history``."""
        if self.modal_open and (path.rstrip("/") or "/") == self._opened_on:
            return None
        return self._close()

    @rx.event
    def on_open_change(self, is_open: bool):
        if not is_open:
            return EventDetailState.close_modal

    @rx.event
    def reset_modal(self):
        """on_load of every page that can show the modal: Back/navigation closes it."""
        return self._close()

    @rx.event
    async def load_page(self):
        """on_load of /events/[slug]: the full page (direct load, refresh, shared link)."""
        self._close()
        # /events/<slug> (RouterData.page is deprecated; the path is what was asked for).
        parts = self.router.url.path.strip("/").split("/")
        key = _clip(unquote(parts[1]) if len(parts) == 2 and parts[0] == "events" else "", 120)
        if not _SLUG_RE.match(key):
            self.not_found = True
            self.detail = DetailView()
            self.packages = []
            return
        await self._load(key)


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
    _loaded_key: str = ""
    _today: str = ""

    @rx.var
    def month_label(self) -> str:
        if not self.month:
            return ""
        return f"{pycalendar.month_name[self.month]} {self.year}"

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
                    label=f"{d:%A} {d.day} {d:%B}",
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
        hub.watch(_token(self), {c.id: c.version for c in cards}, scope="page")

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        if not any(e.id in newer for c in self.cells for e in c.events):
            return
        for cell in self.cells:
            cell.events = [presenter.with_seats(e, newer[e.id]) if e.id in newer else e for e in cell.events]
        self.cells = list(self.cells)
        hub.watch(_token(self), {e.id: e.version for c in self.cells for e in c.events}, scope="page")

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
        if self._loaded_key != f"{year}-{month:02d}" or not self.loaded:
            await self._fetch()
        else:
            hub.watch(_token(self), {e.id: e.version for c in self.cells for e in c.events}, scope="page")
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
        hub.watch(_token(self), {c.id: c.version for c in self._all()}, scope="page")

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
        hub.watch(_token(self), {c.id: c.version for c in self._all()}, scope="page")
        return focus


# ------------------------------------------------------------------------------------------ live seats


_app_cache: list[rx.App] = []


def _app() -> rx.App:
    """The running app, looked up once (``get_app`` prepends the cwd to ``sys.path`` on every call)."""
    if not _app_cache:
        from reflex.utils.prerequisites import get_app

        _app_cache.append(get_app().app)
    return _app_cache[0]


def _still_connected(token: str) -> bool:
    """Whether this process still holds the tab's websocket (forget the tab once it is gone)."""
    try:
        manager = _app().event_namespace._token_manager  # type: ignore[union-attr]
        record = manager.token_to_socket.get(token)
        return record is not None and record.instance_id == manager.instance_id
    except Exception:  # noqa: BLE001 - unknown internals: keep the tab, the hub's cost stays per event
        return True


async def _deliver(token: str, newer: dict[str, SeatState]) -> None:
    """Apply new seat counts to one tab's states; Reflex pushes the delta over its websocket."""
    async with _app().modify_state(rx.BaseStateToken(ident=token, cls=EventsState)) as root:
        for cls in (EventsState, EventDetailState, CalendarState, DiscoverState):
            sub = await root.get_state(cls)
            sub._apply_seats(newer)  # type: ignore[attr-defined]


hub.deliver = _deliver
hub.is_connected = _still_connected
