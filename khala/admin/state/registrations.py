"""The registrations section (/admin/registrations): every event's registrations or one event's, searched by
name, e-mail or ticket code; cancel on someone's behalf, resend a confirmation, export an event as CSV."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, Option, PagedState, admin_only, clip
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.events import catalogue, reports
from khala.lib.dates import format_date_short, format_datetime_short
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext, pgettext
from khala.registrations import queries, roster
from khala.registrations import service as registrations
from khala.ui.client import toast

REGISTRATIONS_PAGE_SIZE = 25
EVENT_CHOICES = 100  # the registrations section's event picker: the latest events


@dataclass
class RegistrationRowView:
    id: str = ""
    status: str = ""
    status_label: str = ""
    name: str = ""
    email: str = ""
    package: str = ""
    quantity: int = 0
    ticket_code: str = ""
    created: str = ""
    cancellable: bool = False
    event_id: str = ""
    event_title: str = ""
    checked_in: str = ""  # when the ticket was scanned at the door ("" = not yet)


def status_label(status: str) -> str:
    """A registration's status in the current language (the admin's)."""
    labels = {
        "confirmed": pgettext("registration status", "Confirmed"),
        "waitlisted": pgettext("registration status", "Waiting list"),
        "cancelled": pgettext("registration status", "Cancelled"),
    }
    return labels.get(status, status)


def stats_summary(stats: queries.RegistrationStats) -> str:
    """ "12 confirmed (20 seats) · 3 waiting (3 seats) · 1 cancelled", in the current language."""

    def seats(n: int) -> str:
        return ngettext("%(num)d seat", "%(num)d seats", n) % {"num": n}

    confirmed = ngettext("%(num)d confirmed", "%(num)d confirmed", stats.confirmed) % {"num": stats.confirmed}
    waiting = ngettext("%(num)d waiting", "%(num)d waiting", stats.waitlisted) % {"num": stats.waitlisted}
    cancelled = ngettext("%(num)d cancelled", "%(num)d cancelled", stats.cancelled) % {"num": stats.cancelled}
    return f"{confirmed} ({seats(stats.seats_confirmed)}) · {waiting} ({seats(stats.seats_waitlisted)}) · {cancelled}"


def export_url(event_id: str) -> str:
    return f"/admin/events/{event_id}/registrations.csv"


def checkin_url(event_id: str) -> str:
    return f"/admin/checkin/{event_id}"


class AdminRegistrationsState(PagedState, AdminState):
    event_id: str = ""
    event_title: str = ""
    event_options: list[Option] = []
    status_filter: str = ""
    query: str = ""
    rows: list[RegistrationRowView] = []
    summary: str = ""
    confirm_id: str = ""
    error: str = ""

    def _forget(self) -> None:
        self.rows, self.event_options = [], []
        self._forget_page()
        self.event_title, self.summary, self.confirm_id = "", "", ""

    def _no_event(self) -> None:
        self.summary, self.event_title = "", ""

    async def _fetch(self) -> None:
        self.confirm_id = ""
        calls = [
            asyncio.to_thread(
                roster.search_registrations,
                self.query,
                event_id=self.event_id or None,
                status=self.status_filter or None,
                page=self.page,
                page_size=REGISTRATIONS_PAGE_SIZE,
            )
        ]
        if self.event_id:
            calls += [
                asyncio.to_thread(catalogue.get_event, self.event_id, include_unpublished=True),
                asyncio.to_thread(queries.registration_stats, self.event_id),
            ]
        try:
            result, *event = await asyncio.gather(*calls)
        except DomainError as exc:
            self.error = exc.message
            self.event_id = ""
            self._no_event()
            self.rows = []
            self._forget_page()
            return
        if event:
            detail, stats = event
            self.event_title = detail.title
            self.summary = stats_summary(stats)
        else:
            self._no_event()
        self.rows = [
            RegistrationRowView(
                id=r.id,
                status=r.status,
                status_label=status_label(r.status),
                name=r.user_name,
                email=r.user_email,
                package=r.package_title,
                quantity=r.quantity,
                ticket_code=r.ticket_code,
                created=format_datetime_short(r.created_at, r.timezone),
                cancellable=r.cancellable,
                event_id=r.event_id,
                event_title=r.event_title,
                checked_in=format_datetime_short(r.checked_in_at, r.timezone),
            )
            for r in result.items
        ]
        self._show_page(result)

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        """on_load: ``?event=<id>`` picks an event, ``?q=`` searches; otherwise the latest registrations of
        every event."""
        self.error = ""
        choices = await asyncio.to_thread(reports.list_events_admin, None, None, 1, EVENT_CHOICES)
        self.event_options = [
            Option(r.id, f"{r.title} — {format_date_short(r.starts_at, r.timezone)}") for r in choices.items
        ]
        params = self.router.url.query_parameters
        wanted = clip(params.get("event", ""), 60)
        if wanted:
            self.event_id, self.page = wanted, 1
        if "q" in params:
            self.query, self.page = clip(params.get("q", ""), 100).strip(), 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def choose_event(self, event_id: str):
        self.error = ""
        self.event_id, self.page, self.status_filter = clip(event_id, 60), 1, ""
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def filter_status(self, status: str):
        status = clip(status, 20)
        self.status_filter = "" if status == "all" or status not in queries.ADMIN_STATUS_FILTERS else status
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        """Search by name, e-mail or ticket code (across events unless one is chosen)."""
        self.error = ""
        data = form_data if isinstance(form_data, dict) else {}
        self.query = clip(data.get("q"), 100).strip()
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def ask_cancel(self, registration_id: str) -> None:
        """Show the confirmation for one row."""
        self.confirm_id = clip(registration_id, 60)

    @rx.event
    @admin_only
    async def cancel(self, registration_id: str, *, actor: Actor):
        """Cancel a registration as an administrator: seats go back and the waiting list moves up."""
        self.error = ""
        try:
            await asyncio.to_thread(registrations.cancel, clip(registration_id, 60), actor=actor)
        except DomainError as exc:
            self.error = exc.message
            await self._fetch()
            return toast.error(exc.message)
        await self._fetch()
        return toast.success(
            _("Registration cancelled; its seats are free again and the waiting list, if any, moved up.")
        )

    @rx.event
    @admin_only
    async def resend(self, registration_id: str, *, actor: Actor):
        """Mail the holder their confirmation (or waiting-list place) again."""
        self.error = ""
        try:
            await asyncio.to_thread(registrations.resend_confirmation, clip(registration_id, 60), actor=actor)
        except DomainError as exc:
            self.error = exc.message
            return toast.error(exc.message)
        row = next((r for r in self.rows if r.id == registration_id), None)
        return toast.success(
            _("Confirmation sent again to %(email)s.") % {"email": row.email}
            if row
            else _("Confirmation sent again.")
        )
