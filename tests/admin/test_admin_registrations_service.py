"""The services behind the admin's registrations and mail sections, on both databases: search across events,
the CSV export (streamed, spreadsheet-safe, UTF-8 with BOM), resending a confirmation, announcing to ticket
holders, a message's rendered view with its one-time links hidden."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from sqlmodel import select

from khala.audit.models import AuditEntry
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events import catalogue
from khala.mail import reports as mail_reports
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from khala.registrations import roster
from khala.registrations import service as registrations
from khala.registrations.api import csv_lines, spreadsheet_safe


@pytest.fixture
def gala(make_event, make_user):
    """An event with two packages; Åsa and Örjan hold tickets, Bo waits, Cecilia cancelled."""
    event = make_event(
        "Gala", packages=[{"title": "Standard", "capacity": 2}, {"title": "VIP", "capacity": 5}]
    )
    standard, vip = (p.id for p in catalogue.get_event(event.id).packages)
    people = {
        "asa": make_user(email="asa@example.se", display_name="Åsa Öberg"),
        "orjan": make_user(email="orjan@example.se", display_name='=HYPERLINK("http://x")'),
        "bo": make_user(email="bo@example.se", display_name="Bo"),
        "cecilia": make_user(email="cecilia@example.se", display_name="Cecilia"),
    }
    regs = {
        "asa": registrations.register(people["asa"].id, standard, 2, actor=Actor.user(people["asa"])),
        "orjan": registrations.register(people["orjan"].id, vip, actor=Actor.user(people["orjan"])),
        "bo": registrations.register(
            people["bo"].id, standard, actor=Actor.user(people["bo"]), waitlist=True
        ),
        "cecilia": registrations.register(people["cecilia"].id, vip, actor=Actor.user(people["cecilia"])),
    }
    registrations.cancel(regs["cecilia"].id, actor=Actor.user(people["cecilia"]))
    return event, standard, vip, people, regs


def test_search_across_events_by_name_email_and_ticket_code(gala, make_event, make_user) -> None:
    event, _, _, _, regs = gala
    other = make_event("Other night")
    someone = make_user(email="asa.other@example.se", display_name="Åsa Två")
    registrations.register(
        someone.id, catalogue.get_event(other.id).packages[0].id, actor=Actor.user(someone)
    )

    both = roster.search_registrations("åsa")
    assert {r.event_title for r in both.items} == {"Gala", "Other night"}
    assert roster.search_registrations("ÅSA", event_id=event.id).total == 1
    assert roster.search_registrations("orjan@EXAMPLE").items[0].id == regs["orjan"].id
    code = regs["bo"].ticket_code
    spaced = f" {code[:3].lower()} - {code[3:6]} "
    found = roster.search_registrations(spaced)
    assert [r.id for r in found.items] == [regs["bo"].id] and found.items[0].status == "waitlisted"
    assert roster.search_registrations("", status="cancelled").items[0].id == regs["cecilia"].id
    assert roster.search_registrations("").total == 5
    assert roster.search_registrations("nobody-at-all").total == 0
    with pytest.raises(InvalidInput):
        roster.search_registrations("", status="archived")


def test_csv_export_is_spreadsheet_safe_utf8_with_bom(gala) -> None:
    event, *_ = gala
    rows = roster.export_rows(event.id, chunk=2)  # several chunks
    assert next(rows) == event.slug
    body = b"".join(csv_lines(rows, roster.CSV_HEADER, batch=2))
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == list(roster.CSV_HEADER)
    assert len(parsed) == 5  # header + four registrations (the cancelled one included, with its status)
    by_name = {r[2]: r for r in parsed[1:]}
    assert by_name["Åsa Öberg"][5] == "2" and by_name["Åsa Öberg"][1] == "confirmed"
    assert by_name['\'=HYPERLINK("http://x")'][3] == "orjan@example.se"  # the formula is neutralised
    assert "\r\n" in text
    with pytest.raises(NotFound):
        next(roster.export_rows("00000000-0000-0000-0000-000000000000"))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+46 70", "'+46 70"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Åsa", "Åsa"),
        ("a=b", "a=b"),
        (None, ""),
        (3, "3"),
    ],
)
def test_spreadsheet_safe_cells(cell, safe) -> None:
    assert spreadsheet_safe(cell) == safe


def _entries(action: str) -> list[AuditEntry]:
    with session_scope() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_resend_confirmation_mails_again_and_is_audited(gala, make_user) -> None:
    *_, regs = gala
    admin = make_user(is_admin=True)
    mail_id = registrations.resend_confirmation(regs["asa"].id, actor=Actor.user(admin))
    with session_scope() as s:
        message = s.get(OutboxMessage, uuid.UUID(mail_id))
        assert message.recipient == "asa@example.se" and message.template == "registration_confirmed"
    (entry,) = _entries("registration.confirmation_resent")
    assert entry.actor_id == admin.id and entry.object_id == regs["asa"].id
    assert registrations.resend_confirmation(regs["bo"].id, actor=SYSTEM)  # the waiting list's mail
    with pytest.raises(Conflict):
        registrations.resend_confirmation(regs["cecilia"].id, actor=SYSTEM)
    stranger = make_user()
    with pytest.raises(NotFound):  # someone else's registration, for a person who is not an admin
        registrations.resend_confirmation(regs["asa"].id, actor=Actor.user(stranger))


def test_announce_reaches_each_confirmed_holder_once(gala, make_user) -> None:
    event, standard, vip, people, _ = gala
    # Åsa also holds a VIP ticket: one mail to her all the same.
    registrations.register(people["asa"].id, vip, actor=Actor.user(people["asa"]))
    audience = roster.announcement_audience(event.id)
    assert audience.people == 2 and audience.sample == ('=HYPERLINK("http://x")', "Åsa Öberg")
    assert roster.announcement_audience(event.id, standard).people == 1
    admin = make_user(is_admin=True)
    with session_scope() as s:
        before = len(s.exec(select(OutboxMessage)).all())
    sent = registrations.announce(
        event.id, "Doors open at 18:00", "Hello!\n\nBring <b>your</b> ticket.", actor=Actor.user(admin)
    )
    assert sent == 2
    with session_scope() as s:
        new = [m for m in s.exec(select(OutboxMessage).where(OutboxMessage.template == "announcement")).all()]
        assert len(s.exec(select(OutboxMessage)).all()) == before + 2
    assert sorted(m.recipient for m in new) == ["asa@example.se", "orjan@example.se"]
    assert "Bring &lt;b&gt;your&lt;/b&gt; ticket." in new[0].html_body  # escaped, never markup
    assert "Doors open at 18:00" in new[0].subject
    (entry,) = _entries("event.announced")
    assert entry.object_id == str(event.id) and entry.data["recipients"] == 2 and entry.actor_id == admin.id
    assert registrations.announce(event.id, "VIP news", "Hi VIPs", actor=SYSTEM, package_id=vip) == 2
    assert registrations.announce(event.id, "Standard", "Hi", actor=SYSTEM, package_id=standard) == 1
    with pytest.raises(InvalidInput) as bad:
        registrations.announce(event.id, "", "", actor=SYSTEM)
    assert set(bad.value.by_field()) == {"subject", "body"}


def test_announce_refuses_an_empty_audience_and_a_foreign_package(make_event) -> None:
    quiet = make_event("Quiet")
    other = make_event("Other")
    with pytest.raises(Conflict):
        registrations.announce(quiet.id, "Hello there", "Anyone?", actor=SYSTEM)
    foreign = catalogue.get_event(other.id).packages[0].id
    with pytest.raises(NotFound):
        registrations.announce(quiet.id, "Hello there", "Hi", actor=SYSTEM, package_id=foreign)
    with pytest.raises(NotFound):
        roster.announcement_audience(quiet.id, foreign)
    assert _entries("event.announced") == []


def test_message_view_hides_one_time_links(db) -> None:
    reference = mail.new_reference()
    with session_scope(write=True) as s:
        message = mail.enqueue(
            s,
            to="reset@example.com",
            subject="Reset",
            template="password_reset",
            context={"display_name": "Ada", "reset_path": f"/reset-password?token={mail.sealed(reference)}"},
        )
    shown = mail_reports.message_view(message.id)
    secret = mail.link_secret(reference)
    assert mail_reports.HIDDEN_LINK in shown.html and mail_reports.HIDDEN_LINK in shown.text
    assert secret not in shown.html + shown.text and "[[sealed:" not in shown.html
    assert shown.subject == "Reset" and shown.recipient == "reset@example.com"
    with pytest.raises(NotFound):
        mail_reports.message_view("not-an-id")
    assert mail_reports.list_outbox(template="password_reset").total == 1
    assert mail_reports.list_outbox(template="verify_email").total == 0
