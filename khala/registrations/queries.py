"""Read-only questions about registrations: a user's tickets, a package's summary, an event's list, stats.

Nothing here changes data; the service (``service.py``) and the mail (``notify.py``) both build on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from khala.accounts.models import User
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events.catalogue import package_view
from khala.events.models import Event, EventStatus, Package
from khala.lib.dates import format_datetime_short
from khala.lib.i18n import N_, ngettext
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of
from khala.locations.models import Location
from khala.locations.service import address_line
from khala.registrations.models import ACTIVE, Registration, RegistrationStatus
from khala.registrations.tickets import ticket_ics


@dataclass(frozen=True)
class RegistrationView:
    id: str
    user_id: str
    package_id: str
    event_id: str
    quantity: int
    status: str
    ticket_code: str
    created_at: datetime
    waitlist_position: int | None = None
    mail_message_id: str | None = None  # the mail this change enqueued, to report its delivery honestly


def view(r: Registration, position: int | None = None, mail_id: str | None = None) -> RegistrationView:
    return RegistrationView(
        id=str(r.id),
        user_id=str(r.user_id),
        package_id=str(r.package_id),
        event_id=str(r.event_id),
        quantity=r.quantity,
        status=str(r.status),
        ticket_code=r.ticket_code,
        created_at=r.created_at,
        waitlist_position=position,
        mail_message_id=mail_id,
    )


def waitlist_position(session: Session, registration: Registration) -> int:
    ahead = session.exec(
        select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.package_id == registration.package_id,
            Registration.status == RegistrationStatus.waitlisted.value,
            sa.or_(
                col(Registration.created_at) < registration.created_at,
                sa.and_(
                    col(Registration.created_at) == registration.created_at,
                    col(Registration.id) < registration.id,
                ),
            ),
        )
    ).one()
    return ahead + 1


def _position(s: Session, r: Registration) -> int | None:
    return waitlist_position(s, r) if r.status == RegistrationStatus.waitlisted else None


def acts_for_owner(s: Session, actor: Actor, registration: Registration) -> bool:
    """May ``actor`` see or change this registration? Its owner, an administrator, an API key (the API checked
    its scope) and the system may; any other person may not."""
    if actor.kind != "user":
        return True
    if actor.id == registration.user_id:
        return True
    person = s.get(User, actor.id) if actor.id else None
    return bool(person and person.is_admin and person.deleted_at is None)


def get_registration(registration_id: str | uuid.UUID, *, viewer: Actor) -> RegistrationView:
    """One registration, for its owner or someone acting for them (NotFound for anyone else)."""
    rid = parse_id(registration_id, "registration")
    with session_scope() as s:
        r = s.get(Registration, rid)
        if r is None or not acts_for_owner(s, viewer, r):
            raise NotFound(_("We could not find that registration."))
        return view(r, _position(s, r))


def list_for_user(user_id: str | uuid.UUID, *, include_cancelled: bool = False) -> list[RegistrationView]:
    uid = parse_id(user_id, "account")
    with session_scope() as s:
        q = select(Registration).where(Registration.user_id == uid)
        if not include_cancelled:
            q = q.where(col(Registration.status).in_(ACTIVE))
        rows = s.exec(q.order_by(col(Registration.created_at).desc())).all()
        return [view(r, _position(s, r)) for r in rows]


def find_active(user_id: str | uuid.UUID, package_id: str | uuid.UUID) -> RegistrationView | None:
    """The user's active registration for a package, if any (to show "you already have a ticket")."""
    uid = parse_id(user_id, "account")
    pid = parse_id(package_id, "package")
    with session_scope() as s:
        r = s.exec(
            select(Registration).where(
                Registration.user_id == uid,
                Registration.package_id == pid,
                col(Registration.status).in_(ACTIVE),
            )
        ).first()
        return None if r is None else view(r, _position(s, r))


def export_for_user(s: Session, user_id: uuid.UUID) -> list[dict[str, object]]:
    """A user's registrations for "download my data"."""
    rows = s.exec(
        select(Registration, Package.title, Event.title)
        .join(Package, col(Package.id) == col(Registration.package_id))
        .join(Event, col(Event.id) == col(Registration.event_id))
        .where(Registration.user_id == user_id)
        .order_by(col(Registration.created_at))
    ).all()
    return [
        {
            "id": str(r.id),
            "event": event_title,
            "package": package_title,
            "quantity": r.quantity,
            "status": str(r.status),
            "ticket_code": r.ticket_code,
            "created_at": r.created_at.isoformat(),
        }
        for r, package_title, event_title in rows
    ]


# ---------------------------------------------------------------- "My tickets"


