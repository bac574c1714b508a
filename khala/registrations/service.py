"""Registering for a package: the seat-taking guarantee lives here.

Seats are taken by one conditional UPDATE (``taken = taken + q WHERE taken + q <= capacity``) inside the
transaction that inserts the registration, so two buyers can never get the same last seat on SQLite
(BEGIN IMMEDIATE serialises writers) or PostgreSQL (the row lock re-checks the condition).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from khala.accounts import service as accounts
from khala.accounts.models import User
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import AlreadyRegistered, Conflict, InvalidInput, NotFound, SalesClosed, SoldOut
from khala.events.models import Event, EventStatus, Package
from khala.events.service import bump_seats
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext
from khala.lib.ids import parse_id
from khala.registrations import lookup, notify, seats
from khala.registrations.models import ACTIVE, Registration, RegistrationStatus
from khala.registrations.queries import (
    RegistrationView,
    acts_for_owner,
    sales_message,
    view,
)

# Promotions from the waiting list happen because seats freed up, not because anyone asked for them.
WAITING_LIST = Actor.system("waiting list")

# Crockford base32 without look-alikes: 10 characters = 50 bits, unguessable and easy to read aloud.
_TICKET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TICKET_CODE_LENGTH = 10


def new_ticket_code() -> str:
    # One read of the system's random source; 32 letters divide 256, so ``byte & 31`` is unbiased.
    return "".join(_TICKET_ALPHABET[b & 31] for b in secrets.token_bytes(TICKET_CODE_LENGTH))


def _check_sales(event: lookup.EventFacts, package: lookup.PackageFacts, now: datetime) -> None:
    if event.status == EventStatus.cancelled:
        state = "event_cancelled"
    elif event.status != EventStatus.published:
        state = "not_published"
    elif event.starts_at <= now:
        state = "event_past"
    elif package.sales_opens_at and now < package.sales_opens_at:
        state = "not_yet"
    elif package.sales_closes_at and now >= package.sales_closes_at:
        state = "closed"
    else:
        return
    raise SalesClosed(sales_message(state, package.title, package.sales_opens_at, event.timezone))


def _sold_out(package: lookup.PackageFacts) -> SoldOut:
    left = (package.capacity or 0) - package.taken
    if left > 0:
        return SoldOut(
            ngettext(
                "Only %(num)d seat left in %(package)s.", "Only %(num)d seats left in %(package)s.", left
            )
            % {"num": left, "package": package.title}
        )
    return SoldOut(_("%(package)s is sold out.") % {"package": package.title})


def _checked(
    facts: lookup.Facts | None, quantity: int, now: datetime, *, waitlist: bool, need_holder: bool = True
) -> lookup.Facts:
    """The refusals that need no lock, in the order a person hears them."""
    if facts is None:
        raise NotFound(_("We could not find that package."))
    package, event = facts.package, facts.event
    if event.status == EventStatus.draft:
        raise NotFound(_("We could not find that event."))
    if need_holder and facts.holder is None:
        raise NotFound(_("We could not find that account."))
    if quantity > package.max_per_registration:
        raise InvalidInput(
            {
                "quantity": _("You can take at most %(num)d seats at a time.")
                % {"num": package.max_per_registration}
            }
        )
    _check_sales(event, package, now)
    if facts.existing_id is not None:
        raise AlreadyRegistered(
            _("You already have a registration for this package."), registration_id=str(facts.existing_id)
        )
    if not waitlist and package.capacity is not None and package.taken + quantity > package.capacity:
        raise _sold_out(package)  # fast refusal; the conditional UPDATE below stays the guarantee
    return facts


def _take(
    facts: lookup.Facts,
    quantity: int,
    *,
    actor: Actor,
    waitlist: bool,
    send_confirmation: bool,
    now: datetime,
    account: seats.NewAccount | None = None,
) -> RegistrationView:
    try:
        done = seats.take(
            facts,
            quantity,
            ticket_code=new_ticket_code(),
            actor=actor,
            waitlist=waitlist,
            send_confirmation=send_confirmation,
            now=now,
            account=account,
        )
    except IntegrityError as exc:
        # The partial unique index caught a concurrent duplicate of the same user and package (or, with a new
        # account, its address got one meanwhile: register_attendee then registers that account).
        raise AlreadyRegistered(_("You already have a registration for this package.")) from exc
    if done is None:
        raise _sold_out(lookup.package_now(facts.package.id) or facts.package)
    return done


def register(
    user_id: str | uuid.UUID,
    package_id: str | uuid.UUID,
    quantity: int = 1,
    *,
    actor: Actor,
    waitlist: bool = False,
    send_confirmation: bool = True,
    now: datetime | None = None,
) -> RegistrationView:
    """Take ``quantity`` seats of a package for a user, in one transaction.

    Raises ``SoldOut`` when the seats are not there (unless ``waitlist``, which then queues the user),
    ``SalesClosed`` outside the sales window or for unpublished/past/cancelled events, ``InvalidInput`` for a
    bad quantity, ``AlreadyRegistered`` when the user already holds an active registration for the package
    (so a repeated call never takes seats twice). Callers check that the user is signed in and verified;
    ``actor`` is who asks (the user, or an administrator / API key registering them at the box office).
    ``send_confirmation=False`` takes the seat without mailing the attendee (a box office handing over the
    ticket in person; the demo catalogue's made-up attendees).

    One query reads what the checks need; the seat, the registration, the outbox row naming its mail (the
    worker renders it) and the audit entry are then written together (``seats.take``: one statement on
    PostgreSQL), so the package row is locked only for that write and its commit.
    """
    uid = parse_id(user_id, "account")
    pid = parse_id(package_id, "package")
    now = now or utcnow()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput({"quantity": _("Choose at least one seat.")})
    facts = _checked(lookup.read(pid, user_id=uid), quantity, now, waitlist=waitlist)
    return _take(
        facts, quantity, actor=actor, waitlist=waitlist, send_confirmation=send_confirmation, now=now
    )


def cancel(
    registration_id: str | uuid.UUID,
    *,
    actor: Actor,
    reason: str = "",
    now: datetime | None = None,
) -> RegistrationView:
    """Cancel a registration (or leave the waiting list); seats go back and the waiting list moves up.

    The owner may cancel their own; an administrator, an API key or the system may cancel anyone's on their
    behalf (audited as ``registration.cancelled_by_admin``). Anyone else gets NotFound. Cancelling is possible
    until the event starts.
    """
    rid = parse_id(registration_id, "registration")
    now = now or utcnow()
    with session_scope(write=True) as s:
        registration = s.get(Registration, rid)
        if registration is None or not acts_for_owner(s, actor, registration):
            raise NotFound(_("We could not find that registration."))
        event = s.get(Event, registration.event_id)
        if registration.status == RegistrationStatus.cancelled:
            raise Conflict(_("This registration is already cancelled."))
        if (
            event is not None
            and event.starts_at <= now
            and registration.status == RegistrationStatus.confirmed
        ):
            raise SalesClosed(_("The event has started; the registration can no longer be cancelled."))
        return _cancel_in(s, registration, now, actor=actor, reason=reason)


def _cancel_in(
    s: Session, registration: Registration, now: datetime, *, actor: Actor, reason: str = ""
) -> RegistrationView:
    was = registration.status
    # Conditional on the status we read: two concurrent cancels give the seats back once.
    changed = s.execute(
        sa.update(Registration)
        .where(col(Registration.id) == registration.id, col(Registration.status) == str(was))
        .values(status=RegistrationStatus.cancelled.value, updated_at=now)
    ).rowcount
    if changed != 1:
        raise Conflict(_("This registration changed meanwhile; please reload."))
    if was == RegistrationStatus.confirmed:
        s.execute(
            sa.update(Package)
            .where(col(Package.id) == registration.package_id)
            .values(taken=Package.taken - registration.quantity)
        )
        bump_seats(s, registration.event_id, -registration.quantity)
    s.refresh(registration)
    by_owner = actor.kind == "user" and actor.id == registration.user_id
    audit.record(
        s,
        actor,
        "registration.cancelled" if by_owner else "registration.cancelled_by_admin",
        registration,
        {"status": [str(was), str(RegistrationStatus.cancelled)]},
        data={"quantity": registration.quantity, "ticket_code": registration.ticket_code}
        | ({"reason": reason} if reason else {}),
    )
    mail_id = notify.registration_changed(s, "cancelled", registration)
    if was == RegistrationStatus.confirmed:
        promote_waitlist(s, registration.package_id, now=now)
    return view(registration, mail_id=mail_id)


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
        audit.record(
            s,
            WAITING_LIST,
            "registration.promoted",
            entry,
            {"status": [str(RegistrationStatus.waitlisted), str(RegistrationStatus.confirmed)]},
            data={"quantity": entry.quantity},
        )
        notify.registration_changed(s, "promoted", entry)
        promoted.append(str(entry.id))
        if free is not None:
            free -= entry.quantity
            if free <= 0:
                break
    return promoted


def cancel_all_for_user(s: Session, user_id: uuid.UUID, *, now: datetime | None = None) -> int:
    """Cancel every active registration of a user inside ``s`` (account deletion, by the person themselves);
    seats go back and each cancellation is audited."""
    now = now or utcnow()
    rows = s.exec(
        select(Registration).where(Registration.user_id == user_id, col(Registration.status).in_(ACTIVE))
    ).all()
    owner = Actor("user", user_id)
    for r in rows:
        _cancel_in(s, r, now, actor=owner, reason="account deleted")
    return len(rows)


# ---------------------------------------------------------------------------------------------------------
# Box office (the REST API): registering someone by e-mail address, and checking tickets in at the door.


@dataclass(frozen=True)
class BoxOfficeRegistration:
    registration: RegistrationView
    email: str  # the attendee's address, as stored
    account_created: bool  # the address had no account and one was made


@dataclass(frozen=True)
class CheckedIn:
    registration: RegistrationView
    checked_in_at: datetime


def find_or_create_attendee(email: str, *, actor: Actor, display_name: str = "") -> tuple[uuid.UUID, bool]:
    """The account of ``email``, created (unverified, without a password) when there is none; returns its
    id and whether it was created. A new account is audited as ``user.created_for_registration`` by
    ``actor``; its owner can later set a password with "forgot password"."""
    address = accounts.validate_email(email)
    name = accounts.validate_display_name(display_name or address.split("@", 1)[0])
    for _attempt in range(2):
        try:
            with session_scope(write=True) as s:
                existing = s.exec(
                    select(User.id).where(User.email == address, col(User.deleted_at).is_(None))
                ).first()
                if existing is not None:
                    return existing, False
                user = User(email=address, display_name=name)
                s.add(user)
                s.flush()
                audit.record(
                    s,
                    actor,
                    "user.created_for_registration",
                    user,
                    {"email": address, "display_name": name},
                )
                return user.id, True
        except IntegrityError:
            continue  # created concurrently: the second pass finds it
    raise Conflict(_("That address is being registered right now; please retry."))


def register_attendee(
    email: str,
    package_id: str | uuid.UUID,
    quantity: int = 1,
    *,
    actor: Actor,
    display_name: str = "",
    waitlist: bool = False,
    now: datetime | None = None,
) -> BoxOfficeRegistration:
    """Register the holder of ``email`` for a package at the box office: the account is found, or created
    (unverified, without a password, audited as ``user.created_for_registration``) together with the seats,
    which are taken exactly as ``register`` does, mail included. Refused or sold out: no account is made."""
    pid = parse_id(package_id, "package")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput({"quantity": _("Choose at least one seat.")})
    address = accounts.validate_email(email)
    name = accounts.validate_display_name(display_name or address.split("@", 1)[0])
    now = now or utcnow()
    facts = _checked(lookup.read(pid, email=address), quantity, now, waitlist=waitlist, need_holder=False)
    if facts.holder is not None:
        registration = _take(facts, quantity, actor=actor, waitlist=waitlist, send_confirmation=True, now=now)
        return BoxOfficeRegistration(registration, address, False)
    # A new address: the account is made in the transaction that takes the seat (no seat, no account).
    account = seats.new_account(address, name, actor=actor)
    try:
        registration = _take(
            facts, quantity, actor=actor, waitlist=waitlist, send_confirmation=True, now=now, account=account
        )
    except AlreadyRegistered:
        # The address got an account meanwhile: register that account as any other.
        user_id, _created = find_or_create_attendee(address, actor=actor, display_name=display_name)
        registration = register(user_id, pid, quantity, actor=actor, waitlist=waitlist, now=now)
        return BoxOfficeRegistration(registration, address, False)
    return BoxOfficeRegistration(registration, address, True)


_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def normalise_ticket_code(code: str) -> str:
    """A ticket code as printed, read aloud or typed: case, spaces and dashes do not matter, and the
    look-alikes O/I/L read as 0/1 (Crockford base32)."""
    cleaned = "".join(str(code or "").split()).replace("-", "").upper()
    return cleaned.translate(_CROCKFORD_ALIASES)[:32]


def check_in(
    ticket_code: str,
    *,
    actor: Actor,
    event_id: str | uuid.UUID | None = None,
    now: datetime | None = None,
) -> CheckedIn:
    """Let a ticket in at the door: marks ``checked_in_at`` once, audited as ``registration.checked_in``.

    NotFound for an unknown code; Conflict for a ticket already checked in (saying when), a cancelled or
    waiting-list registration, a cancelled event, or a ticket of another event than ``event_id``.
    """
    code = normalise_ticket_code(ticket_code)
    if not code:
        raise InvalidInput({"ticket_code": _("Enter the ticket code.")})
    eid = parse_id(event_id, "event") if event_id else None
    now = now or utcnow()
    with session_scope(write=True) as s:
        registration = s.exec(select(Registration).where(Registration.ticket_code == code)).first()
        if registration is None:
            raise NotFound(_("No ticket has that code."))
        if eid is not None and registration.event_id != eid:
            raise Conflict(_("This ticket is for another event."))
        event = s.get(Event, registration.event_id)
        if event is not None and event.status == EventStatus.cancelled:
            raise Conflict(_("This event was cancelled; its tickets no longer admit."))
        if registration.status == RegistrationStatus.cancelled:
            raise Conflict(_("This registration was cancelled; the ticket no longer admits."))
        if registration.status == RegistrationStatus.waitlisted:
            raise Conflict(_("This registration is on the waiting list; it has no seat yet."))
        if registration.checked_in_at is not None:
            raise Conflict(
                _("This ticket was already checked in at %(when)s.")
                % {"when": registration.checked_in_at.isoformat()}
            )
        # Conditional on "not yet": two scanners at two doors let the ticket in once.
        changed = s.execute(
            sa.update(Registration)
            .where(col(Registration.id) == registration.id, col(Registration.checked_in_at).is_(None))
            .values(checked_in_at=now, updated_at=now)
        ).rowcount
        if changed != 1:
            raise Conflict(_("This ticket was already checked in."))
        s.refresh(registration)
        audit.record(
            s,
            actor,
            "registration.checked_in",
            registration,
            {"checked_in_at": [None, now]},
            data={"ticket_code": registration.ticket_code, "quantity": registration.quantity},
        )
        return CheckedIn(view(registration), now)


def undo_check_in(
    registration_id: str | uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> RegistrationView:
    """Take back a check-in made by mistake (the ticket admits again); audited as
    ``registration.check_in_undone``. Conflict when the ticket is not checked in."""
    rid = parse_id(registration_id, "registration")
    now = now or utcnow()
    with session_scope(write=True) as s:
        registration = s.get(Registration, rid)
        if registration is None:
            raise NotFound(_("We could not find that registration."))
        was = registration.checked_in_at
        changed = s.execute(
            sa.update(Registration)
            .where(col(Registration.id) == rid, col(Registration.checked_in_at).is_not(None))
            .values(checked_in_at=None, updated_at=now)
        ).rowcount
        if changed != 1 or was is None:
            raise Conflict(_("This ticket is not checked in."))
        s.refresh(registration)
        audit.record(
            s,
            actor,
            "registration.check_in_undone",
            registration,
            {"checked_in_at": [was, None]},
            data={"ticket_code": registration.ticket_code},
        )
        return view(registration)


def resend_confirmation(registration_id: str | uuid.UUID, *, actor: Actor) -> str:
    """Mail the holder their confirmation again (the ticket with its QR, or their waiting-list place);
    audited as ``registration.confirmation_resent``. Returns the outbox message id."""
    rid = parse_id(registration_id, "registration")
    with session_scope(write=True) as s:
        registration = s.get(Registration, rid)
        if registration is None or not acts_for_owner(s, actor, registration):
            raise NotFound(_("We could not find that registration."))
        if registration.status == RegistrationStatus.cancelled:
            raise Conflict(_("This registration is cancelled; there is nothing to resend."))
        mail_id = notify.registration_changed(s, str(registration.status), registration)
        if mail_id is None:
            raise Conflict(_("The holder's account was deleted; there is nobody to mail."))
        audit.record(
            s,
            actor,
            "registration.confirmation_resent",
            registration,
            data={"status": str(registration.status), "mail_id": mail_id},
        )
        return mail_id


def announce(
    event_id: str | uuid.UUID,
    subject: str,
    body: str,
    *,
    actor: Actor,
    package_id: str | uuid.UUID | None = None,
) -> int:
    """Write to every ticket holder of an event (or of one of its packages): one outbox row each, in one
    transaction, audited once as ``event.announced`` with the count. Returns how many were queued."""
    subject = " ".join(str(subject or "").split())
    body = str(body or "").strip()
    errors = {}
    if not 3 <= len(subject) <= 150:
        errors["subject"] = _("Write a subject of 3 to 150 characters.")
    if not 1 <= len(body) <= 5000:
        errors["body"] = _("Write a message of at most 5,000 characters.")
    if errors:
        raise InvalidInput(errors)
    eid = parse_id(event_id, "event")
    pid = parse_id(package_id, "package") if package_id else None
    with session_scope(write=True) as s:
        event = s.get(Event, eid)
        package = s.get(Package, pid) if pid else None
        if event is None or (pid is not None and (package is None or package.event_id != eid)):
            raise NotFound(_("We could not find that event or package."))
        count = notify.announcement(s, event, subject, body, package_id=pid)
        if count == 0:
            raise Conflict(_("Nobody holds a ticket here yet; there is nobody to write to."))
        audit.record(
            s,
            actor,
            "event.announced",
            event,
            data={"recipients": count, "subject": subject}
            | ({"package_id": str(pid), "package": package.title} if package else {}),
        )
        return count
