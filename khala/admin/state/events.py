"""The events section (/admin/events): the searchable, sortable list; new, edit, duplicate and delete an
event (Markdown description with a live preview, an image from the library or uploaded inline); status
changes; a new venue in passing. The package editor is ``packages.PackagesMixin``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from khala.admin.state.base import (
    AdminState,
    Option,
    PagedState,
    admin_only,
    clip,
    seats,
    status_label,
)
from khala.admin.state.images import close_files, store_upload
from khala.admin.state.packages import PackageRowView, PackagesMixin, package_rows
from khala.audit.service import Actor
from khala.errors import DomainError, InvalidInput
from khala.events import catalogue, commands, forms, reports
from khala.events import service as events
from khala.events.markdown import render_markdown
from khala.images import service as images
from khala.lib import dates, money
from khala.lib.i18n import N_, ngettext, pgettext
from khala.lib.i18n import gettext as _
from khala.locations import service as locations
from khala.ui.client import toast

EVENTS_PAGE_SIZE = 20
EVENT_IMAGE_UPLOAD = "event-image-upload"
SORT_LABELS = {  # English msgids: the components translate them (t)
    "title": N_("Event"),
    "status": N_("Status"),
    "starts": N_("Starts"),
    "venue": N_("Venue"),
    "seats": N_("Seats"),
    "price": N_("Price"),
}


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
class EventEditView(EventHeading):
    timezone: str = ""
    venue: str = ""
    category: str = ""
    image_url: str = ""
    image_alt: str = ""
    packages: list[PackageRowView] = field(default_factory=list)


def _event_row(r: reports.AdminEventRow) -> EventRowView:
    return EventRowView(
        id=r.id,
        slug=r.slug,
        title=r.title,
        status=r.status,
        status_label=status_label(r.status),
        when=dates.format_date_short(r.starts_at, r.timezone),
        venue=", ".join(x for x in (r.venue, r.city) if x),
        packages=r.packages,
        seats=seats(r.seats_taken, r.seats_capacity) if r.packages else _("no packages"),
        price=money.from_price(r.min_price_minor, r.currency),
    )


def _poster(image_id: str | None) -> tuple[str, str]:
    """(card URL, alt text) of an image; ("", "") for none. Blocking (the store may be asked)."""
    image = images.images_by_id([image_id]).get(str(image_id)) if image_id else None
    return (images.image_url(image, "card").url, image.alt_text) if image else ("", "")


def _edit_view(d: catalogue.EventDetail) -> EventEditView:
    url, alt = _poster(d.image_id)
    return EventEditView(
        id=d.id,
        slug=d.slug,
        title=d.title,
        status=d.status,
        status_label=status_label(d.status),
        when=dates.format_date_long(d.starts_at, d.ends_at, d.timezone),
        timezone=d.timezone,
        venue=", ".join(x for x in (d.venue, d.city) if x),
        category=d.category_name,
        image_url=url,
        image_alt=alt,
        packages=package_rows(d),
    )


def _detail_view(event_id: str) -> EventEditView:
    return _edit_view(catalogue.get_event(event_id, include_unpublished=True))


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


class AdminEventsState(PackagesMixin, PagedState, AdminState):
    # the list (one page)
    query: str = ""
    status_filter: str = ""
    sort_key: str = "starts"
    sort_desc: bool = True
    rows: list[EventRowView] = []
    # the "new event" form
    creating: bool = False
    form_errors: dict[str, str] = {}
    form_key: int = 0
    categories: list[Option] = []
    venues: list[Option] = []
    images: list[Option] = []
    # shared by the new and the edit form (one is open at a time): the description's preview, the image
    description_draft: str = ""
    preview_html: str = ""
    picked_image: str = ""
    picked_url: str = ""
    inline_alt: str = ""
    inline_errors: dict[str, str] = {}
    inline_uploading: bool = False
    # the "new venue" form
    adding_venue: bool = False
    venue_errors: dict[str, str] = {}
    venue_key: int = 0
    # the event being managed (packages, status)
    selected: EventEditView = EventEditView()
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
        self._stop_package_edit()
        self._reset_drafts()

    def _refused(self, exc: DomainError, args: tuple[Any, ...], *, bounce: bool) -> Any:
        """A refused inline upload is closed at once."""
        for arg in args:
            if isinstance(arg, list):
                close_files([f for f in arg if isinstance(f, rx.UploadFile)])
        return super()._refused(exc, args, bounce=bounce)

    def _stop_editing(self) -> None:
        self.editing, self.edit_values, self.edit_errors = False, {}, {}

    def _reset_drafts(self, description: str = "", image_id: str = "", image_url: str = "") -> None:
        self.description_draft, self.preview_html = description, render_markdown(description)
        self.picked_image, self.picked_url = image_id, image_url
        self.inline_alt, self.inline_errors, self.inline_uploading = "", {}, False

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
        def page(query: str | None, status: str | None, number: int, sort: str, desc: bool):
            return reports.list_events_admin(
                query, status, number, EVENTS_PAGE_SIZE, sort=sort, descending=desc
            )

        try:
            result = await asyncio.to_thread(
                page, self.query, self.status_filter or None, self.page, self.sort_key, self.sort_desc
            )
        except InvalidInput:
            self.query, self.status_filter, self.sort_key, self.sort_desc = "", "", "starts", True
            result = await asyncio.to_thread(page, None, None, 1, "starts", True)
        self.rows = [_event_row(r) for r in result.items]
        self._show_page(result)

    async def _reselect(self, event_id: str) -> None:
        self.selected = await asyncio.to_thread(_detail_view, event_id)

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
    async def sort_by(self, value: str):
        """Sort the list by a column (``reports.SORTS``); the same column again turns the order round."""
        key = clip(value, 20)
        if key not in reports.SORTS:
            return None
        if key == self.sort_key:
            self.sort_desc = not self.sort_desc
        else:
            self.sort_key, self.sort_desc = key, key in ("starts", "seats", "price")
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def start_create(self):
        await self._load_choices()
        self._stop_editing()
        self._reset_drafts()
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
        name = clip(form_data.get("name"), 120).strip()
        return toast.success(_("Venue “%(name)s” added; choose it in the event form.") % {"name": name})

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
        return toast.success(
            _("Created “%(title)s”. Add its packages below.") % {"title": self.selected.title}
        )

    @rx.event
    @admin_only
    async def open_event(self, event_id: str):
        self.package_errors, self.status_error = {}, ""
        self._stop_editing()
        self._stop_package_edit()
        try:
            await self._reselect(clip(event_id, 60))
        except DomainError as exc:
            return toast.error(exc.message)
        return None

    @rx.event
    @admin_only
    async def close_event(self) -> None:
        self.selected = EventEditView()
        self.package_errors, self.status_error = {}, ""
        self._stop_editing()
        self._stop_package_edit()

    @rx.event
    @admin_only
    async def start_edit(self):
        if not self.selected.id:
            return None
        try:
            values = await asyncio.to_thread(forms.event_form_values, self.selected.id)
        except DomainError as exc:
            return toast.error(exc.message)
        await self._load_choices()
        self.creating = False
        self.edit_values, self.edit_errors = values, {}
        self._reset_drafts(values["description"], values["image_id"], self.selected.image_url)
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
        return toast.success(_("Changes saved."))

    @rx.event
    @admin_only
    async def preview_description(self, value: str) -> None:
        """The description as typed (debounced), rendered as the event page will show it."""
        self.description_draft = clip(value, events.MAX_DESCRIPTION + 1)
        self.preview_html = render_markdown(self.description_draft)

    @rx.event
    @admin_only
    async def pick_image(self, value: str):
        """Choose the form's image from the library ("" for none)."""
        image_id = clip(value, 60)
        url, _alt = await asyncio.to_thread(_poster, image_id) if image_id else ("", "")
        if image_id and not url:
            return toast.error(_(events.CHOOSE_IMAGE))
        self.picked_image, self.picked_url = image_id, url
        return None

    @rx.event
    @admin_only
    async def set_inline_alt(self, value: str) -> None:
        self.inline_alt = clip(value, images.MAX_ALT * 2)
        self.inline_errors = {k: v for k, v in self.inline_errors.items() if k != "alt_text"}

    @rx.event
    @admin_only
    async def upload_event_image(self, files: list[rx.UploadFile], *, actor: Actor):
        """Upload an image (with its alt text) from the event form; the form then uses it."""
        self.inline_errors, self.inline_uploading = {}, True
        yield
        try:
            image = await store_upload(files, alt_text=self.inline_alt, actor=actor)
        except DomainError as exc:
            self.inline_errors = exc.by_field()
            return
        finally:
            self.inline_uploading = False
        await self._load_choices()
        self.picked_image = str(image.id)
        self.picked_url, _alt = await asyncio.to_thread(_poster, self.picked_image)
        self.inline_alt = ""
        yield rx.clear_selected_files(EVENT_IMAGE_UPLOAD)
        yield toast.success(
            _("Uploaded “%(name)s”; the event will show it once you save.") % {"name": image.name}
        )

    @rx.event
    @admin_only
    async def duplicate_event(self, event_id: str, *, actor: Actor):
        try:
            copy = await asyncio.to_thread(commands.duplicate_event, clip(event_id, 60), actor=actor)
        except DomainError as exc:
            return toast.error(exc.message)
        self._stop_editing()
        self._stop_package_edit()
        self.query, self.status_filter, self.page = "", "", 1
        await self._fetch()
        await self._reselect(copy.id)
        n = len(copy.packages)
        return toast.success(
            ngettext(
                "Created the draft “%(title)s” with %(num)d package(s).",
                "Created the draft “%(title)s” with %(num)d package(s).",
                n,
            )
            % {"title": copy.title, "num": n}
        )

    @rx.event
    @admin_only
    async def delete_event(self, event_id: str, *, actor: Actor):
        """Delete an event nobody ever registered for (the refusal says to cancel it instead)."""
        event_id = clip(event_id, 60)
        try:
            await asyncio.to_thread(commands.delete_event, event_id, actor=actor)
        except DomainError as exc:
            return toast.error(exc.message)
        if self.selected.id == event_id:
            self.selected = EventEditView()
            self._stop_editing()
            self._stop_package_edit()
        await self._fetch()
        return toast.success(_("Event deleted."))

    @rx.event
    @admin_only
    async def set_status(self, event_id: str, status: str, *, actor: Actor):
        self.status_error = ""
        event_id = clip(event_id, 60)
        try:
            new = await asyncio.to_thread(events.set_status, event_id, clip(status, 20), actor=actor)
        except DomainError as exc:
            self.status_error = exc.message
            return toast.error(exc.message)
        await self._fetch()
        if self.selected.id == event_id:
            await self._reselect(event_id)
        now = {
            "draft": pgettext("event is now", "a draft"),
            "published": pgettext("event is now", "published"),
            "cancelled": pgettext("event is now", "cancelled"),
        }.get(new, new)
        return toast.success(_("The event is now %(status)s.") % {"status": now})
