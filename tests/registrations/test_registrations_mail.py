"""Registration mail, received by a real SMTP server: the ticket, its QR code and its calendar entry."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import zxingcpp
from icalendar import Calendar
from PIL import Image
from sqlmodel import col, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope
from khala.events.models import Package
from khala.mail import service as mail
from khala.registrations import queries as registration_queries
from khala.registrations import service as registrations
from khala.registrations.tickets import registration_uid


def _package(event) -> Package:
    with session_scope() as s:
        return s.exec(
            select(Package).where(Package.event_id == event.id).order_by(col(Package.position))
        ).first()


def _parts(message):
    return {
        (p.get_content_type(), p.get_filename() or str(p.get("Content-ID", ""))): p for p in message.walk()
    }


def test_confirmation_mail_carries_ticket_qr_and_ics(make_event, make_user, smtp_sink) -> None:
    starts = datetime(2031, 6, 14, 17, 30, tzinfo=UTC)  # 19:30 in Oslo (CEST)
    event = make_event(
        "Fjord Jazz",
        starts_at=starts,
        timezone="Europe/Oslo",
        packages=[{"title": "Balcony", "capacity": 10, "price_minor": 25000, "max_per_registration": 4}],
    )
    user = make_user(email="ingrid@example.com", display_name="Ingrid")
    reg = registrations.register(user.id, _package(event).id, 2, actor=Actor.user(user))
    assert reg.mail_message_id
    assert mail.delivery_status(reg.mail_message_id).status == "queued"

    smtp_sink.worker().drain()
    assert mail.delivery_status(reg.mail_message_id).status == "sent"
    [received] = smtp_sink.received
    msg = received.message
    assert received.rcpt_tos == ["ingrid@example.com"]
    assert "Fjord Jazz" in str(msg["Subject"])
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for body in (html, text):
        assert reg.ticket_code in body
        assert "Balcony" in body
        assert "500" in body  # 2 × 250 kr
        assert "7:30\u00a0PM" in body  # shown in the event's own time zone (English: 12-hour clock)
    assert "cid:ticket-qr" in html
    assert "openstreetmap.org/search?query=Test+Hall" in text  # map link from the address, not an id
    assert f"/tickets?cancel={reg.id}" in text and "× 2" in text

    parts = list(msg.walk())
    [ics_part] = [p for p in parts if p.get_content_type() == "text/calendar"]
    cal = Calendar.from_ical(ics_part.get_payload(decode=True))
    [vevent] = cal.walk("VEVENT")
    assert vevent.decoded("dtstart").astimezone(UTC) == starts
    assert vevent.decoded("dtend").astimezone(UTC) > starts
    assert str(vevent["uid"]) == registration_uid(reg.id)
    assert vevent["dtstart"].params["TZID"] == "Europe/Oslo"
    assert cal.walk("VTIMEZONE"), "the .ics carries the VTIMEZONE of the event's zone"

    [qr_part] = [p for p in parts if p.get_content_type() == "image/png"]
    assert "ticket-qr" in str(qr_part["Content-ID"])
    image = Image.open(io.BytesIO(qr_part.get_payload(decode=True)))
    [decoded] = zxingcpp.read_barcodes(image)
    assert decoded.text == reg.ticket_code


def test_cancellation_and_waitlist_promotion_are_mailed(make_event, make_user, smtp_sink) -> None:
    event = make_event("Small Room", packages=[{"title": "Seat", "capacity": 1}])
    pkg = _package(event)
    first = make_user(email="first@example.com")
    second = make_user(email="second@example.com")
    held = registrations.register(first.id, pkg.id, actor=Actor.user(first))
    waiting = registrations.register(second.id, pkg.id, waitlist=True, actor=Actor.user(second))
    cancelled = registrations.cancel(held.id, actor=Actor.user(first))
    assert cancelled.mail_message_id
    smtp_sink.worker().drain()
    subjects = {(r.rcpt_tos[0], str(r.message["Subject"]).split(":")[0]) for r in smtp_sink.received}
    assert subjects == {
        ("first@example.com", "You're in"),
        ("second@example.com", "You're on the waiting list"),
        ("first@example.com", "Cancelled"),
        ("second@example.com", "A seat freed up — you're in"),
    }
    assert registration_queries.get_registration(waiting.id, viewer=Actor.user(second)).status == "confirmed"


def test_a_registration_that_rolls_back_sends_no_mail(make_event, make_user, smtp_sink) -> None:
    event = make_event("Tiny", packages=[{"title": "Seat", "capacity": 1}])
    pkg = _package(event)
    registrations.register(make_user().id, pkg.id, actor=audit.SYSTEM)
    import pytest

    from khala.errors import SoldOut

    with pytest.raises(SoldOut):
        registrations.register(make_user().id, pkg.id, actor=audit.SYSTEM)
    smtp_sink.worker().drain()
    assert len(smtp_sink.received) == 1


def test_cancelling_an_event_mails_every_holder_and_waiting_list_entry(
    make_event, make_user, smtp_sink
) -> None:
    from khala.events import service as events

    event = make_event("Rained Out", packages=[{"title": "Seat", "capacity": 1}])
    pkg = _package(event)
    holder = make_user(email="holder@example.com")
    waiting = make_user(email="waiting@example.com")
    registrations.register(holder.id, pkg.id, actor=Actor.user(holder))
    registrations.register(waiting.id, pkg.id, waitlist=True, actor=Actor.user(waiting))
    smtp_sink.worker().drain()
    before = len(smtp_sink.received)
    assert events.set_status(event.id, "cancelled", actor=audit.SYSTEM) == "cancelled"
    # no second round of mail
    assert events.set_status(event.id, "cancelled", actor=audit.SYSTEM) == "cancelled"
    smtp_sink.worker().drain()
    cancelled = smtp_sink.received[before:]
    assert sorted(r.rcpt_tos[0] for r in cancelled) == ["holder@example.com", "waiting@example.com"]
    for r in cancelled:
        assert str(r.message["Subject"]) == "Cancelled by the organiser: Rained Out"
        assert "The organiser has cancelled this event." in r.message.get_body(("plain",)).get_content()


def test_the_ticket_mail_is_rendered_when_sent_not_in_the_registration(
    make_event, make_user, smtp_sink
) -> None:
    from khala.mail.models import OutboxMessage

    event = make_event("Deferred", packages=[{"title": "Seat", "capacity": 5}])
    ada = make_user(email="ada@example.com", display_name="Ada")
    reg = registrations.register(ada.id, _package(event).id, 2, actor=Actor.user(ada))
    with session_scope() as s:
        row = s.get(OutboxMessage, uuid.UUID(reg.mail_message_id))
        # The row names the registration; no body, no QR and no calendar file are stored for it.
        assert row.html_body == "" and row.attachments == []
        assert row.deferred == {
            "renderer": "registration",
            "args": {"registration_id": reg.id, "kind": "confirmed"},
            "locale": "en",  # the recipient's language, for the render at send time
        }
    smtp_sink.worker().drain()
    [received] = smtp_sink.received
    assert received.message["Subject"] == "You're in: Deferred"
    names = {part.get_filename() for part in received.message.walk() if part.get_filename()}
    assert names == {"ticket-qr.png", f"{event.slug}.ics"}
    [text] = [p.get_content() for p in received.message.walk() if p.get_content_type() == "text/plain"]
    assert reg.ticket_code in text and "Ada" in text
