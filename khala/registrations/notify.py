"""Mail about registrations, enqueued inside the registration's own transaction (outbox pattern)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from khala.accounts.models import User
from khala.events.models import Event, Package
from khala.lib import routes
from khala.lib.dates import format_datetime_short
from khala.lib.money import format_price
from khala.locations.models import Location
from khala.locations.service import address_line, map_url
from khala.mail import service as mail
from khala.registrations.models import ACTIVE, Registration
from khala.registrations.queries import waitlist_position
from khala.registrations.tickets import qr_png, ticket_ics

QR_CID = "ticket-qr"


def on_event_status_change(session: Session, event: Event, old_status: str) -> int:
    """When an event is cancelled, tell every ticket holder and everyone on its waiting list."""
    if event.status != "cancelled" or old_status == "cancelled":
        return 0
    rows = session.exec(
        select(User, Package)
        .select_from(Registration)
        .join(User, col(User.id) == col(Registration.user_id))
        .join(Package, col(Package.id) == col(Registration.package_id))
        .where(Registration.event_id == event.id, col(Registration.status).in_(ACTIVE))
    ).all()
    when = format_datetime_short(event.starts_at, event.timezone)
    sent = 0
    for user, package in rows:
        if user.deleted_at is not None:
            continue
        mail.enqueue(
            session,
            to=user.email,
            to_name=user.display_name,
            subject=f"Cancelled by the organiser: {event.title}",
            template="registration_cancelled",
            context={
                "display_name": user.display_name,
                "event_title": event.title,
                "package_name": package.title,
                "starts_at": when,
                "reason": "The organiser has cancelled this event.",
                "event_path": routes.event(event.slug),
            },
        )
        sent += 1
    return sent


def registration_changed(session: Session, kind: str, registration: Registration) -> str | None:
    """Enqueue the mail for a registration change (kind: confirmed, waitlisted, promoted, cancelled), inside
    the change's own transaction; returns the outbox message id."""
    user = session.get(User, registration.user_id)
    package = session.get(Package, registration.package_id)
    event = session.get(Event, registration.event_id)
    if user is None or package is None or event is None or user.deleted_at is not None:
        return None
    location = session.get(Location, event.location_id) if event.location_id else None
    when = format_datetime_short(event.starts_at, event.timezone)
    base = {
        "display_name": user.display_name,
        "event_title": event.title,
        "package_name": package.title,
        "starts_at": when,
        "event_path": routes.event(event.slug),
    }
    if kind in ("confirmed", "promoted"):
        total = package.price_minor * registration.quantity
        context = {
            **base,
            "ticket_path": routes.ticket(registration.ticket_code),
            "cancel_path": routes.cancel_ticket(str(registration.id)),
            "venue": address_line(location, with_name=True),
            "map_url": map_url(location),
            "quantity": registration.quantity,
            "price": format_price(total, package.currency),
            "reference": registration.ticket_code,
            "qr_cid": QR_CID,
            "has_calendar": True,
        }
        attachments = [
            mail.Attachment(
                "ticket-qr.png", "image/png", qr_png(registration.ticket_code), inline_cid=QR_CID
            ),
            mail.Attachment(
                f"{event.slug}.ics",
                "text/calendar",
                ticket_ics(registration, event, package, location),
            ),
        ]
        template = "registration_confirmed" if kind == "confirmed" else "waitlist_promoted"
        subject = (
            f"You're in: {event.title}"
            if kind == "confirmed"
            else f"A seat freed up — you're in: {event.title}"
        )
        message = mail.enqueue(
            session,
            to=user.email,
            to_name=user.display_name,
            subject=subject,
            template=template,
            context=context,
            attachments=attachments,
        )
    elif kind == "waitlisted":
        message = mail.enqueue(
            session,
            to=user.email,
            to_name=user.display_name,
            subject=f"You're on the waiting list: {event.title}",
            template="waitlist_joined",
            context={**base, "position": waitlist_position(session, registration)},
        )
    elif kind == "cancelled":
        message = mail.enqueue(
            session,
            to=user.email,
            to_name=user.display_name,
            subject=f"Cancelled: {event.title}",
            template="registration_cancelled",
            context=base,
        )
    else:
        return None
    return str(message.id)
