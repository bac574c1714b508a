"""Registering for a package: the seat-taking guarantee lives here.

Seats are taken by one conditional UPDATE (``taken = taken + q WHERE taken + q <= capacity``) inside the
transaction that inserts the registration, so two buyers can never get the same last seat on SQLite
(BEGIN IMMEDIATE serialises writers) or PostgreSQL (the row lock re-checks the condition).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from khala.accounts.models import User
from khala.db import session_scope, utcnow
from khala.errors import AlreadyRegistered, Conflict, InvalidInput, NotFound, SalesClosed, SoldOut
from khala.events.models import Event, EventStatus, Package
from khala.events.service import bump_seats
from khala.registrations.models import ACTIVE, Registration, RegistrationStatus

# Crockford base32 without look-alikes: 10 characters = 50 bits, unguessable and easy to read aloud.
_TICKET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TICKET_CODE_LENGTH = 10

# Called inside the registration's own transaction (e.g. to enqueue mail), so both commit or roll back together.
# Signature: hook(session, kind, registration) -> outbox message id or None,
# with kind in {"confirmed", "waitlisted", "promoted", "cancelled"}.
RegistrationHook = Callable[[Session, str, Registration], str | None]
hooks: list[RegistrationHook] = []


def new_ticket_code() -> str:
    return "".join(secrets.choice(_TICKET_ALPHABET) for _ in range(TICKET_CODE_LENGTH))


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


def _view(r: Registration, position: int | None = None, mail_id: str | None = None) -> RegistrationView:
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


def _as_uuid(value: str | uuid.UUID, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError) as exc:
        raise NotFound(f"We could not find that {what}.") from exc


def _check_sales(event: Event, package: Package, now: datetime) -> None:
    if event.status == EventStatus.cancelled:
        raise SalesClosed("This event has been cancelled.")
    if event.status != EventStatus.published:
        raise SalesClosed("This event is not open for registration.")
    if event.starts_at <= now:
        raise SalesClosed("This event has already started; registration is closed.")
    if package.sales_opens_at and now < package.sales_opens_at:
        raise SalesClosed(f"Sales for {package.title} have not opened yet.")
    if package.sales_closes_at and now >= package.sales_closes_at:
        raise SalesClosed(f"Sales for {package.title} have closed.")


def _sold_out(package: Package) -> SoldOut:
    left = (package.capacity or 0) - package.taken
    if left > 0:
        return SoldOut(f"Only {left} seat{'s' if left != 1 else ''} left in {package.title}.")
    return SoldOut(f"{package.title} is sold out.")


def _withdraw_mail(session: Session, message_id: str | None) -> None:
    """Take back a mail enqueued earlier in this same transaction (it was never committed, so never sent)."""
    if message_id:
        from khala.mail.models import OutboxMessage

        session.execute(sa.delete(OutboxMessage).where(col(OutboxMessage.id) == uuid.UUID(message_id)))


def _run_hooks(session: Session, kind: str, registration: Registration) -> str | None:
    message_id = None
    for hook in hooks:
        message_id = hook(session, kind, registration) or message_id
    return message_id


def register(
    user_id: str | uuid.UUID,
    package_id: str | uuid.UUID,
    quantity: int = 1,
    *,
    waitlist: bool = False,
    now: datetime | None = None,
) -> RegistrationView:
    """Take ``quantity`` seats of a package for a user, in one transaction.

    Raises ``SoldOut`` when the seats are not there (unless ``waitlist``, which then queues the user),
    ``SalesClosed`` outside the sales window or for unpublished/past/cancelled events, ``InvalidInput`` for a
    bad quantity, ``AlreadyRegistered`` when the user already holds an active registration for the package
    (so a repeated call never takes seats twice). Callers check that the user is signed in and verified.
    """
    uid = _as_uuid(user_id, "account")
    pid = _as_uuid(package_id, "package")
    now = now or utcnow()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput({"quantity": "Choose at least one seat."})
    try:
        with session_scope(write=True) as s:
            package = s.get(Package, pid)
            if package is None:
                raise NotFound("We could not find that package.")
            event = s.get(Event, package.event_id)
            if event is None or event.status == EventStatus.draft:
                raise NotFound("We could not find that event.")
            if s.get(User, uid) is None:
                raise NotFound("We could not find that account.")
            if quantity > package.max_per_registration:
                raise InvalidInput(
                    {"quantity": f"You can take at most {package.max_per_registration} seats at a time."}
                )
            _check_sales(event, package, now)
            existing = s.exec(
                select(Registration).where(
                    Registration.user_id == uid,
                    Registration.package_id == pid,
                    col(Registration.status).in_(ACTIVE),
                )
            ).first()
            if existing is not None:
                raise AlreadyRegistered(
                    "You already have a registration for this package.", registration_id=str(existing.id)
                )
            if not waitlist and package.capacity is not None and package.taken + quantity > package.capacity:
                raise _sold_out(package)  # fast refusal; the conditional UPDATE below stays the guarantee
            # Everything that is slow happens before the seat is taken: the registration row (its unique
            # index catches a concurrent duplicate) and the confirmation mail (QR, .ics, rendering) are
            # written first, so on PostgreSQL the package row stays locked only for the conditional UPDATE,
            # the event's counter and the commit.
            registration = Registration(
                user_id=uid,
                package_id=pid,
                event_id=event.id,
                quantity=quantity,
                status=RegistrationStatus.confirmed,
                ticket_code=new_ticket_code(),
                created_at=now,
                updated_at=now,
            )
            s.add(registration)
            s.flush()
            mail_id = _run_hooks(s, RegistrationStatus.confirmed.value, registration)
            s.flush()
            taken = s.execute(
                sa.update(Package)
                .where(
                    col(Package.id) == pid,
                    sa.or_(
                        col(Package.capacity).is_(None), Package.taken + quantity <= col(Package.capacity)
                    ),
                )
                .values(taken=Package.taken + quantity)
            ).rowcount
            if taken == 1:
                bump_seats(s, event.id, quantity)
                return _view(registration, None, mail_id)
            if not waitlist:
                s.refresh(package)
                raise _sold_out(package)
            # No seat: the registration joins the waiting list instead, and its mail says so.
            _withdraw_mail(s, mail_id)
            registration.status = RegistrationStatus.waitlisted
            s.add(registration)
            s.flush()
            position = waitlist_position(s, registration)
            mail_id = _run_hooks(s, RegistrationStatus.waitlisted.value, registration)
            return _view(registration, position, mail_id)
    except IntegrityError as exc:
        # The partial unique index caught a concurrent duplicate of the same user and package.
        raise AlreadyRegistered("You already have a registration for this package.") from exc


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


def cancel(
    registration_id: str | uuid.UUID,
    user_id: str | uuid.UUID | None,
    *,
    now: datetime | None = None,
) -> RegistrationView:
    """Cancel a registration (or leave the waiting list); seats go back and the waiting list moves up.

    ``user_id`` must own the registration (``None`` = an admin acting for the owner). Cancelling is possible
    until the event starts.
    """
    rid = _as_uuid(registration_id, "registration")
    now = now or utcnow()
    with session_scope(write=True) as s:
        registration = s.get(Registration, rid)
        if registration is None or (
            user_id is not None and registration.user_id != _as_uuid(user_id, "account")
        ):
            raise NotFound("We could not find that registration.")
        event = s.get(Event, registration.event_id)
        if registration.status == RegistrationStatus.cancelled:
            raise Conflict("This registration is already cancelled.")
        if (
            event is not None
            and event.starts_at <= now
            and registration.status == RegistrationStatus.confirmed
        ):
            raise SalesClosed("The event has started; the registration can no longer be cancelled.")
        return _cancel_in(s, registration, now)


def _cancel_in(s: Session, registration: Registration, now: datetime) -> RegistrationView:
    was = registration.status
    # Conditional on the status we read: two concurrent cancels give the seats back once.
    changed = s.execute(
        sa.update(Registration)
        .where(col(Registration.id) == registration.id, col(Registration.status) == str(was))
        .values(status=RegistrationStatus.cancelled.value, updated_at=now)
    ).rowcount
    if changed != 1:
        raise Conflict("This registration changed meanwhile; please reload.")
    if was == RegistrationStatus.confirmed:
        s.execute(
            sa.update(Package)
            .where(col(Package.id) == registration.package_id)
            .values(taken=Package.taken - registration.quantity)
        )
        bump_seats(s, registration.event_id, -registration.quantity)
    s.refresh(registration)
    mail_id = _run_hooks(s, "cancelled", registration)
    if was == RegistrationStatus.confirmed:
        promote_waitlist(s, registration.package_id, now=now)
    return _view(registration, mail_id=mail_id)


def promote_waitlist(s: Session, package_id: uuid.UUID, *, now: datetime | None = None) -> list[str]:
    """Give freed seats to the waiting list, first come first served, skipping those who do not fit.

    Runs inside the transaction that freed the seats. Returns the promoted registration ids.
    """
    now = now or utcnow()
    # Lock the package row (PostgreSQL: FOR NO KEY UPDATE, which leaves the foreign-key checks of concurrent
    # registrations alone and so cannot deadlock with them) so concurrent promotions for it queue up.
    package = s.exec(select(Package).where(Package.id == package_id).with_for_update(key_share=True)).one()
    s.refresh(package)
    if package.capacity is None:
        free = None
    else:
        free = package.capacity - package.taken
        if free <= 0:
            return []
    waiting = s.exec(
        select(Registration)
        .where(
            Registration.package_id == package_id,
            Registration.status == RegistrationStatus.waitlisted.value,
        )
        .order_by(col(Registration.created_at), col(Registration.id))
    ).all()
    promoted: list[str] = []
    for entry in waiting:
        if free is not None and entry.quantity > free:
            continue
        took = s.execute(
            sa.update(Package)
            .where(
                col(Package.id) == package_id,
                sa.or_(
                    col(Package.capacity).is_(None), Package.taken + entry.quantity <= col(Package.capacity)
                ),
            )
            .values(taken=Package.taken + entry.quantity)
        ).rowcount
        if took != 1:
            continue
        s.execute(
            sa.update(Registration)
            .where(col(Registration.id) == entry.id)
            .values(status=RegistrationStatus.confirmed.value, updated_at=now)
        )
        bump_seats(s, entry.event_id, entry.quantity)
        s.refresh(entry)
        _run_hooks(s, "promoted", entry)
        promoted.append(str(entry.id))
        if free is not None:
            free -= entry.quantity
            if free <= 0:
                break
    return promoted


def get_registration(registration_id: str | uuid.UUID, user_id: str | uuid.UUID | None) -> RegistrationView:
    """One registration, only for its owner (``user_id=None``: an admin)."""
    rid = _as_uuid(registration_id, "registration")
    with session_scope() as s:
        r = s.get(Registration, rid)
        if r is None or (user_id is not None and r.user_id != _as_uuid(user_id, "account")):
            raise NotFound("We could not find that registration.")
        position = waitlist_position(s, r) if r.status == RegistrationStatus.waitlisted else None
        return _view(r, position)


def list_for_user(user_id: str | uuid.UUID, *, include_cancelled: bool = False) -> list[RegistrationView]:
    uid = _as_uuid(user_id, "account")
    with session_scope() as s:
        q = select(Registration).where(Registration.user_id == uid)
        if not include_cancelled:
            q = q.where(col(Registration.status).in_(ACTIVE))
        rows = s.exec(q.order_by(col(Registration.created_at).desc())).all()
        return [
            _view(r, waitlist_position(s, r) if r.status == RegistrationStatus.waitlisted else None)
            for r in rows
        ]


def cancel_all_for_user(s: Session, user_id: uuid.UUID, *, now: datetime | None = None) -> int:
    """Cancel every active registration of a user inside ``s`` (account deletion); seats go back."""
    now = now or utcnow()
    rows = s.exec(
        select(Registration).where(Registration.user_id == user_id, col(Registration.status).in_(ACTIVE))
    ).all()
    for r in rows:
        _cancel_in(s, r, now)
    return len(rows)


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


def _install() -> None:
    """Wire this domain into accounts (deletion, export) and mail (notifications). Idempotent."""
    from khala.accounts import service as accounts
    from khala.events import service as events
    from khala.registrations import notify

    if notify.on_registration_change not in hooks:
        hooks.append(notify.on_registration_change)
    if notify.on_event_status_change not in events.on_status_change:
        events.on_status_change.append(notify.on_event_status_change)
    if cancel_all_for_user not in accounts.on_user_delete:
        accounts.on_user_delete.append(cancel_all_for_user)
    accounts.data_exporters["registrations"] = export_for_user


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


def tickets_for_user(user_id: str | uuid.UUID, *, limit: int = 200) -> list[TicketView]:
    """A user's active registrations with their events, soonest first (past ones last)."""
    from khala.locations.models import Location

    uid = _as_uuid(user_id, "account")
    with session_scope() as s:
        rows = s.exec(
            select(Registration, Package, Event, Location)
            .join(Package, col(Package.id) == col(Registration.package_id))
            .join(Event, col(Event.id) == col(Registration.event_id))
            .join(Location, col(Location.id) == col(Event.location_id), isouter=True)
            .where(Registration.user_id == uid, col(Registration.status).in_(ACTIVE))
            .order_by(col(Event.starts_at))
            .limit(limit)
        ).all()
        out = []
        for r, p, e, loc in rows:
            position = waitlist_position(s, r) if r.status == RegistrationStatus.waitlisted else None
            address = (
                ", ".join(x for x in (loc.street, " ".join(y for y in (loc.postal_code, loc.city) if y)) if x)
                if loc
                else ""
            )
            out.append(
                TicketView(
                    id=str(r.id),
                    status=str(r.status),
                    quantity=r.quantity,
                    ticket_code=r.ticket_code,
                    waitlist_position=position,
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
                    address=address,
                    city=loc.city if loc else "",
                    created_at=r.created_at,
                )
            )
    return out