@dataclass(frozen=True)
class TicketView:
    """A registration with what the "My tickets" page shows of its event."""

    id: str
    status: str
    quantity: int
    ticket_code: str
    waitlist_position: int | None
    package_title: str
    price_minor: int
    currency: str
    event_id: str
    event_slug: str
    event_title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    event_status: str
    venue: str
    address: str
    city: str
    created_at: datetime

    @property
    def cancellable(self) -> bool:
        return self.status in ACTIVE and self.starts_at > utcnow()


def tickets_of(user_id: uuid.UUID) -> Select[tuple[Registration, Package, Event, Location | None]]:
    """A user's registrations with their package, event and venue (None for an event without one)."""
    return (
        select(Registration, Package, Event, Location)
        .join(Package, col(Package.id) == col(Registration.package_id))
        .join(Event, col(Event.id) == col(Registration.event_id))
        .join(Location, col(Location.id) == col(Event.location_id), isouter=True)
        .where(Registration.user_id == user_id)
    )


def tickets_for_user(user_id: str | uuid.UUID, *, limit: int = 200) -> list[TicketView]:
    """A user's active registrations with their events, soonest first (past ones last)."""
    uid = parse_id(user_id, "account")
    with session_scope() as s:
        rows = s.exec(
            tickets_of(uid)
            .where(col(Registration.status).in_(ACTIVE))
            .order_by(col(Event.starts_at))
            .limit(limit)
        ).all()
        return [
            TicketView(
                id=str(r.id),
                status=str(r.status),
                quantity=r.quantity,
                ticket_code=r.ticket_code,
                waitlist_position=_position(s, r),
                package_title=p.title,
                price_minor=p.price_minor,
                currency=p.currency,
                event_id=str(e.id),
                event_slug=e.slug,
                event_title=e.title,
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                timezone=e.timezone,
                event_status=str(e.status),
                venue=loc.name if loc else "",
                address=address_line(loc),
                city=loc.city if loc else "",
                created_at=r.created_at,
            )
            for r, p, e, loc in rows
        ]


def ticket_calendar(registration_id: str | uuid.UUID, user_id: str | uuid.UUID) -> tuple[str, bytes]:
    """(filename, .ics bytes) of one of the user's registrations; NotFound for anyone else's."""
    rid = parse_id(registration_id, "registration")
    with session_scope() as s:
        r = s.get(Registration, rid)
        if r is None or r.user_id != parse_id(user_id, "account") or r.status not in ACTIVE:
            raise NotFound(_("We could not find that ticket."))
        package = s.get(Package, r.package_id)
        event = s.get(Event, r.event_id)
        location = s.get(Location, event.location_id) if event and event.location_id else None
        return f"{event.slug}.ics", ticket_ics(r, event, package, location)


# ---------------------------------------------------------------- the register dialog


def sales_message(sales_state: str, package_title: str, opens_at: datetime | None, timezone: str) -> str:
    """Why a package cannot be bought right now, in words (the service refuses with the same words)."""
    if sales_state == "not_yet":
        if opens_at:
            return _("Sales for %(package)s have not opened yet — sales open %(opens)s.") % {
                "package": package_title,
                "opens": format_datetime_short(opens_at, timezone),
            }
        return _("Sales for %(package)s have not opened yet.") % {"package": package_title}
    if sales_state == "closed":
        return _("Sales for %(package)s have closed.") % {"package": package_title}
    return _(_SALES_MESSAGES.get(sales_state, N_("This package is not on sale right now.")))


_SALES_MESSAGES = {
    "event_past": N_("This event has already started; registration is closed."),
    "event_cancelled": N_("This event has been cancelled."),
    "not_published": N_("This event is not open for registration."),
}


@dataclass(frozen=True)
class PackageSummary:
    """What the register dialog shows of a package before anything is taken."""

    package_id: str
    package_title: str
    event_slug: str
    event_title: str
    timezone: str
    starts_at: datetime
    price_minor: int
    currency: str
    max_per_registration: int
    seats_left: int | None
    sold_out: bool
    sales_state: str
    opens_at: datetime | None
    sales_message: str  # "" when on sale


def package_summary(package_id: str | uuid.UUID) -> PackageSummary:
    """Public facts about a package and its event (NotFound for unknown or draft events)."""
    pid = parse_id(package_id, "package")
    with session_scope() as s:
        package = s.get(Package, pid)
        event = s.get(Event, package.event_id) if package else None
        if package is None or event is None or event.status == EventStatus.draft:
            raise NotFound(_("We could not find that package."))
        pv = package_view(event, package)
        return PackageSummary(
            package_id=str(package.id),
            package_title=package.title,
            event_slug=event.slug,
            event_title=event.title,
            timezone=event.timezone,
            starts_at=event.starts_at,
            price_minor=package.price_minor,
            currency=package.currency,
            max_per_registration=package.max_per_registration,
            seats_left=pv.seats_left,
            sold_out=pv.sold_out,
            sales_state=pv.sales_state,
            opens_at=pv.opens_at,
            sales_message=""
            if pv.sales_state == "open"
            else sales_message(pv.sales_state, package.title, pv.opens_at, event.timezone),
        )


