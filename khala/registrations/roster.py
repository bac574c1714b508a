"""The roster, for organisers: registrations searched across events, an event's CSV export rows, the door
(what a ticket code names, live check-in counts, the latest arrivals) and who an announcement reaches.

Read-only, like ``queries``; the admin dashboard and its CSV route call these (administrators only: the
callers check).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from khala.accounts.models import User
from khala.audit.models import AuditEntry
from khala.db import session_scope, utcnow
from khala.errors import InvalidInput, NotFound
from khala.events.models import Event, Package
from khala.lib.dates import format_datetime_short
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of
from khala.registrations.models import Registration, RegistrationStatus
from khala.registrations.queries import ADMIN_STATUS_FILTERS, AdminRegistrationRow, admin_row_fields

_CODE_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def code_like(text: str) -> str:
    """Text as a ticket code is stored (the same reading as ``service.normalise_ticket_code``)."""
    return "".join(str(text or "").split()).replace("-", "").upper().translate(_CODE_ALIASES)[:32]


def _holders():
    """Registrations with their holder (outer: a deleted account keeps its row), package and event."""
    return (
        select(Registration, User.email, User.display_name, Package.title, Event)
        .join(User, col(User.id) == col(Registration.user_id), isouter=True)
        .join(Package, col(Package.id) == col(Registration.package_id))
        .join(Event, col(Event.id) == col(Registration.event_id))
    )


# ---------------------------------------------------------------- search


def _icontains(column: object, text: str) -> list[sa.ColumnElement[bool]]:
    """``column`` contains ``text`` whatever the case. SQLite's lower() folds ASCII only, so the text's
    usual spellings (as typed, lower, upper, capitalised, title case) are matched as well: "åsa" finds
    "Åsa" on both databases."""
    spellings = dict.fromkeys([text, text.lower(), text.upper(), text.capitalize(), text.title()])
    return [sa.func.lower(column).contains(text.lower(), autoescape=True)] + [
        col(column).contains(t, autoescape=True) for t in spellings
    ]


@dataclass(frozen=True)
class RegistrationSearchRow(AdminRegistrationRow):
    event_id: str = ""
    event_title: str = ""
    timezone: str = "UTC"


def search_registrations(
    query: str = "",
    *,
    event_id: str | uuid.UUID | None = None,
    status: str | None = None,
    page: object = 1,
    page_size: object = 50,
    now: datetime | None = None,
) -> Page[RegistrationSearchRow]:
    """Registrations of every event (or one) whose holder's name or e-mail contains ``query``, or whose
    ticket code starts with it (case, spaces and look-alikes read as at the door); newest first."""
    if status and status not in ADMIN_STATUS_FILTERS:
        raise InvalidInput({"status": "Status must be confirmed, waitlisted or cancelled."})
    size = clamp_page_size(page_size)
    now = now or utcnow()
    conditions = []
    if event_id:
        conditions.append(Registration.event_id == parse_id(event_id, "event"))
    if status:
        conditions.append(Registration.status == status)
    text = " ".join(str(query or "").split())[:100]
    if text:
        matches = [*_icontains(User.email, text), *_icontains(User.display_name, text)]
        if code := code_like(text):
            matches.append(col(Registration.ticket_code).startswith(code, autoescape=True))
        conditions.append(sa.or_(*matches))
    with session_scope() as s:
        total = s.exec(
            select(sa.func.count())
            .select_from(Registration)
            .join(User, col(User.id) == col(Registration.user_id), isouter=True)
            .where(*conditions)
        ).one()
        current = clamp_page(page, total, size)
        rows = s.exec(
            _holders()
            .where(*conditions)
            .order_by(col(Registration.created_at).desc(), col(Registration.id))
            .offset(offset_of(current, size))
            .limit(size)
        ).all()
        items = [
            RegistrationSearchRow(
                **admin_row_fields(r, email, name, title, event.starts_at <= now),
                event_id=str(event.id),
                event_title=event.title,
                timezone=event.timezone,
            )
            for r, email, name, title, event in rows
        ]
    return Page(items=items, total=total, page=current, page_size=size)


# ---------------------------------------------------------------- the CSV export

# The export's columns in English; ``csv_header()`` gives them in the current language (the admin's).
CSV_HEADER = (
    N_("Ticket code"),
    N_("Status"),
    N_("Name"),
    N_("E-mail"),
    N_("Package"),
    N_("Seats"),
    N_("Registered"),
    N_("Checked in"),
    N_("Registration id"),
)


def csv_header() -> tuple[str, ...]:
    """The CSV export's first row, in the language of the request (``CSV_HEADER`` order)."""
    return tuple(_(h) for h in CSV_HEADER)


