"""Check-in at the door (/admin/checkin and /admin/checkin/<event>): type, paste or scan a ticket code; see who
it is, or why it does not admit; undo a mistake. The counts move on every open door screen of the event.

Live counts work like the catalogue's live seats (``khala.events.live``): one poller per process reads the
door counts of every event some open check-in screen shows — one grouped query a second, however many doors
are open — and only when an event's counts moved does it read its latest arrivals once and push both to the
screens of that event (``app.modify_state``; with Redis, Reflex routes each update to the worker holding the
tab). A check-in through any worker, the REST API or a script moves the counts, so every door sees it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, Option, admin_only, clip
from khala.audit.service import Actor
from khala.errors import Conflict, DomainError, NotFound
from khala.events import catalogue, reports
from khala.events.live import Poller
from khala.lib.dates import format_date_short, format_datetime_short, local
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext, pgettext
from khala.registrations import roster
from khala.registrations import service as registrations
from khala.ui.client import toast
from khala.ui.tabs import running_app, still_connected

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
ROUTE_ARG = "door_event"  # /admin/checkin/[door_event]


@dataclass
class DoorPackageView:
    title: str = ""
    seats: int = 0
    seats_in: int = 0
    percent: int = 0


@dataclass
class ArrivalView:
    id: str = ""
    name: str = ""
    package: str = ""
    quantity: int = 0
    at: str = ""


@dataclass
class DoorResult:
    """The answer to the last code: ``ok`` (let in), ``refused`` (why, and whose ticket), or empty."""

    kind: str = ""
    headline: str = ""
    detail: str = ""
    name: str = ""
    email: str = ""
    package: str = ""
    quantity: int = 0
    code: str = ""
    registration_id: str = ""
    can_undo: bool = False


# ------------------------------------------------------------------------------------------ the door hub


class DoorHub(Poller):
    """Which tabs show which event's door; one poller per process pushes new counts to them."""

    name = "khala-door-hub"

    def __init__(self, interval: float = POLL_INTERVAL) -> None:
        super().__init__(interval)
        self._watch: dict[str, str] = {}  # token -> event id
        self._shown: dict[str, tuple[object, ...]] = {}  # token -> version delivered
        self._latest: dict[str, tuple[tuple[object, ...], roster.DoorCounts, list[roster.DoorArrival]]] = {}
        self.deliver: Any = None  # async (token, counts, arrivals) -> None, installed by connect()
        self.is_connected: Any = lambda token: True
        self.polls = 0

    def watch(self, token: str, event_id: str, version: tuple[object, ...] | None = None) -> None:
        if not token:
            return
        self._watch[token] = event_id
        if version is not None:
            self._shown[token] = version
        if self.deliver is not None:
            self._ensure_running()

    def forget(self, token: str) -> None:
        self._watch.pop(token, None)
        self._shown.pop(token, None)

    def watching(self, token: str) -> str | None:
        return self._watch.get(token)

    async def poll_once(self) -> set[str]:
        """Read every watched event's counts; re-read the arrivals of those that moved."""
        for token in [t for t in self._watch if not self.is_connected(t)]:
            self.forget(token)
        ids = sorted(set(self._watch.values()))
        self.polls += 1
        if not ids:
            return set()
        counts = await asyncio.to_thread(roster.door_counts, ids)
        moved = {i for i, c in counts.items() if i not in self._latest or self._latest[i][0] != c.version}
        for event_id in moved:
            arrivals = await asyncio.to_thread(roster.recent_arrivals, event_id)
            self._latest[event_id] = (counts[event_id].version, counts[event_id], arrivals)
        for gone in set(self._latest) - set(ids):
            self._latest.pop(gone, None)
        return moved

    async def fan_out(self) -> int:
        if self.deliver is None:
            return 0
        due = [
            (token, self._latest[eid])
            for token, eid in list(self._watch.items())
            if eid in self._latest and self._shown.get(token) != self._latest[eid][0]
        ]
        for token, (version, counts, arrivals) in due:
            try:
                await self.deliver(token, counts, arrivals)
                self._shown[token] = version
            except Exception:
                log.warning("door poller: delivery to a tab failed; forgetting it", exc_info=True)
                self.forget(token)
        return len(due)


