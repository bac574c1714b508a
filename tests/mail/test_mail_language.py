"""Mail goes out in the recipient's language: a Swedish account gets its ticket (rendered by the worker at send
time) and its account mail in Swedish, with Swedish money and dates; an English one in English; someone who
never chose (a box-office sale) in the language of the request that queued it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from khala.accounts import service as accounts
from khala.accounts import throttle
from khala.audit.service import Actor
from khala.db import session_scope
from khala.events.models import Package
from khala.lib import i18n
from khala.mail.models import OutboxMessage
from khala.mail.rendering import materialize
from khala.registrations import service as registrations


def _package(event) -> Package:
    with session_scope() as s:
        return s.exec(
            select(Package).where(Package.event_id == event.id).order_by(col(Package.position))
        ).first()


def _sent(message_id: str) -> OutboxMessage:
    with session_scope() as s:
        return materialize(s.get(OutboxMessage, uuid.UUID(message_id)))


def _event(make_event):
    return make_event(
        "Fjord Jazz",
        starts_at=datetime(2031, 12, 6, 18, 30, tzinfo=UTC),  # 19:30 in Stockholm
        timezone="Europe/Stockholm",
        packages=[{"title": "Balkong", "capacity": 10, "price_minor": 125000, "max_per_registration": 4}],
    )


def test_a_swedish_user_gets_the_ticket_in_swedish(make_event, make_user) -> None:
    event = _event(make_event)
    ingrid = make_user(email="ingrid@example.com", display_name="Ingrid", locale="sv")
    # the tab that registers may speak English: the recipient's language decides
    reg = registrations.register(ingrid.id, _package(event).id, 2, actor=Actor.user(ingrid))
    msg = _sent(reg.mail_message_id)
    assert msg.subject == "Du är med: Fjord Jazz"  # the organiser's title stays as written
    for body in (msg.html_body, msg.text_body):
        assert "Hej Ingrid!" in body
        assert "Din anmälan till" in body and "är bekräftad" in body
        assert "6 dec. 2031 19:30 CET" in body
        assert "2\u00a0500\u00a0kr" in body  # 2 × 1 250 kr
        assert "You're in" not in body and "Hi Ingrid" not in body
    assert '<html lang="sv">' in msg.html_body
    assert "Visa min biljett" in msg.html_body


def test_an_english_user_gets_it_in_english(make_event, make_user) -> None:
    event = _event(make_event)
    ada = make_user(email="ada@example.com", display_name="Ada", locale="en")
    with i18n.use_language("sv"):  # even from a Swedish tab
        reg = registrations.register(ada.id, _package(event).id, 1, actor=Actor.user(ada))
    msg = _sent(reg.mail_message_id)
    assert msg.subject == "You're in: Fjord Jazz"
    assert (
        "Hi Ada," in msg.text_body and "SEK\u00a01,250" in msg.text_body and "7:30\u00a0PM" in msg.text_body
    )


def test_without_a_chosen_language_the_request_decides(make_event, make_user) -> None:
    event = _event(make_event)
    walk_in = make_user(email="walkin@example.com", display_name="Walk-in")  # no locale: a box-office sale
    with i18n.use_language("sv"):  # the API request's Accept-Language
        reg = registrations.register(walk_in.id, _package(event).id, 1, actor=Actor.system("box office"))
    assert _sent(reg.mail_message_id).subject == "Du är med: Fjord Jazz"


def test_account_mail_in_the_accounts_language(make_user) -> None:
    throttle.use_storage("memory://")  # fresh mail quotas for this test
    try:
        _reset_mail_in_swedish(make_user)
    finally:
        throttle.use_storage(None)


def _reset_mail_in_swedish(make_user) -> None:
    make_user(email="sven@example.com", display_name="Sven", locale="sv")
    accounts.request_password_reset("sven@example.com", ip="10.8.0.1")
    with session_scope() as s:
        msg = s.exec(select(OutboxMessage).where(OutboxMessage.recipient == "sven@example.com")).one()
    assert msg.subject == "Välj ett nytt lösenord"
    assert "Hej Sven!" in msg.text_body and "Länken gäller i 60 minuter" in msg.text_body
    assert "Återställ ditt lösenord" in msg.html_body and '<html lang="sv">' in msg.html_body
