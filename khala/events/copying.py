"""Duplicating an event: a draft copy with copies of its packages, for next year's edition.

A building block in the caller's transaction, like the service's own; one ``event.duplicated`` entry.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.events.models import Event, EventStatus, Package
from khala.events.service import (
    DETAIL_FIELDS,
    MAX_TITLE,
    PACKAGE_FIELDS,
    event_row,
    packages_of,
    refresh_event,
    slugify,
    unique_slug,
)

COPY_SUFFIX = " (copy)"
_COPIED = tuple(k for k in PACKAGE_FIELDS if k not in ("event_id", "position"))


def duplicate_event(session: Session, event_id: str | uuid.UUID, *, actor: Actor) -> Event:
    """A draft copy of an event (title "… (copy)", a new slug) with copies of its packages in their order
    and no seats taken; one ``event.duplicated`` entry naming the original. The copy keeps the dates and the
    sales windows: change them before publishing it."""
    source = event_row(session, event_id)
    title = source.title[: MAX_TITLE - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX
    copy = Event(
        **{**{k: getattr(source, k) for k in DETAIL_FIELDS}, "title": title},
        slug=unique_slug(session, slugify(title)),
        status=EventStatus.draft,
        currency=source.currency,
    )
    session.add(copy)
    session.flush()
    packages = packages_of(session, source.id)
    for position, p in enumerate(packages):
        values = {k: getattr(p, k) for k in _COPIED}
        values["perks"] = list(p.perks or [])
        session.add(Package(**values, event_id=copy.id, position=position))
    session.flush()
    refresh_event(session, copy.id)
    audit.record(
        session,
        actor,
        "event.duplicated",
        copy,
        audit.snapshot(copy, ("slug", "status", *DETAIL_FIELDS)),
        data={"source": str(source.id), "source_title": source.title, "packages": len(packages)},
    )
    return copy