hub = DoorHub()


async def _deliver(token: str, counts: roster.DoorCounts, arrivals: list[roster.DoorArrival]) -> None:
    async with running_app().modify_state(rx.BaseStateToken(ident=token, cls=AdminCheckinState)) as root:
        door = await root.get_state(AdminCheckinState)
        if door.event_id == counts.event_id and door.access == "admin":
            door._apply_door(counts, arrivals)


def connect() -> None:
    """Let the door hub push to this app's tabs; the app assembly calls it once."""
    hub.deliver = _deliver
    hub.is_connected = still_connected


# ------------------------------------------------------------------------------------------ the screen


def _at(dt: Any, timezone: str) -> str:
    return local(dt, timezone).strftime("%H:%M") if dt else ""


class AdminCheckinState(AdminState):
    event_id: str = ""
    event_title: str = ""
    event_when: str = ""
    event_options: list[Option] = []
    seats: int = 0
    seats_in: int = 0
    tickets: int = 0
    tickets_in: int = 0
    packages: list[DoorPackageView] = []
    arrivals: list[ArrivalView] = []
    result: DoorResult = DoorResult()
    camera_on: bool = False
    camera_problem: str = ""
    error: str = ""
    _timezone: str = "UTC"

    @rx.var
    def percent_in(self) -> int:
        return round(100 * self.seats_in / self.seats) if self.seats else 0

    def _forget(self) -> None:
        self.event_title, self.event_when, self.event_options = "", "", []
        self.packages, self.arrivals, self.result = [], [], DoorResult()
        self.seats = self.seats_in = self.tickets = self.tickets_in = 0
        self.camera_on = False
        hub.forget(self.router.session.client_token)

    def _apply_door(self, counts: roster.DoorCounts, arrivals: list[roster.DoorArrival]) -> None:
        self.seats, self.seats_in = counts.seats, counts.seats_in
        self.tickets, self.tickets_in = counts.tickets, counts.tickets_in
        self.packages = [
            DoorPackageView(p.title, p.seats, p.seats_in, round(100 * p.seats_in / p.seats) if p.seats else 0)
            for p in counts.packages
        ]
        self.arrivals = [
            ArrivalView(
                a.registration_id,
                a.holder_name,
                a.package_title,
                a.quantity,
                _at(a.checked_in_at, self._timezone),
            )
            for a in arrivals
        ]

    async def _refresh(self) -> None:
        counts, arrivals = await asyncio.gather(
            asyncio.to_thread(roster.door_counts, [self.event_id]),
            asyncio.to_thread(roster.recent_arrivals, self.event_id),
        )
        door = counts[self.event_id]
        self._apply_door(door, arrivals)
        hub.watch(self.router.session.client_token, self.event_id, door.version)

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        """on_load of /admin/checkin (choose an event) and /admin/checkin/<event> (its door)."""
        self.error, self.result, self.camera_problem = "", DoorResult(), ""
        wanted = clip(self.router.page.params.get(ROUTE_ARG, ""), 60)
        if not wanted:
            self.event_id = ""
            hub.forget(self.router.session.client_token)
            choices = await asyncio.to_thread(reports.list_events_admin, None, "published", 1, 100)
            self.event_options = [
                Option(r.id, f"{r.title} — {format_date_short(r.starts_at, r.timezone)}")
                for r in choices.items
            ]
            return None
        try:
            detail = await asyncio.to_thread(catalogue.get_event, wanted, include_unpublished=True)
        except DomainError as exc:
            self._forget()
            self.event_id, self.error = "", exc.message
            return None
        self.event_id, self.event_title = detail.id, detail.title
        self._timezone = detail.timezone
        self.event_when = format_datetime_short(detail.starts_at, detail.timezone)
        await self._refresh()
        return None

    async def _answer(self, code: str, actor: Actor) -> Any:
        code = clip(code, 64).strip()
        if not self.event_id:
            self.error = _("Open the check-in screen of an event first.")
            return None
        self.error = ""
        try:
            done = await asyncio.to_thread(registrations.check_in, code, actor=actor, event_id=self.event_id)
        except DomainError as exc:
            ticket = await asyncio.to_thread(roster.door_ticket, code)
            self.result = self._refusal(exc, ticket, code)
            return None
        ticket = await asyncio.to_thread(roster.door_ticket, done.registration.ticket_code)
        self.result = DoorResult(
            kind="ok",
            headline=_("Checked in"),
            detail=ngettext("%(num)d seat", "%(num)d seats", ticket.quantity) % {"num": ticket.quantity}
            + " · "
            + ticket.event_title
            if ticket
            else "",
            name=ticket.holder_name if ticket else "",
            email=ticket.holder_email if ticket else "",
            package=ticket.package_title if ticket else "",
            quantity=ticket.quantity if ticket else done.registration.quantity,
            code=done.registration.ticket_code,
            registration_id=done.registration.id,
            can_undo=True,
        )
        await self._refresh()
        return None

    def _refusal(self, exc: DomainError, ticket: roster.DoorTicket | None, code: str) -> DoorResult:
        if ticket is None or isinstance(exc, NotFound):
            headline = _("Unknown ticket") if code else _("No code")
            return DoorResult(kind="refused", headline=headline, detail=exc.message, code=code)
        base = {
            "kind": "refused",
            "name": ticket.holder_name,
            "email": ticket.holder_email,
            "package": ticket.package_title,
            "quantity": ticket.quantity,
            "code": ticket.ticket_code,
            "registration_id": ticket.registration_id,
        }
        if ticket.event_id != self.event_id:
            return DoorResult(
                headline=_("Another event"),
                detail=_("This ticket is for %(event)s.") % {"event": ticket.event_title},
                **base,
            )
        if ticket.checked_in_at is not None and isinstance(exc, Conflict) and ticket.status == "confirmed":
            when = format_datetime_short(ticket.checked_in_at, ticket.timezone)
            detail = (
                _("Checked in %(when)s by %(who)s.") % {"when": when, "who": ticket.checked_in_by}
                if ticket.checked_in_by
                else _("Checked in %(when)s.") % {"when": when}
            )
            return DoorResult(headline=_("Already checked in"), detail=detail, can_undo=True, **base)
        if ticket.status == "cancelled":
            return DoorResult(
                headline=pgettext("registration status", "Cancelled"),
                detail=_("This registration was cancelled."),
                **base,
            )
        if ticket.status == "waitlisted":
            return DoorResult(
                headline=pgettext("registration status", "Waiting list"),
                detail=_("On the waiting list: no seat yet."),
                **base,
            )
        return DoorResult(headline=_("Not admitted"), detail=exc.message, **base)

    @rx.event
    @admin_only
    async def check_in(self, form_data: dict[str, Any], *, actor: Actor):
        """A code typed or pasted into the form."""
        data = form_data if isinstance(form_data, dict) else {}
        return await self._answer(str(data.get("code") or ""), actor)

    @rx.event
    @admin_only
    async def scanned(self, value: str, *, actor: Actor):
        """A code read by the camera."""
        return await self._answer(str(value or ""), actor)

    @rx.event
    @admin_only
    async def undo(self, registration_id: str, *, actor: Actor):
        """Take a check-in back (a mistake at the door): the ticket admits again."""
        try:
            await asyncio.to_thread(registrations.undo_check_in, clip(registration_id, 60), actor=actor)
        except DomainError as exc:
            self.error = exc.message
            return toast.error(exc.message)
        who = self.result.name if self.result.registration_id == registration_id else ""
        self.result = DoorResult(
            kind="undone",
            headline=_("Check-in undone"),
            detail=_("The ticket admits again."),
            name=who,
            code=self.result.code,
        )
        if self.event_id:
            await self._refresh()
        return None

    @rx.event
    @admin_only
    async def toggle_camera(self):
        self.camera_on, self.camera_problem = not self.camera_on, ""

    @rx.event
    @admin_only
    async def camera_failed(self, value: str):
        """The scanner could not start (no camera, permission refused): say so, keep typing possible."""
        self.camera_problem = clip(value, 200) or _("The camera could not start.")
        self.camera_on = False

    @rx.event
    @admin_only
    async def clear_result(self):
        self.result = DoorResult()
