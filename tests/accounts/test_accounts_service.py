"""Every rule of the accounts service, on SQLite and PostgreSQL (``db`` fixture)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from accounts_helpers import STRONG, link_token, sign_in
from sqlalchemy import update
from sqlmodel import select

from khala.accounts import passwords, privacy, service, sessions, throttle
from khala.accounts.models import AccountToken, TokenPurpose, User, UserSession
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Forbidden, InvalidInput, NotAuthenticated, NotVerified, RateLimited

CLI = Actor.system("cli")


def _user(email: str) -> User:
    with session_scope() as session:
        return session.exec(select(User).where(User.email == email)).one()


def _age_tokens(purpose: TokenPurpose, by: timedelta) -> None:
    with session_scope(write=True) as session:
        session.exec(
            update(AccountToken).where(AccountToken.purpose == purpose.value).values(expires_at=utcnow() - by)
        )


# ── validation ─────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("password", "email", "fragment"),
    [
        ("short", "a@b.se", "at least 12"),
        ("elevenchars", "a@b.se", "at least 12"),
        ("x" * 1025, "a@b.se", "at most 1,024"),
        ("ada@example.com", "ada@example.com", "e-mail address"),
        ("ADA@EXAMPLE.COM", "ada@example.com", "e-mail address"),
        ("password1234", "a@b.se", "too common"),
        ("qwertyuiop12", "a@b.se", "too common"),
        ("aaaaaaaaaaaa", "a@b.se", "too common"),
        ("123456789012", "a@b.se", "too easy to guess"),
        ("lovelace2024", "lovelace@example.com", "too easy to guess"),
    ],
)
def test_password_rules(password: str, email: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        passwords.validate_password(password, email)
    assert fragment in exc.value.errors["password"]


def test_password_rules_accept_good_and_max_length() -> None:
    assert passwords.validate_password(STRONG, "ada@example.com") == STRONG
    assert passwords.validate_password(("correct horse battery staple " * 40)[:1024], "a@b.se")


def test_sign_up_validates_every_field_at_once(db) -> None:
    with pytest.raises(InvalidInput) as exc:
        service.sign_up("not-an-address", " ", "short")
    assert set(exc.value.errors) == {"email", "display_name", "password"}


def test_safe_next_refuses_other_hosts() -> None:
    assert sessions.safe_next("/events/1?x=2") == "/events/1?x=2"
    for bad in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
        None,
        "/auth/complete?code=x",
        "/ok\nx",
    ):
        assert sessions.safe_next(bad) == "/"


# ── sign-up and verification ───────────────────────────────────────────────────────────────────────────


def test_sign_up_stores_hash_and_mails_single_use_24h_link(db, mailbox) -> None:
    message = service.sign_up(" Ada@Example.COM ", "Ada  Lovelace", STRONG, ip="10.0.0.1")
    assert "ada@example.com" in message
    user = _user("ada@example.com")
    assert user.display_name == "Ada Lovelace"
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert STRONG not in user.password_hash
    assert not user.is_verified
    [mail] = mailbox("ada@example.com")
    assert mail.template == "verify_email"
    token = link_token(mail, "/verify")
    with session_scope() as session:
        stored = session.exec(select(AccountToken)).one()
    assert stored.token_hash == passwords.hash_secret(token) and token not in stored.token_hash
    assert timedelta(hours=23, minutes=59) < stored.expires_at - stored.created_at <= timedelta(hours=24)

    outcome = service.confirm_email_token(token)
    assert outcome.kind == "verified" and outcome.email == "ada@example.com"
    assert _user("ada@example.com").is_verified
    # Opened again (e.g. after a mail scanner): "already confirmed", no error, nothing changes.
    assert service.confirm_email_token(token) == outcome
    # A used link of an address that is no longer verified is refused.
    with session_scope(write=True) as session:
        session.exec(update(User).values(email_verified_at=None))
    with pytest.raises(sessions.BadToken) as exc:
        service.confirm_email_token(token)
    assert exc.value.reason == "used"


def test_verification_link_expires(db, mailbox) -> None:
    service.sign_up("ada@example.com", "Ada", STRONG)
    token = link_token(mailbox("ada@example.com")[0], "/verify")
    _age_tokens(TokenPurpose.verify_email, timedelta(seconds=1))
    with pytest.raises(sessions.BadToken) as exc:
        service.confirm_email_token(token)
    assert exc.value.reason == "expired"
    assert not _user("ada@example.com").is_verified


def test_unknown_token(db) -> None:
    for token in ("nope", "", "x" * 300):
        with pytest.raises(sessions.BadToken) as exc:
            service.confirm_email_token(token)
        assert exc.value.reason == "unknown"


def test_sign_up_with_existing_address_answers_the_same_and_mails_the_owner(db, mailbox, make_user) -> None:
    make_user("ada@example.com", display_name="Ada")
    before = _user("ada@example.com")
    new_msg = service.sign_up("bob@example.com", "Bob", STRONG, ip="10.0.0.2")
    dup_msg = service.sign_up("ADA@example.com", "Mallory", "another strong passphrase", ip="10.0.0.3")
    assert dup_msg == new_msg.replace("bob@example.com", "ada@example.com")
    after = _user("ada@example.com")
    assert after.password_hash == before.password_hash and after.display_name == "Ada"
    assert [m.template for m in mailbox("ada@example.com")] == ["verify_email", "account_exists"]


def test_resend_is_rate_limited_and_enumeration_safe(db, mailbox) -> None:
    service.sign_up("ada@example.com", "Ada", STRONG)
    with pytest.raises(RateLimited):  # the sign-up mail was just sent
        service.resend_verification("ada@example.com")
    throttle.mails_by_address.clear("ada@example.com")
    answer_known = service.resend_verification("ada@example.com", ip="10.0.0.9")
    answer_unknown = service.resend_verification("nobody@example.com", ip="10.0.0.9")
    assert answer_known.replace("ada@", "X@") == answer_unknown.replace("nobody@", "X@")
    assert [m.template for m in mailbox("ada@example.com")] == ["verify_email", "verify_email"]
    assert mailbox("nobody@example.com") == []
    # The first link no longer works once a new one was sent.
    old, new = (link_token(m, "/verify") for m in mailbox("ada@example.com"))
    with pytest.raises(sessions.BadToken):
        service.confirm_email_token(old)
    assert service.confirm_email_token(new).kind == "verified"
    # Unknown addresses count the same as known ones.
    with pytest.raises(RateLimited):
        service.resend_verification("nobody@example.com", ip="10.0.0.9")


def test_signups_per_ip_are_limited(db) -> None:
    for i in range(10):
        service.sign_up(f"u{i}@example.com", "U", STRONG, ip="10.1.1.1")
    with pytest.raises(RateLimited) as exc:
        service.sign_up("u10@example.com", "U", STRONG, ip="10.1.1.1")
    assert exc.value.retry_after > 0
    service.sign_up("u10@example.com", "U", STRONG, ip="10.1.1.2")


# ── sign-in ────────────────────────────────────────────────────────────────────────────────────────────


def test_sign_in_creates_hashed_session(db, make_user) -> None:
    user = make_user("ada@example.com")
    code = sessions.authenticate("ADA@example.com", STRONG, ip="10.0.0.1")
    token, who = sessions.complete_login(code, user_agent="Firefox", ip="10.0.0.1")
    assert who.id == user.id
    assert len(token) >= 43
    with session_scope() as session:
        row = session.exec(select(UserSession)).one()
    assert row.token_hash == passwords.hash_secret(token)
    assert row.user_agent == "Firefox"
    assert timedelta(days=13, hours=23) < row.expires_at - utcnow() <= timedelta(days=14)
    assert sessions.resolve_session(token) == user
    # The login code is single use and short-lived.
    with pytest.raises(sessions.BadToken):
        sessions.complete_login(code)
    code2 = sessions.authenticate("ada@example.com", STRONG)
    _age_tokens(TokenPurpose.login_code, timedelta(seconds=1))
    with pytest.raises(sessions.BadToken):
        sessions.complete_login(code2)


def test_wrong_password_and_unknown_address_say_the_same(db, make_user) -> None:
    make_user("ada@example.com")
    with pytest.raises(InvalidInput) as wrong:
        sessions.authenticate("ada@example.com", "not the password", ip="10.0.0.1")
    with pytest.raises(InvalidInput) as unknown:
        sessions.authenticate("nobody@example.com", "not the password", ip="10.0.0.2")
    assert wrong.value.errors == unknown.value.errors == {"__all__": sessions.SIGN_IN_FAILED}


def test_unknown_address_costs_a_hash(db, make_user, monkeypatch) -> None:
    """Known and unknown addresses both pay one full argon2 verification with the same parameters, so
    the answer time tells nothing (checked structurally: tests never assert timings)."""
    make_user("ada@example.com")
    real_verify = passwords._argon2_verify
    calls: list[str] = []

    def spy(password: str, hashed: str) -> bool:
        calls.append(hashed.rsplit("$", 2)[0])  # algorithm, version and cost parameters, without salt/hash
        return real_verify(password, hashed)

    monkeypatch.setattr(passwords, "_argon2_verify", spy)
    messages = []
    for email in ("ada@example.com", "nobody@example.com"):
        with pytest.raises(InvalidInput) as err:
            sessions.authenticate(email, "not the password", ip=str(uuid.uuid4()))
        messages.append(err.value.message)
    assert messages[0] == messages[1]
    assert len(calls) == 2, calls
    assert calls[0] == calls[1] and calls[0].startswith("$argon2id$"), calls


def test_failed_sign_ins_are_limited_per_address_with_growing_waits(db, make_user) -> None:
    make_user("ada@example.com")
    for _ in range(5):
        with pytest.raises(InvalidInput):
            sessions.authenticate("ada@example.com", "wrong password!", ip="10.2.0.1")
    with pytest.raises(RateLimited) as first:
        sessions.authenticate("ada@example.com", STRONG, ip="10.2.0.1")  # this client waits, right or not
    assert 0 < first.value.retry_after <= 60
    # The owner elsewhere is not locked out by someone else's failures, nor is another address.
    assert sign_in("ada@example.com", ip="10.2.1.1")
    make_user("bob@example.com")
    sign_in("bob@example.com", ip="10.2.0.1")
    # Past the first tier, the next tiers make the wait grow.
    limiter_items = throttle.sign_in_by_address_and_client.items
    assert [int(i.get_expiry()) for i in limiter_items] == [60, 900, 3600, 86400]
    pair = throttle.pair_key("ada@example.com", "10.2.0.1")
    for _ in range(10):
        throttle.sign_in_by_address_and_client.hit(pair)
    with pytest.raises(RateLimited) as later:
        sessions.authenticate("ada@example.com", STRONG, ip="10.2.0.1")
    assert later.value.retry_after > 60


def test_failed_sign_ins_are_limited_per_ip(db, make_user) -> None:
    make_user("ada@example.com")
    for i in range(20):
        with pytest.raises(InvalidInput):
            sessions.authenticate(f"nobody{i}@example.com", "wrong password!", ip="10.3.0.1")
    with pytest.raises(RateLimited):
        sessions.authenticate("ada@example.com", STRONG, ip="10.3.0.1")
    assert sign_in("ada@example.com", ip="10.3.0.2")


def test_success_clears_address_failures(db, make_user) -> None:
    make_user("ada@example.com")
    for _ in range(4):
        with pytest.raises(InvalidInput):
            sessions.authenticate("ada@example.com", "wrong password!", ip="10.0.0.1")
    sign_in("ada@example.com", ip="10.0.0.1")
    for _ in range(4):
        with pytest.raises(InvalidInput):
            sessions.authenticate("ada@example.com", "wrong password!", ip="10.0.0.1")


def test_unverified_user_can_sign_in_but_is_not_verified(db, make_user) -> None:
    make_user("ada@example.com", verified=False)
    token = sign_in("ada@example.com")
    user = sessions.resolve_session(token)
    assert user is not None and not user.is_verified
    with pytest.raises(NotVerified):
        sessions.check_verified(user)


# ── sessions ───────────────────────────────────────────────────────────────────────────────────────────


def test_session_expiry_is_sliding(db, make_user) -> None:
    make_user("ada@example.com")
    token = sign_in("ada@example.com")
    past = utcnow() - timedelta(days=13)
    with session_scope(write=True) as session:
        session.exec(update(UserSession).values(last_seen_at=past, expires_at=past + sessions.SESSION_TTL))
    assert sessions.resolve_session(token) is not None
    with session_scope() as session:
        row = session.exec(select(UserSession)).one()
    assert row.expires_at > utcnow() + timedelta(days=13, hours=23)
    with session_scope(write=True) as session:
        session.exec(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert sessions.resolve_session(token) is None
    assert sessions.purge_expired() >= 1


def test_session_has_an_absolute_lifetime(db, make_user) -> None:
    make_user("ada@example.com")
    token = sign_in("ada@example.com")
    born = utcnow() - sessions.SESSION_MAX_AGE + timedelta(hours=1)
    with session_scope(write=True) as session:
        session.exec(
            update(UserSession).values(
                created_at=born,
                last_seen_at=utcnow() - timedelta(minutes=5),
                expires_at=utcnow() + timedelta(days=3),
            )
        )
    assert sessions.resolve_session(token) is not None
    with session_scope() as session:
        row = session.exec(select(UserSession)).one()
    assert row.expires_at <= born + sessions.SESSION_MAX_AGE + timedelta(seconds=1)  # no sliding past 90 days


def test_resolve_session_rejects_garbage(db) -> None:
    for token in (None, "", "nope", "x" * 500):
        assert sessions.resolve_session(token) is None


def test_sign_out_and_sign_out_everywhere(db, make_user) -> None:
    user = make_user("ada@example.com")
    a, b, c = (sign_in("ada@example.com", user_agent=f"ua{i}") for i in range(3))
    sessions.sign_out(a)
    assert sessions.resolve_session(a) is None and sessions.resolve_session(b) is not None
    listed = sessions.list_sessions(user.id, current_secret=b)
    assert {s.user_agent for s in listed} == {"ua1", "ua2"}
    assert [s.is_current for s in listed if s.user_agent == "ua1"] == [True]
    assert sessions.sign_out_everywhere(user.id, actor=Actor.user(user), except_secret=b) == 1
    assert sessions.resolve_session(c) is None and sessions.resolve_session(b) is not None
    assert sessions.sign_out_everywhere(user.id, actor=Actor.user(user)) == 1
    assert sessions.resolve_session(b) is None


# ── password reset and change ──────────────────────────────────────────────────────────────────────────


def test_password_reset_answers_the_same_and_is_single_use_1h(db, make_user, mailbox) -> None:
    make_user("ada@example.com")
    s1, s2 = sign_in("ada@example.com"), sign_in("ada@example.com")
    known = service.request_password_reset("ada@example.com", ip="10.0.0.1")
    unknown = service.request_password_reset("nobody@example.com", ip="10.0.0.1")
    assert known.replace("ada@", "X@") == unknown.replace("nobody@", "X@")
    assert mailbox("nobody@example.com") == []
    mail = mailbox("ada@example.com")[-1]
    assert mail.template == "password_reset"
    token = link_token(mail, "/reset-password")
    with session_scope() as session:
        row = session.exec(select(AccountToken).where(AccountToken.purpose == "password_reset")).one()
    assert row.expires_at - row.created_at == timedelta(hours=1)
    service.check_reset_token(token)
    with pytest.raises(InvalidInput):
        service.reset_password(token, "short")
    service.reset_password(token, "a brand new passphrase")
    # Every session is gone, the old password is dead, the link is used.
    assert sessions.resolve_session(s1) is None and sessions.resolve_session(s2) is None
    with pytest.raises(InvalidInput):
        sessions.authenticate("ada@example.com", STRONG)
    assert sign_in("ada@example.com", "a brand new passphrase")
    with pytest.raises(sessions.BadToken) as exc:
        service.reset_password(token, "yet another passphrase")
    assert exc.value.reason == "used"


def test_password_reset_link_expires(db, make_user, mailbox) -> None:
    make_user("ada@example.com")
    service.request_password_reset("ada@example.com")
    token = link_token(mailbox("ada@example.com")[-1], "/reset-password")
    _age_tokens(TokenPurpose.password_reset, timedelta(seconds=1))
    with pytest.raises(sessions.BadToken) as exc:
        service.check_reset_token(token)
    assert exc.value.reason == "expired"
    with pytest.raises(sessions.BadToken):
        service.reset_password(token, "a brand new passphrase")


def test_change_password_revokes_other_sessions(db, make_user) -> None:
    user = make_user("ada@example.com")
    mine, other = sign_in("ada@example.com"), sign_in("ada@example.com")
    with pytest.raises(InvalidInput) as exc:
        service.change_password(
            user.id, "wrong current!", "a brand new passphrase", actor=Actor.user(user), keep_secret=mine
        )
    assert "current_password" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        service.change_password(user.id, STRONG, "password123", actor=Actor.user(user), keep_secret=mine)
    assert "new_password" in exc.value.errors
    assert (
        service.change_password(
            user.id, STRONG, "a brand new passphrase", actor=Actor.user(user), keep_secret=mine
        )
        == 1
    )
    assert sessions.resolve_session(mine) is not None and sessions.resolve_session(other) is None


# ── account page ───────────────────────────────────────────────────────────────────────────────────────


def test_change_name(db, make_user) -> None:
    user = make_user("ada@example.com")
    assert (
        service.change_display_name(user.id, "  Countess   of Lovelace ", actor=Actor.user(user)).display_name
        == "Countess of Lovelace"
    )
    with pytest.raises(InvalidInput):
        service.change_display_name(user.id, "", actor=Actor.user(user))
    with pytest.raises(InvalidInput):
        service.change_display_name(user.id, "x" * 101, actor=Actor.user(user))


def test_change_email_needs_password_and_reverification(db, make_user, mailbox) -> None:
    user = make_user("ada@example.com")
    with pytest.raises(InvalidInput):
        service.request_email_change(user.id, "new@example.com", "wrong password!", actor=Actor.user(user))
    message = service.request_email_change(user.id, "New@Example.com", STRONG, actor=Actor.user(user))
    assert "new@example.com" in message
    assert _user("ada@example.com").email == "ada@example.com"  # unchanged until confirmed
    mail = mailbox("new@example.com")[-1]
    assert mail.template == "email_change"
    outcome = service.confirm_email_token(link_token(mail, "/verify"))
    assert outcome.kind == "email_changed"
    assert service.get_user(user.id).email == "new@example.com"
    assert service.get_user(user.id).is_verified


def test_change_email_to_taken_address_says_the_same(db, make_user, mailbox) -> None:
    user = make_user("ada@example.com")
    make_user("bob@example.com")
    free = service.request_email_change(
        user.id, "free@example.com", STRONG, actor=Actor.user(user), ip="10.0.0.1"
    )
    taken = service.request_email_change(
        user.id, "bob@example.com", STRONG, actor=Actor.user(user), ip="10.0.0.2"
    )
    assert free.replace("free@", "X@") == taken.replace("bob@", "X@")
    assert mailbox("bob@example.com")[-1].template == "account_exists"
    assert service.get_user(user.id).email == "ada@example.com"


def test_export_contains_profile_sessions_and_registered_exporters(db, make_user) -> None:
    user = make_user("ada@example.com")
    sign_in("ada@example.com", user_agent="Firefox")
    service.data_exporters["registrations"] = lambda session, user_id: [{"user": str(user_id)}]
    try:
        data = privacy.export_user_data(user.id)
    finally:
        service.data_exporters.pop("registrations")
    assert data["profile"]["email"] == "ada@example.com"
    assert data["sessions"][0]["user_agent"] == "Firefox"
    assert data["registrations"] == [{"user": str(user.id)}]
    assert "password_hash" not in str(data) and "token" not in str(data)


def test_delete_account_anonymises_runs_hooks_in_transaction_and_ends_sessions(db, make_user) -> None:
    user = make_user("ada@example.com")
    token = sign_in("ada@example.com")
    calls = []

    def hook(session, user_id):
        calls.append(user_id)
        assert session.get(User, user_id).email == "ada@example.com"  # runs before anonymising

    service.on_user_delete.append(hook)
    try:
        with pytest.raises(InvalidInput):
            privacy.delete_account(user.id, "wrong password!", actor=Actor.user(user))
        assert calls == []
        privacy.delete_account(user.id, STRONG, actor=Actor.user(user))
    finally:
        service.on_user_delete.remove(hook)
    assert calls == [user.id]
    with session_scope() as session:
        row = session.get(User, user.id)
        assert session.exec(select(AccountToken).where(AccountToken.user_id == user.id)).all() == []
    assert row.email != "ada@example.com" and "ada" not in row.display_name.lower()
    assert row.password_hash is None and row.deleted_at is not None
    assert sessions.resolve_session(token) is None
    with pytest.raises(InvalidInput):
        sessions.authenticate("ada@example.com", STRONG)
    with pytest.raises(NotAuthenticated):
        service.get_user(user.id)
    # The address is free again.
    throttle.reset()
    service.sign_up("ada@example.com", "Ada again", STRONG)


def test_failing_delete_hook_rolls_everything_back(db, make_user) -> None:
    user = make_user("ada@example.com")

    def broken(session, user_id):
        raise RuntimeError("boom")

    service.on_user_delete.append(broken)
    try:
        with pytest.raises(RuntimeError):
            privacy.delete_account(user.id, STRONG, actor=Actor.user(user))
    finally:
        service.on_user_delete.remove(broken)
    assert service.get_user(user.id).email == "ada@example.com"


# ── admin bootstrap and authorization helpers ──────────────────────────────────────────────────────────


def test_create_admin_new_and_promote(db, make_user) -> None:
    link = service.create_admin("Root@Example.com", actor=CLI)
    assert link.startswith("http") and "/reset-password?token=" in link
    root = _user("root@example.com")
    assert root.is_admin and root.is_verified and root.password_hash is None
    with pytest.raises(InvalidInput):  # no password until the link is used
        sessions.authenticate("root@example.com", "")
    token = link.split("token=", 1)[1]
    service.reset_password(token, "the admin passphrase")
    assert sessions.resolve_session(sign_in("root@example.com", "the admin passphrase")).is_admin

    user = make_user("ada@example.com", verified=False)
    service.create_admin("ada@example.com", actor=CLI)
    promoted = service.get_user(user.id)
    assert promoted.is_admin and promoted.is_verified


def test_check_helpers() -> None:
    plain = sessions.CurrentUser(uuid.uuid4(), "a@b.se", "A", is_admin=False, is_verified=True)
    unverified = sessions.CurrentUser(uuid.uuid4(), "a@b.se", "A", is_admin=False, is_verified=False)
    admin = sessions.CurrentUser(uuid.uuid4(), "a@b.se", "A", is_admin=True, is_verified=True)
    with pytest.raises(NotAuthenticated):
        sessions.check_user(None)
    with pytest.raises(NotVerified):
        sessions.check_verified(unverified)
    with pytest.raises(Forbidden):
        sessions.check_admin(plain)
    assert sessions.check_admin(admin) is admin and sessions.check_verified(plain) is plain


def test_list_users_and_set_admin(db, make_user) -> None:
    root = make_user("root@example.com", admin=True, display_name="Root")
    ada = make_user("ada@example.com", display_name="Ada 100%_x")
    make_user("bob@example.com", display_name="Bob")
    rows, total = service.list_users()
    assert total == 3 and {r.email for r in rows} == {
        "root@example.com",
        "ada@example.com",
        "bob@example.com",
    }
    assert [r.email for r in service.list_users("100%_")[0]] == ["ada@example.com"]
    assert service.list_users("%")[1] == 1  # wildcards are literal
    rows, total = service.list_users(limit=1, offset=1)
    assert len(rows) == 1 and total == 3
    with pytest.raises(Forbidden):
        service.set_admin(root.id, False, actor=Actor.user(ada))
    assert service.set_admin(ada.id, True, actor=Actor.user(root)).is_admin
    with pytest.raises(InvalidInput):
        service.set_admin(root.id, False, actor=Actor.user(root))
    with pytest.raises(service.NotFound):
        service.set_admin(uuid.uuid4(), True, actor=Actor.user(root))


def test_purge_task_runs_and_survives_errors(db, make_user, monkeypatch) -> None:
    import asyncio

    from khala.accounts import tasks

    calls = []

    def fake_purge():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return 2

    monkeypatch.setattr(tasks.sessions, "purge_expired", fake_purge)

    async def run_a_bit():
        task = asyncio.create_task(tasks.purge_expired_forever(interval=0.01))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(asyncio.wait_for(run_a_bit(), 5))
    assert len(calls) >= 3


def test_rate_limits_are_shared_through_redis(redis_url) -> None:
    throttle.use_storage(redis_url)
    throttle.reset()
    try:
        ident = f"redis-{uuid.uuid4()}@example.com"
        for _ in range(10):
            throttle.sign_in_by_address.hit(ident)
        # A second limiter over the same Redis (another worker) sees the same counters.
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        other = MovingWindowRateLimiter(storage_from_string(redis_url))
        assert not other.test(throttle.sign_in_by_address.items[0], "login-addr", ident)
        with pytest.raises(RateLimited):
            throttle.sign_in_by_address.check(ident)
    finally:
        throttle.reset()
        throttle.use_storage("memory://")
