"""M1: one-time links (verification, reset, e-mail change) must not be readable in a copy of the database.

Before the fix the outbox kept each mail's body with the live link in plain text, indefinitely: anyone with
a backup or a read replica could take over any account that had asked for a reset. Now the outbox keeps a
sealed reference; the worker derives the link's secret with KHALA_SECRET_KEY (not in the database) when it
builds the mail, and finished mail is deleted after the retention period and when the person is deleted.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from khala.accounts import privacy, service, sessions
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from tests.security.conftest import PASSWORD, database_dump

LINK = re.compile(r"/(?:verify|reset-password)\?token=([A-Za-z0-9_\-]+)")


def _delivered_tokens(sink) -> list[str]:
    tokens = []
    for got in sink.received:
        body = got.message.get_body(preferencelist=("plain",)).get_content()
        tokens += LINK.findall(body)
    return tokens


def _assert_no_usable_link(dump: str, live: list[str]) -> None:
    for secret in live:
        assert secret not in dump
    # Whatever looks like a link in the dump opens nothing.
    for candidate in LINK.findall(dump):
        with session_scope() as session:
            assert sessions.find_token(session, candidate) is None, candidate


def test_a_database_dump_holds_no_usable_link_before_or_after_delivery(db, smtp_sink) -> None:
    service.sign_up("ada@example.com", "Ada Lovelace", PASSWORD, ip="10.1.0.1")
    user_id = _user_id("ada@example.com")
    service.request_email_change(
        user_id, "ada.new@example.com", PASSWORD, actor=Actor.system("test"), ip="10.1.0.2"
    )
    service.request_password_reset("ada@example.com", ip="10.1.0.3")
    _assert_no_usable_link(database_dump(db), [])  # queued: nothing usable either

    assert smtp_sink.worker().drain() == 3
    live = _delivered_tokens(smtp_sink)
    assert len(live) == 3  # verification, e-mail change, reset: each mailed with its link
    _assert_no_usable_link(database_dump(db), live)

    # The delivered links are the real ones: the reset link works (and only from the mail).
    reset = next(t for t in live if _purpose(t) == "password_reset")
    assert service.reset_password(reset, "a brand new passphrase 8") == "ada@example.com"


def test_finished_mail_is_purged_after_the_retention_period(db, smtp_sink) -> None:
    service.sign_up("bob@example.com", "Bob", PASSWORD, ip="10.1.0.4")
    smtp_sink.worker().drain()
    assert mail.purge_old() == 0
    assert mail.purge_old(utcnow() + mail.RETENTION + timedelta(minutes=1)) == 1
    with session_scope() as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_deleting_an_account_deletes_its_finished_mail(db, smtp_sink) -> None:
    service.sign_up("cleo@example.com", "Cleo", PASSWORD, ip="10.1.0.5")
    smtp_sink.worker().drain()
    user_id = _user_id("cleo@example.com")
    privacy.delete_account(user_id, PASSWORD, actor=Actor.system("test"))
    with session_scope() as session:
        assert (
            session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "cleo@example.com")).all()
            == []
        )


def test_a_sealed_reference_is_not_a_secret() -> None:
    ref = mail.new_reference()
    assert mail.link_secret(ref) not in mail.sealed(ref)
    assert mail.unseal(f"/verify?token={mail.sealed(ref)}") == f"/verify?token={mail.link_secret(ref)}"
    with pytest.raises(ValueError):
        mail.sealed("../../etc")


def _user_id(email: str):
    from khala.accounts.models import User

    with session_scope() as session:
        return session.exec(select(User.id).where(User.email == email)).one()


def _purpose(secret: str) -> str:
    with session_scope() as session:
        token = sessions.find_token(session, secret)
        return token.purpose if token else ""


def test_deleting_an_account_scrubs_its_addresses_from_the_audit_trail(db, smtp_sink) -> None:
    """The person's e-mail addresses and name leave the audit trail with the account (same transaction)."""
    from khala.audit.models import AuditEntry
    from tests.security.conftest import database_dump

    service.sign_up("dora@example.com", "Dora Explorer", PASSWORD, ip="10.1.0.6")
    user_id = _user_id("dora@example.com")
    service.request_email_change(
        user_id, "dora.new@example.com", PASSWORD, actor=Actor.system("t"), ip="10.1.0.7"
    )
    smtp_sink.worker().drain()
    privacy.delete_account(user_id, PASSWORD, actor=Actor.system("test"))
    dump = database_dump(db)
    for personal in ("dora@example.com", "dora.new@example.com", "Dora Explorer"):
        assert personal not in dump, [line for line in dump.splitlines() if personal in line]
    with session_scope() as session:
        deleted = session.exec(select(AuditEntry).where(AuditEntry.action == "user.deleted")).one()
    assert deleted.object_id == str(user_id)
