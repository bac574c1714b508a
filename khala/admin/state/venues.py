"""The venues and categories section (/admin/venues): a searchable page of venues with the events at each,
add / edit / delete a venue; every category with its events, add / rename / delete one. Deleting something
events use is refused by the service, and the refusal names the events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, PagedState, SearchState, admin_only, clip
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.events import categories
from khala.events.service import slugify
from khala.lib.i18n import gettext as _
from khala.lib.usage import events_phrase
from khala.locations import service as locations
from khala.ui.client import toast

VENUES_PAGE_SIZE = 25
VENUE_FIELDS = ("name", "street", "postal_code", "city", "region", "country")


@dataclass
class VenueRowView:
    id: str = ""
    name: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    map_url: str = ""
    used: bool = False
    usage: str = ""  # "2 events: Gala and Jazz Night"


@dataclass
class CategoryRowView:
    slug: str = ""
    name: str = ""
    used: bool = False
    usage: str = ""


def _usage_text(count: int, text: str) -> str:
    return f"{events_phrase(count)}: {text}" if count else _("No events")


def _venue_row(r: locations.VenueRow) -> VenueRowView:
    v = r.venue
    return VenueRowView(
        id=v.id,
        name=v.name,
        address=v.address,
        city=v.city,
        country=v.country,
        map_url=v.map_url,
        used=bool(r.usage),
        usage=_usage_text(r.usage.count, r.usage.text()),
    )


def _category_row(c: categories.CategoryView) -> CategoryRowView:
    return CategoryRowView(
        slug=c.slug, name=c.name, used=bool(c.usage), usage=_usage_text(c.usage.count, c.usage.text())
    )


def _venue_form(form_data: dict[str, Any]) -> dict[str, str]:
    limits = {"name": 300, "street": 400, "postal_code": 40, "city": 200, "region": 200, "country": 10}
    return {k: clip(form_data.get(k), n) for k, n in limits.items()}


class AdminVenuesState(SearchState, PagedState, AdminState):
    # venues (one page)
    venues: list[VenueRowView] = []
    venue_form_open: bool = False  # the add/edit form
    editing_venue: str = ""  # "" = adding a new one
    venue_values: dict[str, str] = {}
    venue_errors: dict[str, str] = {}
    venue_key: int = 0
    # categories (all of them: a catalogue has a few dozen)
    categories: list[CategoryRowView] = []
    category_errors: dict[str, str] = {}
    category_key: int = 0
    editing_category: str = ""  # the slug being renamed
    category_values: dict[str, str] = {}
    category_edit_errors: dict[str, str] = {}

    def _forget(self) -> None:
        self.venues, self.categories = [], []
        self._forget_page()
        self._close_venue_form()
        self._stop_category_edit()

    def _close_venue_form(self) -> None:
        self.venue_form_open, self.editing_venue, self.venue_values, self.venue_errors = False, "", {}, {}

    def _stop_category_edit(self) -> None:
        self.editing_category, self.category_values, self.category_edit_errors = "", {}, {}

    async def _fetch(self) -> None:
        result = await asyncio.to_thread(
            locations.list_venues_in_use, query=self.query, page=self.page, page_size=VENUES_PAGE_SIZE
        )
        self.venues = [_venue_row(r) for r in result.items]
        self._show_page(result)

    async def _fetch_categories(self) -> None:
        self.categories = [_category_row(c) for c in await asyncio.to_thread(categories.list_categories)]

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        self.category_errors = {}
        await asyncio.gather(self._fetch(), self._fetch_categories())
        return None

    # venues ------------------------------------------------------------------------------------------

    @rx.event
    @admin_only
    async def start_add_venue(self) -> None:
        self._close_venue_form()
        self.venue_values = {"country": "SE"}
        self.venue_form_open = True
        self.venue_key += 1

    @rx.event
    @admin_only
    async def edit_venue(self, venue_id: str):
        try:
            v = await asyncio.to_thread(locations.get_location, clip(venue_id, 60))
        except DomainError as exc:
            return toast.error(exc.message)
        self._close_venue_form()
        self.editing_venue = v.id
        self.venue_values = {k: str(getattr(v, k) or "") for k in VENUE_FIELDS}
        self.venue_form_open = True
        self.venue_key += 1
        return None

    @rx.event
    @admin_only
    async def cancel_venue(self) -> None:
        self._close_venue_form()

    @rx.event
    @admin_only
    async def save_venue(self, form_data: dict[str, Any], *, actor: Actor):
        """Add a venue, or change the one being edited (its id comes with the form)."""
        self.venue_errors = {}
        venue_id = clip(form_data.get("venue_id"), 60)
        fields = _venue_form(form_data)
        try:
            if venue_id:
                await asyncio.to_thread(locations.update_location, venue_id, actor=actor, **fields)
            else:
                await asyncio.to_thread(locations.create_location, actor=actor, **fields)
        except DomainError as exc:
            self.venue_errors = exc.by_field()
            return None
        self._close_venue_form()
        await self._fetch()
        name = " ".join(fields["name"].split())[:120]
        done = _("Venue “%(name)s” saved.") if venue_id else _("Venue “%(name)s” added.")
        return toast.success(done % {"name": name})

    @rx.event
    @admin_only
    async def delete_venue(self, venue_id: str, *, actor: Actor):
        venue_id = clip(venue_id, 60)
        try:
            await asyncio.to_thread(locations.delete_location, venue_id, actor=actor)
        except DomainError as exc:
            return toast.error(exc.message)
        if self.editing_venue == venue_id:
            self._close_venue_form()
        await self._fetch()
        return toast.success(_("Venue deleted."))

    # categories --------------------------------------------------------------------------------------

    @rx.event
    @admin_only
    async def create_category(self, form_data: dict[str, Any], *, actor: Actor):
        """Add a category; an empty slug is made from the name."""
        self.category_errors = {}
        name = clip(form_data.get("name"), 200)
        slug = clip(form_data.get("slug"), 100).strip() or slugify(name)
        try:
            view = await asyncio.to_thread(categories.add_category, slug=slug, name=name, actor=actor)
        except DomainError as exc:
            self.category_errors = exc.by_field()
            return None
        self.category_key += 1
        await self._fetch_categories()
        return toast.success(_("Category “%(name)s” added.") % {"name": view.name})

    @rx.event
    @admin_only
    async def edit_category(self, slug: str) -> None:
        found = next((c for c in self.categories if c.slug == slug), None)
        self._stop_category_edit()
        if found is not None:
            self.editing_category = found.slug
            self.category_values = {"slug": found.slug, "name": found.name}

    @rx.event
    @admin_only
    async def cancel_category(self) -> None:
        self._stop_category_edit()

    @rx.event
    @admin_only
    async def save_category(self, form_data: dict[str, Any], *, actor: Actor):
        slug = self.editing_category
        if not slug:
            return None
        self.category_edit_errors = {}
        try:
            view = await asyncio.to_thread(
                categories.update_category,
                slug,
                name=clip(form_data.get("name"), 200),
                new_slug=clip(form_data.get("slug"), 100),
                actor=actor,
            )
        except DomainError as exc:
            self.category_edit_errors = exc.by_field()
            return None
        self._stop_category_edit()
        await self._fetch_categories()
        return toast.success(_("Category “%(name)s” saved.") % {"name": view.name})

    @rx.event
    @admin_only
    async def delete_category(self, slug: str, *, actor: Actor):
        try:
            await asyncio.to_thread(categories.delete_category, clip(slug, 100), actor=actor)
        except DomainError as exc:
            return toast.error(exc.message)
        if self.editing_category == slug:
            self._stop_category_edit()
        await self._fetch_categories()
        return toast.success(_("Category deleted."))
