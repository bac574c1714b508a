"""Mail about registrations, enqueued inside the registration's own transaction (outbox pattern)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from khala.accounts.models import User
from khala.events.models import Event, Package
from khala.lib import i18n, routes
from khala.lib.dates import format_datetime_short
from khala.lib.i18n import N_
from khala.lib.ids import parse_id
from khala.lib.money import format_price
from khala.locations.models import Location
from khala.locations.service import address_line, map_url
from khala.mail import service as mail
from khala.mail.rendering import NothingToSend
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
    sent = 0
    for user, package in rows:
        if user.deleted_at is not None:
            continue
        with i18n.use_language(user.locale or i18n.get_language()) as lang:
            subject = i18n.gettext("Cancelled by the organiser: %(title)s") % {"title": event.title}
            context = {
                "display_name": user.display_name,
                "event_title": event.title,
                "package_name": package.title,
                "starts_at": format_datetime_short(event.starts_at, event.timezone),
                "reason": i18n.gettext("The organiser has cancelled this event."),
                "event_path": routes.event(event.slug),
            }
        mail.enqueue(
            session,
            to=user.email,
            to_name=user.display_name,
            subject=subject,
            template="registration_cancelled",
            context=context,
            locale=lang,
        )
        sent += 1
    return sent


_SUBJECTS = {
    "confirmed": N_("You're in: %(title)s"),
    "promoted": N_("A seat freed up — you're in: %(title)s"),
    "waitlisted": N_("You're on the waiting list: %(title)s"),
    "cancelled": N_("Cancelled: %(title)s"),
}
_TEMPLATES = {
    "confirmed": "registration_confirmed",
    "promoted": "waitlist_promoted",
    "waitlisted": "waitlist_joined",
    "cancelled": "registration_cancelled",
}
RENDERER = "registration"


def registration_changed(session: Session, kind: str, registration: Registration) -> str | None:
    """Queue the mail for a registration change (kind: confirmed, waitlisted, promoted, cancelled), inside
    the change's own transaction; returns the outbox message id.

    The row only names the registration: the QR code, the calendar file and the text are made by
    ``render_registration_mail`` when the worker sends it, so the seat-taking transaction stays short."""
    if kind not in _TEMPLATES:
        return None
    user = session.get(User, registration.user_id)
    event = session.get(Event, registration.event_id)
    fields = mail_fields(kind, registration.id, user, event)
    if fields is None:
        return None
    return str(mail.enqueue_later(session, **fields).id)


def mail_fields(kind: str, registration_id: object, user: Any, event: Any) -> dict[str, Any] | None:
    """What ``mail.enqueue_later`` (or ``mail.deferred_row``) gets for a registration change's mail; None
    when there is nobody to write to. ``user`` and ``event`` need only the fields read here."""
    if kind not in _TEMPLATES or user is None or event is None or user.deleted_at is not None:
        return None
    # The recipient's language; someone who never chose one (a box-office sale through the API) gets the
    # request's (Accept-Language), which is the current language here.
    lang = i18n.normalize(getattr(user, "locale", None)) or i18n.get_language()
    with i18n.use_language(lang):
        subject = i18n.gettext(_SUBJECTS[kind]) % {"title": event.title}
    return {
        "to": user.email,
        "to_name": user.display_name,
        "locale": lang,
        "subject": subject,
        "template": _TEMPLATES[kind],
        "renderer": RENDERER,
        "args": {"registration_id": registration_id, "kind": kind},
    }


def render_registration_mail(session: Session, args: dict[str, Any]) -> mail.Rendered:
    """The context and attachments of a registration mail, made when it is sent (a mail renderer)."""
    kind = str(args.get("kind", ""))
    registration = session.get(Registration, parse_id(args.get("registration_id"), "registration"))
    if registration is None or kind not in _TEMPLATES:
        raise NothingToSend("the registration is gone")
    user = session.get(User, registration.user_id)
    package = session.get(Package, registration.package_id)
    event = session.get(Event, registration.event_id)
    if user is None or package is None or event is None or user.deleted_at is not None:
        raise NothingToSend("the account or the event is gone")
    # At send time, in the recipient's language as their account says now (else the one recorded at enqueue).
    with i18n.use_language(i18n.normalize(user.locale) or i18n.get_language()) as lang:
        subject = i18n.gettext(_SUBJECTS[kind]) % {"title": event.title}
        base = {
            "display_name": user.display_name,
            "event_title": event.title,
            "package_name": package.title,
            "starts_at": format_datetime_short(event.starts_at, event.timezone),
            "event_path": routes.event(event.slug),
        }
        if kind == "waitlisted":
            return mail.Rendered(
                {**base, "position": waitlist_position(session, registration)}, locale=lang, subject=subject
            )
        if kind == "cancelled":
            return mail.Rendered(base, locale=lang, subject=subject)
        location = session.get(Location, event.location_id) if event.location_id else None
        context = {
            **base,
            "ticket_path": routes.ticket(registration.ticket_code),
            "cancel_path": routes.cancel_ticket(str(registration.id)),
            "venue": address_line(location, with_name=True),
            "map_url": map_url(location),
            "quantity": registration.quantity,
            "price": format_price(package.price_minor * registration.quantity, package.currency),
            "reference": registration.ticket_code,
            "qr_cid": QR_CID,
            "has_calendar": True,
        }
        attachments = [
            mail.Attachment(
                "ticket-qr.png", "image/png", qr_png(registration.ticket_code), inline_cid=QR_CID
            ),
            mail.Attachment(
                f"{event.slug}.ics", "text/calendar", ticket_ics(registration, event, package, location)
            ),
        ]
    return mail.Rendered(context, attachments, locale=lang, subject=subject)


def announcement(
    session: Session, event: Event, subject: str, body: str, *, package_id: object = None
) -> int:
    """Enqueue an organiser's message to every ticket holder of ``event`` (or of one package) inside the
    caller's transaction: one mail per person, however many tickets they hold. Returns how many."""
    q = (
        select(User)
        .select_from(Registration)
        .join(User, col(User.id) == col(Registration.user_id))
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            col(User.deleted_at).is_(None),
        )
    )
    if package_id is not None:
        q = q.where(Registration.package_id == package_id)
    holders = {u.id: u for u in session.exec(q.order_by(col(User.email))).all()}
    context = {
        "event_title": event.title,
        "starts_at": format_datetime_short(event.starts_at, event.timezone),
        "paragraphs": [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()],
        "event_path": routes.event(event.slug),
    }
    for user in holders.values():
        with i18n.use_language(user.locale or i18n.get_language()) as lang:
            when = format_datetime_short(event.starts_at, event.timezone)
        mail.enqueue(
            session,
            to=user.email,
            to_name=user.display_name,
            subject=subject,
            template="announcement",
            context={**context, "starts_at": when, "display_name": user.display_name},
            locale=lang,
        )
    return len(holders)
