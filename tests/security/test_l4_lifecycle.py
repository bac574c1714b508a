"""L4: account-lifecycle gaps.

Before: (a) a session opened before the address was verified survived the verification (someone who signed
up with another person's address and stayed signed in kept a verified account in their name); (b) no notice
went out when the password or the address changed; (c) reset links sent to the old address stayed valid after
an e-mail change, and outstanding links after a password change.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from khala.accounts import service, sessions
from khala.accounts.models import User
from khala.accounts.sessions import BadToken
from khala.audit.service import Actor
from khala.db import session_scope
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from tests.security.conftest import PASSWORD


def _mails(address: str) -> list[OutboxMessage]:
    with session_scope() as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.recipient == address)).all()
    return sorted(rows, key=lambda m: m.created_at)


def _token(message: OutboxMessage) -> str:
    return re.search(r"token=([A-Za-z0-9_\-]+)", mail.unseal(message.text_body)).group(1)


def _sign_in(email: str, ip: str) -> str:
    token, _ = sessions.complete_login(sessions.authenticate(email, PASSWORD, ip=ip))
    return token


def test_sessions_opened_before_verification_do_not_survive_it(db) -> None:
    service.sign_up("victim@example.com", "Not the victim", PASSWORD, ip="10.70.0.1")
    squatter = _sign_in("victim@example.com", "10.70.0.2")  # the pre-registering attacker stays signed in
    opener = _sign_in("victim@example.com", "10.70.0.3")
    service.confirm_email_token(_token(_mails("victim@example.com")[-1]), keep_secret=opener)
    assert sessions.resolve_session(squatter) is None
    assert sessions.resolve_session(opener) is not None  # the browser that opened the link stays


def test_a_password_change_burns_links_and_tells_the_owner(db, person) -> None:
    user, token = person()
    service.request_password_reset(user.email, ip="10.70.1.1")
    reset = _token(_mails(user.email)[-1])
    service.change_password(
        user.id, PASSWORD, "a different long passphrase", actor=Actor.user(user), keep_secret=token
    )
    with pytest.raises(BadToken):
        service.reset_password(reset, "an attackers own passphrase")
    assert _mails(user.email)[-1].template == "password_changed"


def test_an_email_change_burns_old_links_ends_sessions_and_tells_the_old_address(db, person) -> None:
    user, token = person()
    other_device = _sign_in(user.email, "10.70.2.2")
    service.request_password_reset(user.email, ip="10.70.2.1")
    reset = _token(_mails(user.email)[-1])
    service.request_email_change(
        user.id, "grace.new@example.com", PASSWORD, actor=Actor.user(user), ip="10.70.2.3"
    )
    outcome = service.confirm_email_token(_token(_mails("grace.new@example.com")[-1]), keep_secret=token)
    assert outcome.kind == "email_changed"
    with pytest.raises(BadToken):
        service.reset_password(reset, "an attackers own passphrase")
    assert sessions.resolve_session(other_device) is None and sessions.resolve_session(token) is not None
    notice = _mails(user.email)[-1]
    assert notice.template == "email_changed" and "grace.new@example.com" in notice.text_body
    with session_scope() as s:
        assert s.get(User, user.id).email == "grace.new@example.com"