def export_rows(event_id: str | uuid.UUID, *, chunk: int = 500) -> Iterator[str | list[str]]:
    """The event's slug first, then one list of cells per registration (oldest first, ``CSV_HEADER`` order),
    read ``chunk`` rows at a time, so an export of any size holds one chunk in memory. NotFound (raised by the
    first ``next``) before anything is sent for an unknown event."""
    eid = parse_id(event_id, "event")
    with session_scope() as s:
        event = s.get(Event, eid)
        if event is None:
            raise NotFound("We could not find that event.")
        slug, zone = event.slug, event.timezone
    yield slug
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        q = _holders().where(Registration.event_id == eid)
        if after is not None:
            q = q.where(
                sa.or_(
                    col(Registration.created_at) > after[0],
                    sa.and_(col(Registration.created_at) == after[0], col(Registration.id) > after[1]),
                )
            )
        with session_scope() as s:
            rows = s.exec(q.order_by(col(Registration.created_at), col(Registration.id)).limit(chunk)).all()
            cells = [
                [
                    r.ticket_code,
                    str(r.status),
                    name or _("(deleted account)"),
                    email or "",
                    package_title,
                    str(r.quantity),
                    format_datetime_short(r.created_at, zone),
                    format_datetime_short(r.checked_in_at, zone),
                    str(r.id),
                ]
                for r, email, name, package_title, _event in rows
            ]
            last = (rows[-1][0].created_at, rows[-1][0].id) if rows else None
        yield from cells
        if len(rows) < chunk or last is None:
            return
        after = last


# ---------------------------------------------------------------- the door


@dataclass(frozen=True)
class DoorTicket:
    """What the door screen shows of a ticket code, whatever the answer is."""

    registration_id: str
    ticket_code: str
    status: str
    holder_name: str
    holder_email: str
    package_title: str
    quantity: int
    event_id: str
    event_title: str
    event_status: str
    timezone: str
    checked_in_at: datetime | None
    checked_in_by: str  # who let it in, as the audit trail names them ("" when not checked in)


def door_ticket(ticket_code: str) -> DoorTicket | None:
    """The ticket a code names (any event), with who checked it in and when; None for an unknown code."""
    code = code_like(ticket_code)
    if not code:
        return None
    with session_scope() as s:
        row = s.exec(_holders().where(Registration.ticket_code == code)).first()
        if row is None:
            return None
        r, email, name, package_title, event = row
        by = ""
        if r.checked_in_at is not None:
            by = (
                s.exec(
                    select(AuditEntry.actor_label)
                    .where(
                        AuditEntry.object_type == "registration",
                        AuditEntry.object_id == str(r.id),
                        AuditEntry.action == "registration.checked_in",
                    )
                    .order_by(col(AuditEntry.at).desc())
                    .limit(1)
                ).first()
                or ""
            )
        return DoorTicket(
            registration_id=str(r.id),
            ticket_code=r.ticket_code,
            status=str(r.status),
            holder_name=name or _("(deleted account)"),
            holder_email=email or "",
            package_title=package_title,
            quantity=r.quantity,
            event_id=str(event.id),
            event_title=event.title,
            event_status=str(event.status),
            timezone=event.timezone,
            checked_in_at=r.checked_in_at,
            checked_in_by=by,
        )


@dataclass(frozen=True)
class DoorPackage:
    title: str
    seats: int  # confirmed seats
    seats_in: int  # of those, checked in


@dataclass(frozen=True)
class DoorCounts:
    """How full the room is: confirmed tickets and seats, and how many of them are in."""

    event_id: str
    tickets: int
    tickets_in: int
    seats: int
    seats_in: int
    packages: tuple[DoorPackage, ...]
    last_check_in: datetime | None

    @property
    def version(self) -> tuple[object, ...]:
        """Changes whenever what the door screens show changes (a check-in, an undo, a new ticket)."""
        return (self.tickets, self.tickets_in, self.seats, self.seats_in, self.last_check_in)


