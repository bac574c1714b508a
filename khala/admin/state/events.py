"""The events section (/admin/events): the list, new event and venue forms, packages, status changes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from khala.admin.state.base import (
    STATUS_LABELS,
    AdminState,
    Option,
    PagedState,
    admin_only,
    clip,
    seats,
)
from khala.audit.service import Actor
from khala.errors import DomainError, InvalidInput
from khala.events import catalogue, forms, reports
from khala.events import service as events
from khala.images import service as images
from khala.lib import dates, money
from khala.locations import service as locations

EVENTS_PAGE_SIZE = 20


@dataclass
class EventHeading:
    """What both the list row and the managed event show first."""

    id: str = ""
    slug: str = ""
    title: str = ""
    status: str = ""
    status_label: str = ""
    when: str = ""


@dataclass
class EventRowView(EventHeading):
    venue: str = ""
    packages: int = 0
    seats: str = ""
    price: str = ""


@dataclass
class PackageRowView:
    id: str = ""
    title: str = ""
    price: str = ""
    seats: str = ""
    max_per_registration: int = 0
    sales: str = ""
    perks: str = ""


@dataclass
class EventEditView(EventHeading):
    timezone: str = ""
    venue: str = ""
    packages: list[PackageRowView] = field(default_factory=list)


def _event_row(r: reports.AdminEventRow) -> EventRowView:
    return EventRowView(
        id=r.id,
        slug=r.slug,
        title=r.title,
        status=r.status,
        status_label=STATUS_LABELS.get(r.status, r.status),
        when=dates.format_date_short(r.starts_at, r.timezone),
        venue=", ".join(x for x in (r.venue, r.city) if x),
        packages=r.packages,
        seats=seats(r.seats_taken, r.seats_capacity) if r.packages else "no packages",
        price=money.from_price(r.min_price_minor, r.currency),
    )


def _edit_view(d: catalogue.EventDetail) -> EventEditView:
    def sales(p: catalogue.PackageView) -> str:
        opens = dates.format_datetime_short(p.opens_at, d.timezone)
        closes = dates.format_datetime_short(p.closes_at, d.timezone)
        if opens and closes:
            return f"{opens} – {closes}"
        if opens:
            return f"from {opens}"
        if closes:
            return f"until {closes}"
        return "until the event starts"

    return EventEditView(
        id=d.id,
        slug=d.slug,
        title=d.title,
        status=d.status,
        status_label=STATUS_LABELS.get(d.status, d.status),
        when=dates.format_date_long(d.starts_at, d.ends_at, d.timezone),
        timezone=d.timezone,
        venue=", ".join(x for x in (d.venue, d.city) if x),
        packages=[
            PackageRowView(
                id=p.id,
                title=p.title,
                price=money.format_price(p.price_minor, p.currency),
                seats=seats(p.taken, p.capacity),
                max_per_registration=p.max_per_registration,
                sales=sales(p),
                perks=", ".join(p.perks),
            )
            for p in d.packages
        ],
    )


def _event_form(form_data: dict[str, Any]) -> dict[str, str]:
    """The event form's fields as the service reads them, each clipped to a sane length."""
    return {
        "title": clip(form_data.get("title"), 300),
        "summary": clip(form_data.get("summary"), 600),
        "description": clip(form_data.get("description"), events.MAX_DESCRIPTION + 1),
        "category": clip(form_data.get("category"), 60),
        "venue_id": clip(form_data.get("venue_id"), 60),
        "image_id": clip(form_data.get("image_id"), 60),
        "starts_at": clip(form_data.get("starts_at"), 40),
        "ends_at": clip(form_data.get("ends_at"), 40),
        "timezone": clip(form_data.get("timezone"), 64),
    }


