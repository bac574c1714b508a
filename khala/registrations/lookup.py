"""What a registration is checked against, in one read: the package, its event, the account (by id, or by
address among accounts not deleted) and that account's active registration of the package.

``read`` runs outside any write transaction; ``registrations.service`` decides from it who may register, and
``seats.take`` writes from it. On PostgreSQL the statement runs as a prepared statement on the pooled connection
(``db.first_row``), skipping SQLAlchemy's execution machinery: this is the one query every attempt of a rush makes.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from khala.accounts.models import User
from khala.db import first_row
from khala.events.models import Event, Package
from khala.registrations.models import ACTIVE, Registration

_P: sa.Table = Package.__table__  # type: ignore[attr-defined]
_E: sa.Table = Event.__table__  # type: ignore[attr-defined]
_U: sa.Table = User.__table__  # type: ignore[attr-defined]
_R: sa.Table = Registration.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PackageFacts:
    id: uuid.UUID
    event_id: uuid.UUID
    title: str
    capacity: int | None
    taken: int
    max_per_registration: int
    sales_opens_at: datetime | None
    sales_closes_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventFacts:
    id: uuid.UUID
    title: str
    status: str
    starts_at: datetime
    timezone: str


@dataclass(frozen=True, slots=True)
class Holder:
    """The account the seats are for (what the checks and the mail need of it)."""

    id: uuid.UUID
    email: str
    display_name: str
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    package: PackageFacts
    event: EventFacts
    holder: Holder | None  # None: no such account
    existing_id: uuid.UUID | None  # the holder's active registration for this package, if any


def _read_statement(by_email: bool) -> sa.Select:
    if by_email:
        who = sa.and_(_U.c.email == sa.bindparam("email"), _U.c.deleted_at.is_(None))
    else:
        who = _U.c.id == sa.bindparam("user_id", type_=_U.c.id.type)
    existing = (
        sa.select(_R.c.id)
        .where(_R.c.user_id == _U.c.id, _R.c.package_id == _P.c.id, _R.c.status.in_(ACTIVE))
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(
            *(_P.c[name] for name in _PACKAGE_FIELDS),
            _E.c.title.label("event_title"),
            _E.c.status.label("event_status"),
            _E.c.starts_at,
            _E.c.timezone,
            _U.c.id.label("holder_id"),
            _U.c.email,
            _U.c.display_name,
            _U.c.deleted_at,
            existing.label("existing_id"),
        )
        .select_from(_P.join(_E, _E.c.id == _P.c.event_id).outerjoin(_U, who))
        .where(_P.c.id == sa.bindparam("package_id", type_=_P.c.id.type))
    )


_PACKAGE_FIELDS = tuple(f.name for f in dataclasses.fields(PackageFacts))
_READ_BY_ID = _read_statement(by_email=False)
_READ_BY_EMAIL = _read_statement(by_email=True)
_PACKAGE_NOW = sa.select(*(_P.c[name] for name in _PACKAGE_FIELDS)).where(
    _P.c.id == sa.bindparam("package_id", type_=_P.c.id.type)
)


def read(
    package_id: uuid.UUID, *, user_id: uuid.UUID | None = None, email: str | None = None
) -> Facts | None:
    """The package, its event, the account (by id, or by address among accounts not deleted) and their
    active registration of the package, in one query; None when there is no such package."""
    if email is not None:
        m = first_row(_READ_BY_EMAIL, {"package_id": package_id, "email": email})
    else:
        m = first_row(_READ_BY_ID, {"package_id": package_id, "user_id": user_id})
    if m is None:
        return None
    package = PackageFacts(*(m[name] for name in _PACKAGE_FIELDS))
    event = EventFacts(package.event_id, m["event_title"], m["event_status"], m["starts_at"], m["timezone"])
    holder = None
    if m["holder_id"] is not None:
        holder = Holder(m["holder_id"], m["email"], m["display_name"], m["deleted_at"])
    return Facts(package, event, holder, m["existing_id"])


def package_now(package_id: uuid.UUID) -> PackageFacts | None:
    """The package as it is now (after a refused seat: how many are left)."""
    m = first_row(_PACKAGE_NOW, {"package_id": package_id})
    return PackageFacts(*(m[name] for name in _PACKAGE_FIELDS)) if m is not None else None
