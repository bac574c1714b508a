"""The catalogue's changes as whole operations, each in its own transaction, for callers that hold typed
values and no session (the REST API). Each one calls the service's building blocks, so the rules, the
messages per field and the audit entries are exactly the admin dashboard's.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import InvalidInput
from khala.events import catalogue, copying, service
from khala.events.catalogue import EventDetail, PackageView
from khala.events.models import Category, Package

_UNSET: Any = service.UNSET


_NO_SUCH_CATEGORY = -1  # no row has it: the service refuses it with its own message, beside any other field's


def _category_id(s: Session, slug: str | None) -> int | None:
    """The id of the category with ``slug`` (None for none)."""
    if slug is None or slug == "":
        return None
    found = s.exec(select(Category.id).where(Category.slug == str(slug).strip().lower())).first()
    return _NO_SUCH_CATEGORY if found is None else found


def _renamed(exc: InvalidInput) -> InvalidInput:
    """The service names the category by its id; callers of these commands name it by its slug."""
    return InvalidInput({("category" if k == "category_id" else k): v for k, v in exc.errors.items()})


def create_event(*, actor: Actor, category: str | None = None, **fields: Any) -> EventDetail:
    """``service.create_event`` with ``fields`` (title, starts_at, status, location_id, …) and the category
    by its slug; the event as the catalogue shows it (drafts included)."""
    with session_scope(write=True) as s:
        try:
            event_id = service.create_event(
                s, actor=actor, category_id=_category_id(s, category), **fields
            ).id
        except InvalidInput as exc:
            raise _renamed(exc) from None
    return catalogue.get_event(event_id, include_unpublished=True)


def update_event(
    event_id: str | uuid.UUID, *, actor: Actor, category: str | None = _UNSET, **fields: Any
) -> EventDetail:
    """``service.update_event`` with the given fields (the rest stay); ``category`` by its slug."""
    with session_scope(write=True) as s:
        if category is not _UNSET:
            fields["category_id"] = _category_id(s, category)
        try:
            eid = service.update_event(s, event_id, actor=actor, **fields).id
        except InvalidInput as exc:
            raise _renamed(exc) from None
    return catalogue.get_event(eid, include_unpublished=True)


def set_status(event_id: str | uuid.UUID, status: str, *, actor: Actor) -> EventDetail:
    """``service.set_status`` (publish, back to draft, cancel)."""
    service.set_status(event_id, status, actor=actor)
    return catalogue.get_event(event_id, include_unpublished=True)


def delete_event(event_id: str | uuid.UUID, *, actor: Actor) -> None:
    with session_scope(write=True) as s:
        service.delete_event(s, event_id, actor=actor)


def _package_view(s: Session, package: Package, now: datetime | None = None) -> PackageView:
    return catalogue.package_view(service.event_row(s, package.event_id), package, now)


def add_package(event_id: str | uuid.UUID, *, actor: Actor, **fields: Any) -> PackageView:
    with session_scope(write=True) as s:
        package = service.add_package(s, service.event_row(s, event_id).id, actor=actor, **fields)
        return _package_view(s, package)


def update_package(package_id: str | uuid.UUID, *, actor: Actor, **fields: Any) -> PackageView:
    with session_scope(write=True) as s:
        package = service.update_package(s, package_id, actor=actor, **fields)
        return _package_view(s, package)


def delete_package(package_id: str | uuid.UUID, *, actor: Actor) -> None:
    with session_scope(write=True) as s:
        service.delete_package(s, package_id, actor=actor)


def get_package(package_id: str | uuid.UUID) -> PackageView:
    with session_scope() as s:
        return _package_view(s, service.package_row(s, package_id))


def duplicate_event(event_id: str | uuid.UUID, *, actor: Actor) -> EventDetail:
    """``copying.duplicate_event``: a draft copy with its packages."""
    with session_scope(write=True) as s:
        copy_id = copying.duplicate_event(s, event_id, actor=actor).id
    return catalogue.get_event(copy_id, include_unpublished=True)


def close_sales(package_id: str | uuid.UUID, *, actor: Actor) -> PackageView:
    """``service.close_sales``: stop selling a package now."""
    with session_scope(write=True) as s:
        return _package_view(s, service.close_sales(s, package_id, actor=actor))


def reorder_packages(event_id: str | uuid.UUID, package_ids: list[str], *, actor: Actor) -> list[PackageView]:
    """``service.reorder_packages``: the event's packages in this order."""
    with session_scope(write=True) as s:
        return [_package_view(s, p) for p in service.reorder_packages(s, event_id, package_ids, actor=actor)]


def move_package(package_id: str | uuid.UUID, offset: int, *, actor: Actor) -> list[PackageView]:
    """Move a package ``offset`` places up (negative) or down in its event's order (kept within the list);
    ``service.reorder_packages`` with the new order."""
    with session_scope(write=True) as s:
        package = service.package_row(s, package_id)
        order = [str(p.id) for p in service.packages_of(s, package.event_id)]
        here = order.index(str(package.id))
        there = max(0, min(len(order) - 1, here + int(offset)))
        order.insert(there, order.pop(here))
        moved = service.reorder_packages(s, package.event_id, order, actor=actor)
        return [_package_view(s, p) for p in moved]