class AdminEventsState(PagedState, AdminState):
    # the list (one page)
    query: str = ""
    status_filter: str = ""
    rows: list[EventRowView] = []
    # the "new event" form
    creating: bool = False
    form_errors: dict[str, str] = {}
    form_key: int = 0
    categories: list[Option] = []
    venues: list[Option] = []
    images: list[Option] = []
    # the "new venue" form
    adding_venue: bool = False
    venue_errors: dict[str, str] = {}
    venue_key: int = 0
    # the event being managed (packages, status)
    selected: EventEditView = EventEditView()
    package_errors: dict[str, str] = {}
    package_key: int = 0
    status_error: str = ""
    # editing the managed event's details
    editing: bool = False
    edit_values: dict[str, str] = {}
    edit_errors: dict[str, str] = {}
    edit_key: int = 0

    def _forget(self) -> None:
        self.rows = []
        self._forget_page()
        self.categories, self.venues, self.images = [], [], []
        self.selected = EventEditView()
        self.creating = False
        self.adding_venue = False
        self._stop_editing()

    def _stop_editing(self) -> None:
        self.editing, self.edit_values, self.edit_errors = False, {}, {}

    async def _load_choices(self) -> None:
        cats, venues, pictures = await asyncio.gather(
            asyncio.to_thread(catalogue.list_categories),
            asyncio.to_thread(locations.list_venues),
            asyncio.to_thread(images.list_images),
        )
        self.categories = [Option(slug, name) for slug, name in cats]
        self.venues = [Option(vid, label) for vid, label in venues]
        self.images = [Option(iid, label) for iid, label in pictures]

    async def _fetch(self) -> None:
        try:
            result = await asyncio.to_thread(
                reports.list_events_admin, self.query, self.status_filter or None, self.page, EVENTS_PAGE_SIZE
            )
        except InvalidInput:
            self.query, self.status_filter = "", ""
            result = await asyncio.to_thread(reports.list_events_admin, None, None, 1, EVENTS_PAGE_SIZE)
        self.rows = [_event_row(r) for r in result.items]
        self._show_page(result)

    async def _reselect(self, event_id: str) -> None:
        detail = await asyncio.to_thread(catalogue.get_event, event_id, include_unpublished=True)
        self.selected = _edit_view(detail)

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        self.form_errors, self.package_errors, self.status_error = {}, {}, ""
        await self._fetch()
        if self.selected.id:
            try:
                await self._reselect(self.selected.id)
            except DomainError:
                self.selected = EventEditView()
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        self.query = clip(form_data.get("q"), catalogue.MAX_QUERY_LENGTH)
        status = clip(form_data.get("status"), 20)
        self.status_filter = status if status in events.ADMIN_STATUSES else ""
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def start_create(self):
        await self._load_choices()
        self.form_errors = {}
        self.creating = True
        return None

    @rx.event
    @admin_only
    async def toggle_venue_form(self) -> None:
        """Show or hide the new-venue form."""
        self.adding_venue = not self.adding_venue
        self.venue_errors = {}

    @rx.event
    @admin_only
    async def create_venue(self, form_data: dict[str, Any], *, actor: Actor):
        self.venue_errors = {}
        try:
            await asyncio.to_thread(
                locations.create_location,
                name=clip(form_data.get("name"), 300),
                city=clip(form_data.get("city"), 200),
                street=clip(form_data.get("street"), 400),
                postal_code=clip(form_data.get("postal_code"), 40),
                country=clip(form_data.get("country"), 10),
                actor=actor,
            )
        except DomainError as exc:
            self.venue_errors = exc.by_field()
            return None
        self.adding_venue = False
        self.venue_key += 1
        await self._load_choices()
        return rx.toast.success(
            f"Venue “{clip(form_data.get('name'), 120).strip()}” added; choose it in the event form."
        )

    @rx.event
    @admin_only
    async def cancel_create(self) -> None:
        self.creating = False
        self.form_errors = {}

    @rx.event
    @admin_only
    async def create_event(self, form_data: dict[str, Any], *, actor: Actor):
        self.form_errors = {}
        try:
            event_id = await asyncio.to_thread(
                forms.create_event_from_form,
                **_event_form(form_data),
                status=clip(form_data.get("status"), 20) or "draft",
                actor=actor,
            )
        except DomainError as exc:
            self.form_errors = exc.by_field()
            return None
        self.creating = False
        self.form_key += 1
        self.query, self.status_filter, self.page = "", "", 1
        await self._fetch()
        await self._reselect(event_id)
        return rx.toast.success(f"Created “{self.selected.title}”. Add its packages below.")

    @rx.event
    @admin_only
    async def open_event(self, event_id: str):
        self.package_errors, self.status_error = {}, ""
        self._stop_editing()
        try:
            await self._reselect(clip(event_id, 60))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return None

    @rx.event
    @admin_only
    async def close_event(self) -> None:
        self.selected = EventEditView()
        self.package_errors, self.status_error = {}, ""
        self._stop_editing()

    @rx.event
    @admin_only
    async def start_edit(self):
        if not self.selected.id:
            return None
        try:
            values = await asyncio.to_thread(forms.event_form_values, self.selected.id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._load_choices()
        self.edit_values, self.edit_errors = values, {}
        self.edit_key += 1
        self.editing = True
        return None

    @rx.event
    @admin_only
    async def cancel_edit(self) -> None:
        self._stop_editing()

    @rx.event
    @admin_only
    async def save_event(self, form_data: dict[str, Any], *, actor: Actor):
        event_id = self.selected.id
        if not event_id:
            return None
        self.edit_errors = {}
        try:
            await asyncio.to_thread(
                forms.update_event_from_form,
                event_id,
                **_event_form(form_data),
                actor=actor,
            )
        except DomainError as exc:
            self.edit_errors = exc.by_field()
            return None
        self._stop_editing()
        await self._reselect(event_id)
        await self._fetch()
        return rx.toast.success("Changes saved.")

    @rx.event
    @admin_only
    async def add_package(self, form_data: dict[str, Any], *, actor: Actor):
        self.package_errors = {}
        event_id = self.selected.id
        if not event_id:
            self.package_errors = {"form": "Choose an event first."}
            return None
        try:
            await asyncio.to_thread(
                forms.add_package_from_form,
                event_id,
                title=clip(form_data.get("title"), 300),
                price=clip(form_data.get("price"), 40),
                currency=clip(form_data.get("currency"), 10),
                capacity=clip(form_data.get("capacity"), 20),
                max_per_registration=clip(form_data.get("max_per_registration"), 20),
                sales_opens_at=clip(form_data.get("sales_opens_at"), 40),
                sales_closes_at=clip(form_data.get("sales_closes_at"), 40),
                perks=clip(form_data.get("perks"), 4000),
                description=clip(form_data.get("description"), 600),
                actor=actor,
            )
        except DomainError as exc:
            self.package_errors = exc.by_field()
            return None
        self.package_key += 1
        await self._reselect(event_id)
        await self._fetch()
        return rx.toast.success("Package added.")

    @rx.event
    @admin_only
    async def set_status(self, event_id: str, status: str, *, actor: Actor):
        self.status_error = ""
        event_id = clip(event_id, 60)
        try:
            new = await asyncio.to_thread(events.set_status, event_id, clip(status, 20), actor=actor)
        except DomainError as exc:
            self.status_error = exc.message
            return rx.toast.error(exc.message)
        await self._fetch()
        if self.selected.id == event_id:
            await self._reselect(event_id)
        return rx.toast.success(f"The event is now {STATUS_LABELS.get(new, new).lower()}.")
