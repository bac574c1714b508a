"""The event modal over a list, which is also the full event page at /events/[slug]."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from urllib.parse import unquote

import reflex as rx

from khala.errors import DomainError, NotFound
from khala.events import presenter
from khala.events.catalogue import SeatState
from khala.events.live import hub
from khala.events.presenter import DetailView, PackageRow
from khala.events.state.common import SLUG_RE, client_token, clip
from khala.lib.i18n import gettext as _
from khala.ui import client

log = logging.getLogger(__name__)


# The modal's history entry (khala/ui/client_effects.js): opening pushes /events/<slug> (keeping the router's own
# history state, so the router sees no navigation); Escape/close goes back one entry; the browser's Back pops it,
# and a popstate listener tells the server through a hidden button. A quick re-open waits until the Back landed.


def _focus_card(href: str) -> dict:
    """Focus back on the card (or link) that opened the modal."""
    return client.focus(f'a.khala-stretched[href="{href}"]', f'#main a[href="{href}"]', delay_ms=60)


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
            return _("Event not found") + " · Khala"
        return f"{self.detail.title} · Khala" if self.detail.title else _("Event") + " · Khala"

    @rx.var
    def page_description(self) -> str:
        return self.detail.meta_description or _("Find events, see what is on and get your tickets.")

    @rx.var
    def heading(self) -> str:
        if self.not_found:
            return _("Event not found")
        return self.detail.title or _("Event")

    def _close(self) -> rx.event.EventSpec | None:
        """Close the modal; returns a script that puts focus back on the card that opened it."""
        was_open = self.modal_open
        self.modal_open = False
        self._pushed = False
        hub.watch(client_token(self), {}, scope="detail")
        if not was_open or not self.detail.slug:
            return None
        return client.run(_focus_card(f"/events/{self.detail.slug}"))

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
        hub.watch(client_token(self), {view.id: view.version}, scope="detail")
        return True

    def _apply_seats(self, newer: dict[str, SeatState]) -> None:
        st = newer.get(self.detail.id)
        if st is None:
            return
        self.packages = [presenter.package_with_seats(p, st.packages.get(p.id)) for p in self.packages]
        badge, tone = presenter.seats_badge(st.seats_left, st.sold_out)
        self.detail = replace(self.detail, badge=badge, badge_tone=tone, version=st.version)
        hub.watch(client_token(self), {self.detail.id: st.version}, scope="detail")

    @rx.event
    async def open_event(self, slug: str):
        """A card was activated: show the modal over the page and make the URL /events/<slug>."""
        slug = clip(slug, 120)
        if not SLUG_RE.match(slug):
            return
        if self.detail.slug != slug:
            self.detail = DetailView(slug=slug, title="")
            self.packages = []
        self.modal_open = True
        self.not_found = False
        self._opened_on = self.router.url.path.rstrip("/") or "/"
        yield client.run(client.command("modal_push", url=f"/events/{slug}"))
        self._pushed = True
        if await self._load(slug) and self.modal_open:
            # The tab's title names the open event (history, screen readers); the popstate
            # listener puts the list's title back when the modal's entry is left.
            yield client.run(client.command("modal_title", title=self.page_title))

    @rx.event
    def close_modal(self):
        was_pushed = self._pushed
        focus = self._close()
        events = [focus] if focus is not None else []
        if was_pushed:
            events.append(client.run(client.command("modal_back")))
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
        key = clip(unquote(parts[1]) if len(parts) == 2 and parts[0] == "events" else "", 120)
        if not SLUG_RE.match(key):
            self.not_found = True
            self.detail = DetailView()
            self.packages = []
            return
        await self._load(key)