def door_counts(event_ids: list[str]) -> dict[str, DoorCounts]:
    """Live counts of the given events' doors, in one grouped query (the check-in screens poll it)."""
    ids = [parse_id(i, "event") for i in event_ids]
    if not ids:
        return {}
    is_in = col(Registration.checked_in_at).is_not(None)
    with session_scope() as s:
        rows = s.exec(
            select(
                Registration.event_id,
                Package.title,
                Package.position,
                sa.func.count(),
                sa.func.sum(sa.case((is_in, 1), else_=0)),
                sa.func.sum(Registration.quantity),
                sa.func.sum(sa.case((is_in, Registration.quantity), else_=0)),
                sa.func.max(Registration.checked_in_at),
            )
            .join(Package, col(Package.id) == col(Registration.package_id))
            .where(
                col(Registration.event_id).in_(ids),
                Registration.status == RegistrationStatus.confirmed.value,
            )
            .group_by(Registration.event_id, Package.id, Package.title, Package.position)
        ).all()
    found: dict[str, list[tuple]] = {str(i): [] for i in ids}
    for row in rows:
        found[str(row[0])].append(tuple(row))
    out: dict[str, DoorCounts] = {}
    for eid, parts in found.items():
        parts.sort(key=lambda p: (p[2], str(p[1]).lower()))
        last = [p[7] for p in parts if p[7] is not None]
        out[eid] = DoorCounts(
            event_id=eid,
            tickets=sum(int(p[3]) for p in parts),
            tickets_in=sum(int(p[4] or 0) for p in parts),
            seats=sum(int(p[5] or 0) for p in parts),
            seats_in=sum(int(p[6] or 0) for p in parts),
            packages=tuple(DoorPackage(str(p[1]), int(p[5] or 0), int(p[6] or 0)) for p in parts),
            last_check_in=max(last) if last else None,
        )
    return out


@dataclass(frozen=True)
class DoorArrival:
    registration_id: str
    holder_name: str
    package_title: str
    quantity: int
    checked_in_at: datetime


def recent_arrivals(event_id: str | uuid.UUID, *, limit: int = 6) -> list[DoorArrival]:
    """The latest check-ins of an event, newest first (every door's)."""
    eid = parse_id(event_id, "event")
    with session_scope() as s:
        rows = s.exec(
            select(Registration, User.display_name, Package.title)
            .join(User, col(User.id) == col(Registration.user_id), isouter=True)
            .join(Package, col(Package.id) == col(Registration.package_id))
            .where(Registration.event_id == eid, col(Registration.checked_in_at).is_not(None))
            .order_by(col(Registration.checked_in_at).desc(), col(Registration.id))
            .limit(max(1, min(int(limit), 50)))
        ).all()
    return [
        DoorArrival(str(r.id), name or _("(deleted account)"), title, r.quantity, r.checked_in_at)
        for r, name, title in rows
    ]


# ---------------------------------------------------------------- announcements


@dataclass(frozen=True)
class AnnouncementAudience:
    event_title: str
    package_title: str  # "" for the whole event
    people: int  # distinct confirmed ticket holders (one mail each)
    sample: tuple[str, ...]  # a few of their names, for the preview


def announcement_audience(
    event_id: str | uuid.UUID, package_id: str | uuid.UUID | None = None, *, sample: int = 5
) -> AnnouncementAudience:
    """Who an announcement would reach: the confirmed ticket holders of the event, or of one package
    (the same people ``notify.announcement`` writes to)."""
    eid = parse_id(event_id, "event")
    pid = parse_id(package_id, "package") if package_id else None
    with session_scope() as s:
        event = s.get(Event, eid)
        package = s.get(Package, pid) if pid else None
        if event is None or (pid is not None and (package is None or package.event_id != eid)):
            raise NotFound("We could not find that event or package.")
        conditions = [
            Registration.event_id == eid,
            Registration.status == RegistrationStatus.confirmed.value,
            col(User.deleted_at).is_(None),
        ]
        if pid is not None:
            conditions.append(Registration.package_id == pid)
        holders = (
            select(User.id, User.display_name)
            .select_from(Registration)
            .join(User, col(User.id) == col(Registration.user_id))
            .where(*conditions)
            .distinct()
            .subquery()
        )
        people = s.exec(select(sa.func.count()).select_from(holders)).one()
        names = s.exec(select(holders.c.display_name).order_by(holders.c.display_name).limit(sample)).all()
        return AnnouncementAudience(event.title, package.title if package else "", int(people), tuple(names))
