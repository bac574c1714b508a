"""The package editor of the managed event (/admin/events): add, edit, reorder, close sales, remove.

A mixin of ``AdminEventsState`` (the packages belong to the event it manages, ``selected``): every handler
is guarded like the section's own, and after each change the managed event is read again. The rules
(capacity never below the seats taken, a package people registered for is closed, not removed, a raised
capacity moves the waiting list up) live in ``khala.events.service``; the messages come from there.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import admin_only, clip, seats
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.events import catalogue, commands, forms
from khala.lib import dates, money
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.ui.client import toast

SALES_LABELS = {  # English msgids, translated at use
    "open": N_("On sale"),
    "not_yet": N_("Not on sale yet"),
    "closed": N_("Sales closed"),
    "event_past": N_("Event started"),
    "event_cancelled": N_("Event cancelled"),
}
OPEN_EVENT_FIRST = N_("Open the package's event first.")


@dataclass
class PackageRowView:
    id: str = ""
    title: str = ""
    description: str = ""
    price: str = ""
    seats: str = ""
    taken: int = 0
    max_per_registration: int = 0
    sales: str = ""
    sales_state: str = ""
    sales_label: str = ""
    perks: str = ""
    first: bool = False
    last: bool = False


def _window(p: catalogue.PackageView, tz: str) -> str:
    opens = dates.format_datetime_short(p.opens_at, tz)
    closes = dates.format_datetime_short(p.closes_at, tz)
    if opens and closes:
        return f"{opens} – {closes}"
    if opens:
        return _("from %(when)s") % {"when": opens}
    if closes:
        return _("until %(when)s") % {"when": closes}
    return _("until the event starts")


def package_rows(d: catalogue.EventDetail) -> list[PackageRowView]:
    n = len(d.packages)
    return [
        PackageRowView(
            id=p.id,
            title=p.title,
            description=p.description,
            price=money.format_price(p.price_minor, p.currency),
            seats=seats(p.taken, p.capacity),
            taken=p.taken,
            max_per_registration=p.max_per_registration,
            sales=_window(p, d.timezone),
            sales_state=p.sales_state,
            sales_label=_(SALES_LABELS[p.sales_state]) if p.sales_state in SALES_LABELS else p.sales_state,
            perks=", ".join(p.perks),
            first=i == 0,
            last=i == n - 1,
        )
        for i, p in enumerate(d.packages)
    ]


def package_form(form_data: dict[str, Any]) -> dict[str, str]:
    """The package form's fields as ``forms`` reads them, each clipped to a sane length."""
    return {
        "title": clip(form_data.get("title"), 300),
        "price": clip(form_data.get("price"), 40),
        "currency": clip(form_data.get("currency"), 10),
        "capacity": clip(form_data.get("capacity"), 20),
        "max_per_registration": clip(form_data.get("max_per_registration"), 20),
        "sales_opens_at": clip(form_data.get("sales_opens_at"), 40),
        "sales_closes_at": clip(form_data.get("sales_closes_at"), 40),
        "perks": clip(form_data.get("perks"), 4000),
        "description": clip(form_data.get("description"), 600),
    }


class PackagesMixin(rx.State, mixin=True):
    """Mixed into ``AdminEventsState``, which provides ``selected`` (the managed event), ``_reselect`` and
    ``_fetch``."""

    package_errors: dict[str, str] = {}  # the "add a package" form
    package_key: int = 0
    editing_package: str = ""  # the package whose edit form is open
    package_values: dict[str, str] = {}
    package_edit_errors: dict[str, str] = {}
    package_edit_key: int = 0

    def _stop_package_edit(self) -> None:
        self.editing_package, self.package_values, self.package_edit_errors = "", {}, {}

    def _of_selected(self, package_id: str) -> bool:
        return any(p.id == package_id for p in self.selected.packages)  # type: ignore[attr-defined]

    async def _after_change(self) -> None:
        await self._reselect(self.selected.id)  # type: ignore[attr-defined]
        await self._fetch()  # type: ignore[attr-defined]

    @rx.event
    @admin_only
    async def add_package(self, form_data: dict[str, Any], *, actor: Actor):
        self.package_errors = {}
        event_id = self.selected.id  # type: ignore[attr-defined]
        if not event_id:
            self.package_errors = {"form": _("Choose an event first.")}
            return None
        try:
            await asyncio.to_thread(
                forms.add_package_from_form, event_id, **package_form(form_data), actor=actor
            )
        except DomainError as exc:
            self.package_errors = exc.by_field()
            return None
        self.package_key += 1
        await self._after_change()
        return toast.success(_("Package added."))

    @rx.event
    @admin_only
    async def edit_package(self, package_id: str):
        package_id = clip(package_id, 60)
        if not self._of_selected(package_id):
            return toast.error(_(OPEN_EVENT_FIRST))
        try:
            values = await asyncio.to_thread(forms.package_form_values, package_id)
        except DomainError as exc:
            return toast.error(exc.message)
        self.editing_package, self.package_values, self.package_edit_errors = package_id, values, {}
        self.package_edit_key += 1
        return None

    @rx.event
    @admin_only
    async def cancel_package_edit(self) -> None:
        self._stop_package_edit()

    @rx.event
    @admin_only
    async def save_package(self, form_data: dict[str, Any], *, actor: Actor):
        package_id = self.editing_package
        if not package_id:
            return None
        self.package_edit_errors = {}
        try:
            await asyncio.to_thread(
                forms.update_package_from_form, package_id, **package_form(form_data), actor=actor
            )
        except DomainError as exc:
            self.package_edit_errors = exc.by_field()
            return None
        self._stop_package_edit()
        await self._after_change()
        return toast.success(_("Package saved."))

    async def _package_action(self, package_id: str, work: Any, done: str):
        package_id = clip(package_id, 60)
        if not self._of_selected(package_id):
            return toast.error(_(OPEN_EVENT_FIRST))
        try:
            await asyncio.to_thread(work, package_id)
        except DomainError as exc:
            return toast.error(exc.message)
        if self.editing_package == package_id:
            self._stop_package_edit()
        await self._after_change()
        return toast.success(done) if done else None

    @rx.event
    @admin_only
    async def close_package_sales(self, package_id: str, *, actor: Actor):
        return await self._package_action(
            package_id, lambda pid: commands.close_sales(pid, actor=actor), _("Sales closed.")
        )

    @rx.event
    @admin_only
    async def remove_package(self, package_id: str, *, actor: Actor):
        return await self._package_action(
            package_id, lambda pid: commands.delete_package(pid, actor=actor), _("Package removed.")
        )

    @rx.event
    @admin_only
    async def move_package_up(self, package_id: str, *, actor: Actor):
        return await self._package_action(
            package_id, lambda pid: commands.move_package(pid, -1, actor=actor), ""
        )

    @rx.event
    @admin_only
    async def move_package_down(self, package_id: str, *, actor: Actor):
        return await self._package_action(
            package_id, lambda pid: commands.move_package(pid, 1, actor=actor), ""
        )
