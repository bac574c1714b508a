"""The registrations section (/admin/registrations): one event's registrations; cancel on someone's behalf."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from khala.admin.state.base import (
    REFUSED,
    REGISTRATION_LABELS,
    AdminState,
    Option,
    _clip,
    _page_number,
)
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.events import service as events
from khala.registrations import queries
from khala.registrations import service as registrations
from khala.ui import format as fmt

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


class AdminRegistrationsState(AdminState):
    event_id: str = ""
    event_title: str = ""
    event_options: list[Option] = []
    status_filter: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[RegistrationRowView] = []
    summary: str = ""
    confirm_id: str = ""
    error: str = ""

    def _forget(self) -> None:
        self.rows, self.total, self.pages, self.event_options = [], 0, 1, []
        self.event_title, self.summary, self.confirm_id = "", "", ""

    async def _fetch(self) -> None:
        self.confirm_id = ""
        if not self.event_id:
            self.rows, self.total, self.pages, self.summary, self.event_title = [], 0, 1, "", ""
            return
        try:
            detail, result, stats = await asyncio.gather(
                asyncio.to_thread(events.get_event, self.event_id, include_unpublished=True),
                asyncio.to_thread(
                    queries.list_for_event,
                    self.event_id,
                    status=self.status_filter or None,
                    page=self.page,
                    page_size=REGISTRATIONS_PAGE_SIZE,
                ),
                asyncio.to_thread(queries.registration_stats, self.event_id),
            )
        except DomainError as exc:
            self.error = exc.message
            self.event_id = ""
            self.rows, self.total, self.pages, self.summary, self.event_title = [], 0, 1, "", ""
            return
        self.event_title = detail.title
        self.summary = (
            f"{stats.confirmed} confirmed ({stats.seats_confirmed} seats) · "
            f"{stats.waitlisted} waiting ({stats.seats_waitlisted} seats) · {stats.cancelled} cancelled"
        )
        self.rows = [
            RegistrationRowView(
                id=r.id,
                status=r.status,
                status_label=REGISTRATION_LABELS.get(r.status, r.status),
                name=r.user_name,
                email=r.user_email,
                package=r.package_title,
                quantity=r.quantity,
                ticket_code=r.ticket_code,
                created=fmt.format_datetime_short(r.created_at, detail.timezone),
                cancellable=r.cancellable,
            )
            for r in result.items
        ]
        self.total, self.page, self.pages = result.total, result.page, result.pages

    @rx.event
    async def load(self):
        if await self._admin() is None:
            self._forget()
            return self._bounce()
        self.error = ""
        choices = await asyncio.to_thread(events.list_events_admin, None, None, 1, EVENT_CHOICES)
        self.event_options = [
            Option(r.id, f"{r.title} — {fmt.format_date_short(r.starts_at, r.timezone)}")
            for r in choices.items
        ]
        wanted = _clip(self.router.url.query_parameters.get("event", ""), 60)
        if wanted:
            self.event_id, self.page = wanted, 1
        await self._fetch()
        return None

    @rx.event
    async def choose_event(self, event_id: str):
        if await self._admin() is None:
            return rx.toast.error(REFUSED)
        self.error = ""
        self.event_id, self.page, self.status_filter = _clip(event_id, 60), 1, ""
        await self._fetch()
        return None

    @rx.event
    async def filter_status(self, status: str):
        if await self._admin() is None:
            return rx.toast.error(REFUSED)
        status = _clip(status, 20)
        self.status_filter = "" if status == "all" or status not in queries.ADMIN_STATUS_FILTERS else status
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    async def go_to_page(self, page: int):
        if await self._admin() is None:
            return rx.toast.error(REFUSED)
        self.page = _page_number(page)
        await self._fetch()
        return None

    @rx.event
    def ask_cancel(self, registration_id: str) -> None:
        """Pure UI: show the confirmation for one row (the cancel itself is checked)."""
        self.confirm_id = _clip(registration_id, 60)

    @rx.event
    async def cancel(self, registration_id: str):
        """Cancel a registration as an administrator: seats go back and the waiting list moves up."""
        admin = await self._admin()
        if admin is None:
            return rx.toast.error(REFUSED)
        self.error = ""
        try:
            await asyncio.to_thread(registrations.cancel, _clip(registration_id, 60), actor=Actor.user(admin))
        except DomainError as exc:
            self.error = exc.message
            await self._fetch()
            return rx.toast.error(exc.message)
        await self._fetch()
        return rx.toast.success(
            "Registration cancelled; its seats are free again and the waiting list, if any, moved up."
        )