def ticket_calendar(registration_id: str | uuid.UUID, user_id: str | uuid.UUID) -> tuple[str, bytes]:
    """(filename, .ics bytes) of one of the user's registrations; NotFound for anyone else's."""
    from khala.locations.models import Location
    from khala.registrations import notify
    from khala.registrations.tickets import ics

    rid = _as_uuid(registration_id, "registration")
    with session_scope() as s:
        r = s.get(Registration, rid)
        if r is None or r.user_id != _as_uuid(user_id, "account") or r.status not in ACTIVE:
            raise NotFound("We could not find that ticket.")
        package = s.get(Package, r.package_id)
        event = s.get(Event, r.event_id)
        location = s.get(Location, event.location_id) if event and event.location_id else None
        return f"{event.slug}.ics", ics(notify.calendar_entry(r, event, package, location))


def find_active(user_id: str | uuid.UUID, package_id: str | uuid.UUID) -> RegistrationView | None:
    """The user's active registration for a package, if any (to show "you already have a ticket")."""
    uid = _as_uuid(user_id, "account")
    pid = _as_uuid(package_id, "package")
    with session_scope() as s:
        r = s.exec(
            select(Registration).where(
                Registration.user_id == uid,
                Registration.package_id == pid,
                col(Registration.status).in_(ACTIVE),
            )
        ).first()
        if r is None:
            return None
        return _view(r, waitlist_position(s, r) if r.status == RegistrationStatus.waitlisted else None)


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