# ---------------------------------------------------------------- administration


@dataclass(frozen=True)
class RegistrationStats:
    confirmed: int
    waitlisted: int
    cancelled: int
    seats_confirmed: int  # sum of the confirmed registrations' quantities
    seats_waitlisted: int


def registration_stats(event_id: str | uuid.UUID | None = None) -> RegistrationStats:
    """Registrations by status (all events, or one)."""
    with session_scope() as s:
        q = select(
            Registration.status, sa.func.count(), sa.func.coalesce(sa.func.sum(Registration.quantity), 0)
        )
        if event_id is not None:
            q = q.where(Registration.event_id == parse_id(event_id, "event"))
        rows = s.exec(q.group_by(Registration.status)).all()
    counts = {str(status): (int(n), int(seats)) for status, n, seats in rows}
    return RegistrationStats(
        confirmed=counts.get("confirmed", (0, 0))[0],
        waitlisted=counts.get("waitlisted", (0, 0))[0],
        cancelled=counts.get("cancelled", (0, 0))[0],
        seats_confirmed=counts.get("confirmed", (0, 0))[1],
        seats_waitlisted=counts.get("waitlisted", (0, 0))[1],
    )


@dataclass(frozen=True)
class AdminRegistrationRow:
    id: str
    status: str
    quantity: int
    ticket_code: str
    created_at: datetime
    user_email: str
    user_name: str
    package_title: str
    cancellable: bool  # what an administrator's ``cancel`` would accept now
    checked_in_at: datetime | None = None  # when the ticket was scanned at the door


def admin_row_fields(
    r: Registration, email: str | None, name: str | None, package_title: str, started: bool
) -> dict[str, object]:
    """The ``AdminRegistrationRow`` fields of a registration with its holder (None for a deleted account) and
    package; ``started``: its event has begun, so a confirmed place can no longer be cancelled."""
    return {
        "id": str(r.id),
        "status": str(r.status),
        "quantity": r.quantity,
        "ticket_code": r.ticket_code,
        "created_at": r.created_at,
        "user_email": email or "",
        "user_name": name or _("(deleted account)"),
        "package_title": package_title,
        "cancellable": r.status == RegistrationStatus.waitlisted
        or (r.status == RegistrationStatus.confirmed and not started),
        "checked_in_at": r.checked_in_at,
    }


ADMIN_STATUS_FILTERS = ("", "confirmed", "waitlisted", "cancelled")


def list_for_event(
    event_id: str | uuid.UUID,
    *,
    status: str | None = None,
    page: object = 1,
    page_size: object = 50,
    now: datetime | None = None,
) -> Page[AdminRegistrationRow]:
    """One page of an event's registrations with who holds them, newest first (administrators only:
    the caller checks). A page past the end gives the last page."""
    eid = parse_id(event_id, "event")
    if status and status not in ADMIN_STATUS_FILTERS:
        raise InvalidInput({"status": _("Status must be confirmed, waitlisted or cancelled.")})
    size = clamp_page_size(page_size)
    now = now or utcnow()
    conditions = [Registration.event_id == eid]
    if status:
        conditions.append(Registration.status == status)
    with session_scope() as s:
        event = s.get(Event, eid)
        if event is None:
            raise NotFound(_("We could not find that event."))
        total = s.exec(select(sa.func.count()).select_from(Registration).where(*conditions)).one()
        current = clamp_page(page, total, size)
        rows = s.exec(
            select(Registration, User.email, User.display_name, Package.title)
            .join(User, col(User.id) == col(Registration.user_id), isouter=True)
            .join(Package, col(Package.id) == col(Registration.package_id))
            .where(*conditions)
            .order_by(col(Registration.created_at).desc(), col(Registration.id))
            .offset(offset_of(current, size))
            .limit(size)
        ).all()
        started = event.starts_at <= now
    items = [
        AdminRegistrationRow(**admin_row_fields(r, email, name, title, started))
        for r, email, name, title in rows
    ]
    return Page(items=items, total=total, page=current, page_size=size)


def refuse_draft_while_held(session: Session, event: Event, new_status: EventStatus) -> None:
    """``events.before_status_change`` veto: an event someone holds seats or a waiting-list place for cannot go
    back to draft (cancel it instead, which tells them)."""
    if new_status != EventStatus.draft:
        return
    holders = session.exec(
        select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, col(Registration.status).in_(ACTIVE))
    ).one()
    if holders:
        raise Conflict(
            ngettext(
                "%(num)d registration holds this event; it cannot go back to draft. Cancel it instead.",
                "%(num)d registrations hold this event; it cannot go back to draft. Cancel it instead.",
                holders,
            )
            % {"num": holders}
        )