def package_summary(package_id: str | uuid.UUID) -> PackageSummary:
    """Public facts about a package and its event (NotFound for unknown or draft events)."""
    from khala.events.service import package_view

    pid = _as_uuid(package_id, "package")
    with session_scope() as s:
        package = s.get(Package, pid)
        event = s.get(Event, package.event_id) if package else None
        if package is None or event is None or event.status == EventStatus.draft:
            raise NotFound("We could not find that package.")
        view = package_view(event, package)
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
            seats_left=view.seats_left,
            sold_out=view.sold_out,
            sales_state=view.sales_state,
            opens_at=view.opens_at,
        )


_install()


# ---------------------------------------------------------------------------------------------------------
# Administration (the dashboard): counts and one event's registrations, a page at a time.


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
            q = q.where(Registration.event_id == _as_uuid(event_id, "event"))
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
    cancellable: bool  # what ``cancel(id, None)`` would accept now


@dataclass(frozen=True)
class AdminRegistrationPage:
    items: list[AdminRegistrationRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


ADMIN_STATUS_FILTERS = ("", "confirmed", "waitlisted", "cancelled")


def list_for_event(
    event_id: str | uuid.UUID,
    *,
    status: str | None = None,
    page: int = 1,
    page_size: int = 50,
    now: datetime | None = None,
) -> AdminRegistrationPage:
    """One page of an event's registrations with who holds them, newest first (administrators only:
    the caller checks). A page past the end gives the last page."""
    eid = _as_uuid(event_id, "event")
    if status and status not in ADMIN_STATUS_FILTERS:
        raise InvalidInput({"status": "Status must be confirmed, waitlisted or cancelled."})
    size = min(max(int(page_size), 1), 200)
    now = now or utcnow()
    conditions = [Registration.event_id == eid]
    if status:
        conditions.append(Registration.status == status)
    with session_scope() as s:
        event = s.get(Event, eid)
        if event is None:
            raise NotFound("We could not find that event.")
        total = s.exec(select(sa.func.count()).select_from(Registration).where(*conditions)).one()
        pages = max(1, -(-total // size))
        current = min(max(int(page), 1), pages)
        rows = s.exec(
            select(Registration, User.email, User.display_name, Package.title)
            .join(User, col(User.id) == col(Registration.user_id), isouter=True)
            .join(Package, col(Package.id) == col(Registration.package_id))
            .where(*conditions)
            .order_by(col(Registration.created_at).desc(), col(Registration.id))
            .offset((current - 1) * size)
            .limit(size)
        ).all()
        started = event.starts_at <= now
    items = [
        AdminRegistrationRow(
            id=str(r.id),
            status=str(r.status),
            quantity=r.quantity,
            ticket_code=r.ticket_code,
            created_at=r.created_at,
            user_email=email or "",
            user_name=name or "(deleted account)",
            package_title=title,
            cancellable=r.status == RegistrationStatus.waitlisted
            or (r.status == RegistrationStatus.confirmed and not started),
        )
        for r, email, name, title in rows
    ]
    return AdminRegistrationPage(items=items, total=total, page=current, page_size=size)
