"""Accounts: sign-up, verification, sign-in sessions, password reset, profile changes, deletion.

Plain, synchronous Python. Hashing and database work block, so Reflex handlers and async routes call these
functions through ``asyncio.to_thread`` (``khala.accounts.auth`` does it for the session helpers).

Secrets (session tokens, mailed links, login codes) are 32 random bytes from ``secrets``; only their SHA-256
is stored, so a copy of the database opens no account. Messages never reveal whether an address has an account.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import threading
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from passlib.hash import argon2
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from khala.accounts import throttle
from khala.accounts.models import AccountToken, TokenPurpose, User, UserSession
from khala.db import session_scope, utcnow
from khala.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, NotVerified
from khala.mail import service as mail
from khala.settings import get_settings

log = logging.getLogger(__name__)

# ── parameters ─────────────────────────────────────────────────────────────────────────────────────────
# argon2id, RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes (≈110 ms on the dev box).
PASSWORD_HASHER = argon2.using(type="ID", memory_cost=64 * 1024, rounds=3, parallelism=4, salt_size=16)
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
SESSION_TTL = timedelta(days=14)  # idle timeout, sliding: every use pushes it forward
SESSION_MAX_AGE = timedelta(days=90)  # absolute: sign in again after this, however active (= cookie Max-Age)
SESSION_TOUCH_EVERY = timedelta(minutes=1)  # sliding expiry: refresh at most once a minute per session
VERIFY_TTL = timedelta(hours=24)
EMAIL_CHANGE_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
ADMIN_SETUP_TTL = timedelta(hours=1)
LOGIN_CODE_TTL = timedelta(minutes=2)

SIGN_IN_FAILED = "Wrong e-mail address or password."

# The most common passwords of at least 10 characters (shorter ones fail the length rule anyway).
COMMON_PASSWORDS = frozenset(
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SAFE_NEXT_RE = re.compile(r"^/(?![/\\])[^\s]*$")

# ── hooks other domains register into (accounts imports none of them) ──────────────────────────────────
# Called inside the deleting transaction with (session, user_id): e.g. registrations cancels the user's
# active registrations and gives their seats back, so seat counts stay right.
on_user_delete: list[Callable[[Session, uuid.UUID], None]] = []
# "download my data": name → function(session, user_id) returning JSON-serialisable data.
data_exporters: dict[str, Callable[[Session, uuid.UUID], Any]] = {}


@dataclass(frozen=True)
class CurrentUser:
    """Who is signed in, as handlers need it. Never carries secrets."""

    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    is_verified: bool


@dataclass(frozen=True)
class SessionInfo:
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str
    is_current: bool


@dataclass(frozen=True)
class TokenOutcome:
    """What opening a mailed link did: ``kind`` is "verified" or "email_changed"."""

    kind: str
    email: str


class BadToken(InvalidInput):
    """A link that cannot be used; ``reason`` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__({"token": message})
        self.reason = reason


# ── small helpers ──────────────────────────────────────────────────────────────────────────────────────


def normalise_email(raw: str) -> str:
    return unicodedata.normalize("NFKC", (raw or "").strip()).lower()


def validate_email(raw: str) -> str:
    email = normalise_email(raw)
    if not email:
        raise InvalidInput({"email": "Enter your e-mail address."})
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise InvalidInput({"email": "Enter a valid e-mail address, like name@example.com."})
    return email


def validate_display_name(raw: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if not name:
        raise InvalidInput({"display_name": "Enter the name others should see."})
    if len(name) > 100:
        raise InvalidInput({"display_name": "Use at most 100 characters."})
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidInput({"display_name": "The name contains characters we cannot show."})
    return name


def validate_password(password: str, email: str = "", *, field: str = "password") -> str:
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput({field: f"Use at least {PASSWORD_MIN} characters."})
    if len(password) > PASSWORD_MAX:
        raise InvalidInput({field: f"Use at most {PASSWORD_MAX:,} characters."})
    lowered = password.strip().lower()
    email = normalise_email(email)
    if email and (lowered == email or lowered == email.split("@", 1)[0]):
        raise InvalidInput({field: "Do not use your e-mail address as password."})
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        raise InvalidInput({field: "This password is too common. Choose one that is harder to guess."})
    return password


# Each argon2 run takes 64 MiB and ~0.1 s of a core: cap how many run at once, so a burst of sign-ins
# queues instead of exhausting memory (the rate limits bound the burst per address and IP).
_HASH_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def hash_password(password: str) -> str:
    with _HASH_SLOTS:
        return PASSWORD_HASHER.hash(password)


def _argon2_verify(password: str, password_hash: str) -> bool:
    with _HASH_SLOTS:
        return PASSWORD_HASHER.verify(password, password_hash)


_dummy_lock = threading.Lock()
_dummy_hash: str | None = None


def _dummy_verify(password: str) -> None:
    """Spend the same time as a real check when there is no user (no timing oracle)."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
    _argon2_verify(password or "-", _dummy_hash)


def _verify_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        _dummy_verify(password)
        return False
    try:
        return _argon2_verify(password, user.password_hash)
    except (ValueError, TypeError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def safe_next(raw: str | None, default: str = "/") -> str:
    """A same-site path to go back to after sign-in; anything else (URLs, //host, \\host) → ``default``."""
    if not raw or len(raw) > 500 or not _SAFE_NEXT_RE.match(raw):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in raw):
        return default
    if parts.path.startswith(("/auth/", "/_")):
        return default
    return raw


def _current(user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_admin=user.is_admin,
        is_verified=user.is_verified,
    )


def _active_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotAuthenticated("Please sign in again.")
    return user


def _user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email, User.deleted_at.is_(None))).first()  # type: ignore[union-attr]


def _issue_token(
    session: Session, user: User, purpose: TokenPurpose, ttl: timedelta, *, new_email: str | None = None
) -> str:
    """A fresh single-use token; earlier unused tokens of the same purpose stop working."""
    now = utcnow()
    session.exec(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=now)
    )
    secret = new_secret()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_secret(secret),
            new_email=new_email,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return secret


def _take_token(session: Session, secret: str, purposes: tuple[TokenPurpose, ...]) -> AccountToken:
    """Find and burn a token; raise BadToken if it is unknown, used or expired."""
    if not secret or len(secret) > 200:
        raise BadToken("unknown", "This link is not valid. Ask for a new one.")
    token = session.exec(select(AccountToken).where(AccountToken.token_hash == hash_secret(secret))).first()
    if token is None or token.purpose not in {p.value for p in purposes}:
        raise BadToken("unknown", "This link is not valid. Ask for a new one.")
    now = utcnow()
    if token.used_at is not None:
        raise BadToken("used", "This link has already been used. Ask for a new one if you still need it.")
    if token.expires_at <= now:
        raise BadToken("expired", "This link has expired. Ask for a new one.")
    # Conditional update: two concurrent clicks cannot both use it.
    burnt = session.exec(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=now)
    )
    if burnt.rowcount != 1:
        raise BadToken("used", "This link has already been used. Ask for a new one if you still need it.")
    return token


def _mail(session: Session, user_or_email: User | str, template: str, subject: str, **context: Any) -> None:
    to = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    if not isinstance(user_or_email, str):
        context.setdefault("display_name", user_or_email.display_name)
    mail.enqueue(session, to=to, subject=subject, template=template, context=context)


def _ip(ip: str | None) -> str:
    return (ip or "unknown")[:64]


# ── sign-up and verification ───────────────────────────────────────────────────────────────────────────


def sign_up(email: str, display_name: str, password: str, *, ip: str | None = None) -> str:
    """Create an unverified account and mail a 24-hour verification link.

    If the address already has an account nothing changes and its owner gets an "account exists" mail; the
    answer (and the time it takes) is the same, so sign-up reveals nothing. Returns the message to show.
    """
    errors: dict[str, str] = {}
    for key, check in (
        ("email", lambda: validate_email(email)),
        ("display_name", lambda: validate_display_name(display_name)),
        ("password", lambda: validate_password(password, email)),
    ):
        try:
            check()
        except InvalidInput as exc:
            errors.update({key: exc.errors.get(key, exc.message)})
    if errors:
        raise InvalidInput(errors)
    email = validate_email(email)
    name = validate_display_name(display_name)
    throttle.signups_by_ip.consume(_ip(ip))
    throttle.mails_by_address.consume(email)
    password_hash = hash_password(password)  # hashed in both branches: same time either way
    try:
        with session_scope(write=True) as session:
            existing = session.exec(select(User).where(User.email == email)).first()
            if existing is not None:
                if existing.deleted_at is None:
                    _mail(session, existing, "account_exists", "You already have a Khala account")
            else:
                user = User(email=email, display_name=name, password_hash=password_hash)
                session.add(user)
                session.flush()
                secret = _issue_token(session, user, TokenPurpose.verify_email, VERIFY_TTL)
                _mail(
                    session,
                    user,
                    "verify_email",
                    "Confirm your e-mail address",
                    verify_path=f"/verify?token={secret}",
                    expires_hours=int(VERIFY_TTL.total_seconds() // 3600),
                )
    except IntegrityError:
        # A concurrent sign-up with the same address won the race: same answer as for an existing account.
        pass
    return signed_up_message(email)


def signed_up_message(email: str) -> str:
    return (
        f"Almost done: we sent a link to {email}. Open it within 24 hours to confirm your address. "
        "No mail? Check the spam folder or ask for a new link."
    )


def resend_verification(email: str, *, ip: str | None = None) -> str:
    """Mail a new verification link if the address has an unverified account. Same answer either way."""
    email = validate_email(email)
    throttle.mail_requests_by_ip.consume(_ip(ip))
    throttle.mails_by_address.consume(email)
    with session_scope(write=True) as session:
        user = _user_by_email(session, email)
        if user is not None and not user.is_verified:
            _send_verification(session, user)
    return f"If {email} has an account waiting for confirmation, we sent it a new link."


def resend_verification_for(user_id: uuid.UUID) -> str:
    """The signed-in, unverified user asks for a new link."""
    with session_scope(write=True) as session:
        user = _active_user(session, user_id)
        if user.is_verified:
            return "Your address is already confirmed."
        throttle.mails_by_address.consume(user.email)
        _send_verification(session, user)
        return f"We sent a new link to {user.email}."


def _send_verification(session: Session, user: User) -> None:
    secret = _issue_token(session, user, TokenPurpose.verify_email, VERIFY_TTL)
    _mail(
        session,
        user,
        "verify_email",
        "Confirm your e-mail address",
        verify_path=f"/verify?token={secret}",
        expires_hours=int(VERIFY_TTL.total_seconds() // 3600),
    )


def confirm_email_token(secret: str) -> TokenOutcome:
    """Open a verification or e-mail-change link (single use).

    A verification link opened again after it worked (mail scanners often open links first) answers
    "already confirmed" instead of an error; it changes nothing.
    """
    try:
        return _confirm_email_token(secret)
    except BadToken as exc:
        if exc.reason != "used":
            raise
        with session_scope() as session:
            token = session.exec(
                select(AccountToken).where(AccountToken.token_hash == hash_secret(secret))
            ).one()
            user = session.get(User, token.user_id)
            if (
                token.purpose == TokenPurpose.verify_email.value
                and user is not None
                and user.deleted_at is None
                and user.is_verified
            ):
                return TokenOutcome("verified", user.email)
        raise


def _confirm_email_token(secret: str) -> TokenOutcome:
    with session_scope(write=True) as session:
        token = _take_token(session, secret, (TokenPurpose.verify_email, TokenPurpose.email_change))
        user = session.get(User, token.user_id)
        if user is None or user.deleted_at is not None:
            raise BadToken("unknown", "This link is not valid. Ask for a new one.")
        now = utcnow()
        if token.purpose == TokenPurpose.email_change.value:
            new_email = token.new_email or ""
            if _user_by_email(session, new_email) is not None:
                raise InvalidInput({"token": f"{new_email} is already used by another account."})
            user.email = new_email
            user.email_verified_at = now
            session.add(user)
            try:
                session.flush()
            except IntegrityError as exc:
                raise InvalidInput({"token": f"{new_email} is already used by another account."}) from exc
            return TokenOutcome("email_changed", new_email)
        if user.email_verified_at is None:
            user.email_verified_at = now
            session.add(user)
        return TokenOutcome("verified", user.email)


# ── sign-in, sessions, sign-out ────────────────────────────────────────────────────────────────────────


def authenticate(email: str, password: str, *, ip: str | None = None) -> str:
    """Check e-mail and password; return a one-time login code (valid 2 minutes) for ``/auth/complete``.

    Unknown address and wrong password give the same message and take the same time. Failures are counted
    per address and per client IP; when a tier runs out the caller gets RateLimited with the wait.
    """
    address = normalise_email(email)[:254] or "-"
    client = _ip(ip)
    throttle.login_failures_by_address.check(address)
    throttle.login_failures_by_ip.check(client)
    if len(password or "") > PASSWORD_MAX:
        password = (password or "")[:PASSWORD_MAX]  # hashing megabytes would be a free DoS
    with session_scope() as session:
        user = _user_by_email(session, address)
    ok = _verify_password(user, password or "")
    if not ok or user is None:
        throttle.login_failures_by_address.hit(address)
        throttle.login_failures_by_ip.hit(client)
        raise InvalidInput({"__all__": SIGN_IN_FAILED})
    with session_scope(write=True) as session:
        fresh = _active_user(session, user.id)
        if PASSWORD_HASHER.needs_update(fresh.password_hash or ""):
            fresh.password_hash = hash_password(password)
            session.add(fresh)
        code = _issue_token(session, fresh, TokenPurpose.login_code, LOGIN_CODE_TTL)
    throttle.login_failures_by_address.clear(address)
    return code


def complete_login(code: str, *, user_agent: str = "", ip: str | None = None) -> tuple[str, CurrentUser]:
    """Exchange a login code for a new session; returns (session token for the cookie, user)."""
    with session_scope(write=True) as session:
        token = _take_token(session, code, (TokenPurpose.login_code,))
        user = _active_user(session, token.user_id)
        secret = _create_session(session, user, user_agent=user_agent, ip=ip)
        return secret, _current(user)


def _create_session(session: Session, user: User, *, user_agent: str = "", ip: str | None = None) -> str:
    now = utcnow()
    secret = new_secret()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_secret(secret),
            created_at=now,
            last_seen_at=now,
            expires_at=min(now + SESSION_TTL, now + SESSION_MAX_AGE),
            user_agent=(user_agent or "")[:300],
            ip=_ip(ip) if ip else "",
        )
    )
    return secret


def resolve_session(secret: str | None) -> CurrentUser | None:
    """The user a session token belongs to, or None. Extends the session (sliding 14 days, at most 90 days
    after sign-in)."""
    if not secret or len(secret) > 200:
        return None
    token_hash = hash_secret(secret)
    with session_scope() as session:
        row = session.exec(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
            .where(UserSession.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    if user_session.expires_at <= now or user.deleted_at is not None:
        return None
    if now - user_session.last_seen_at >= SESSION_TOUCH_EVERY:
        with session_scope(write=True) as session:
            session.exec(
                update(UserSession)
                .where(UserSession.id == user_session.id)
                .values(
                    last_seen_at=now,
                    expires_at=min(now + SESSION_TTL, user_session.created_at + SESSION_MAX_AGE),
                )
            )
    return _current(user)


def session_id_for(secret: str | None) -> uuid.UUID | None:
    if not secret:
        return None
    with session_scope() as session:
        row = session.exec(
            select(UserSession.id).where(UserSession.token_hash == hash_secret(secret))
        ).first()
    return row


def sign_out(secret: str | None) -> None:
    """Delete the session a token belongs to (no error if there is none)."""
    if not secret:
        return
    with session_scope(write=True) as session:
        session.exec(delete(UserSession).where(UserSession.token_hash == hash_secret(secret)))


def sign_out_everywhere(user_id: uuid.UUID, *, except_secret: str | None = None) -> int:
    """Delete every session of the user (but the current one, if given); returns how many."""
    with session_scope(write=True) as session:
        stmt = delete(UserSession).where(UserSession.user_id == user_id)
        if except_secret:
            stmt = stmt.where(UserSession.token_hash != hash_secret(except_secret))
        return session.exec(stmt).rowcount or 0


def list_sessions(user_id: uuid.UUID, *, current_secret: str | None = None) -> list[SessionInfo]:
    now = utcnow()
    current_hash = hash_secret(current_secret) if current_secret else None
    with session_scope() as session:
        rows = session.exec(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.expires_at > now)
            .order_by(UserSession.last_seen_at.desc())  # type: ignore[attr-defined]
        ).all()
    return [
        SessionInfo(
            id=r.id,
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            expires_at=r.expires_at,
            user_agent=r.user_agent,
            ip=r.ip,
            is_current=r.token_hash == current_hash,
        )
        for r in rows
    ]


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired sessions and tokens older than a day past expiry (run periodically)."""
    now = now or utcnow()
    with session_scope(write=True) as session:
        n = session.exec(delete(UserSession).where(UserSession.expires_at <= now)).rowcount or 0
        n += (
            session.exec(
                delete(AccountToken).where(AccountToken.expires_at <= now - timedelta(days=1))
            ).rowcount
            or 0
        )
    return n


# ── password reset ─────────────────────────────────────────────────────────────────────────────────────


def request_password_reset(email: str, *, ip: str | None = None) -> str:
    """Mail a 1-hour reset link if the address has an account. Same answer either way."""
    email = validate_email(email)
    throttle.mail_requests_by_ip.consume(_ip(ip))
    throttle.mails_by_address.consume(email)
    with session_scope(write=True) as session:
        user = _user_by_email(session, email)
        if user is not None:
            _send_reset(session, user, RESET_TTL)
    return reset_requested_message(email)


def reset_requested_message(email: str) -> str:
    return (
        f"If {email} belongs to an account, we sent it a link to choose a new password. "
        "The link is valid for 1 hour."
    )


def _send_reset(session: Session, user: User, ttl: timedelta) -> str:
    secret = _issue_token(session, user, TokenPurpose.password_reset, ttl)
    _mail(
        session,
        user,
        "password_reset",
        "Choose a new password",
        reset_path=f"/reset-password?token={secret}",
        expires_minutes=int(ttl.total_seconds() // 60),
    )
    return secret


def check_reset_token(secret: str) -> None:
    """Raise BadToken if a reset link cannot be used (without using it), so the page can say so up front."""
    if not secret or len(secret) > 200:
        raise BadToken("unknown", "This link is not valid. Ask for a new one.")
    with session_scope() as session:
        token = session.exec(
            select(AccountToken).where(AccountToken.token_hash == hash_secret(secret))
        ).first()
    if token is None or token.purpose != TokenPurpose.password_reset.value:
        raise BadToken("unknown", "This link is not valid. Ask for a new one.")
    if token.used_at is not None:
        raise BadToken("used", "This link has already been used. Ask for a new one if you still need it.")
    if token.expires_at <= utcnow():
        raise BadToken("expired", "This link has expired. Ask for a new one.")


def reset_password(secret: str, new_password: str) -> str:
    """Set a new password with a reset link (single use). Every session of the user is ended."""
    with session_scope() as session:
        token = session.exec(
            select(AccountToken).where(AccountToken.token_hash == hash_secret(secret or ""))
        ).first()
        user = session.get(User, token.user_id) if token is not None else None
    validate_password(new_password, user.email if user else "")
    password_hash = hash_password(new_password)
    with session_scope(write=True) as session:
        token = _take_token(session, secret, (TokenPurpose.password_reset,))
        user = _active_user(session, token.user_id)
        user.password_hash = password_hash
        # The link reached the mailbox, which proves the address.
        user.email_verified_at = user.email_verified_at or utcnow()
        session.add(user)
        session.exec(delete(UserSession).where(UserSession.user_id == user.id))
        session.exec(
            update(AccountToken)
            .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))  # type: ignore[union-attr]
            .values(used_at=utcnow())
        )
        return user.email


# ── the account page ───────────────────────────────────────────────────────────────────────────────────


def get_user(user_id: uuid.UUID) -> CurrentUser:
    with session_scope() as session:
        return _current(_active_user(session, user_id))


def change_display_name(user_id: uuid.UUID, display_name: str) -> CurrentUser:
    name = validate_display_name(display_name)
    with session_scope(write=True) as session:
        user = _active_user(session, user_id)
        user.display_name = name
        session.add(user)
        return _current(user)


def _require_password(user_id: uuid.UUID, password: str, field: str = "current_password") -> User:
    with session_scope() as session:
        user = _active_user(session, user_id)
    if not _verify_password(user, (password or "")[:PASSWORD_MAX]):
        raise InvalidInput({field: "That is not your current password."})
    return user


def change_password(
    user_id: uuid.UUID, current_password: str, new_password: str, *, keep_secret: str | None = None
) -> int:
    """Change the password; every other session is ended. Returns how many were ended."""
    user = _require_password(user_id, current_password)
    validate_password(new_password, user.email, field="new_password")
    password_hash = hash_password(new_password)
    with session_scope(write=True) as session:
        fresh = _active_user(session, user_id)
        fresh.password_hash = password_hash
        session.add(fresh)
        stmt = delete(UserSession).where(UserSession.user_id == user_id)
        if keep_secret:
            stmt = stmt.where(UserSession.token_hash != hash_secret(keep_secret))
        return session.exec(stmt).rowcount or 0


def request_email_change(user_id: uuid.UUID, new_email: str, password: str, *, ip: str | None = None) -> str:
    """Mail a confirmation link to the new address; the address changes when it is opened.

    If the new address already has an account, its owner is told instead and the answer stays the same.
    """
    new_email = validate_email(new_email)
    user = _require_password(user_id, password, field="password")
    if new_email == user.email:
        raise InvalidInput({"email": "That is already your address."})
    throttle.mail_requests_by_ip.consume(_ip(ip))
    throttle.mails_by_address.consume(new_email)
    with session_scope(write=True) as session:
        user = _active_user(session, user_id)
        other = session.exec(select(User).where(User.email == new_email)).first()
        if other is not None:
            if other.deleted_at is None:
                _mail(session, other, "account_exists", "You already have a Khala account")
        else:
            secret = _issue_token(
                session, user, TokenPurpose.email_change, EMAIL_CHANGE_TTL, new_email=new_email
            )
            _mail(
                session,
                new_email,
                "email_change",
                "Confirm your new e-mail address",
                display_name=user.display_name,
                new_email=new_email,
                confirm_path=f"/verify?token={secret}",
                expires_hours=int(EMAIL_CHANGE_TTL.total_seconds() // 3600),
            )
    return f"We sent a link to {new_email}. Your address changes when you open it (valid 24 hours)."


def export_user_data(user_id: uuid.UUID) -> dict[str, Any]:
    """Everything we keep about the user, as JSON-ready data ("download my data")."""
    with session_scope() as session:
        user = _active_user(session, user_id)
        sessions = session.exec(select(UserSession).where(UserSession.user_id == user_id)).all()
        data: dict[str, Any] = {
            "profile": {
                "id": str(user.id),
                "email": user.email,
                "display_name": user.display_name,
                "is_admin": user.is_admin,
                "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
                "created_at": user.created_at.isoformat(),
            },
            "sessions": [
                {
                    "created_at": s.created_at.isoformat(),
                    "last_seen_at": s.last_seen_at.isoformat(),
                    "expires_at": s.expires_at.isoformat(),
                    "user_agent": s.user_agent,
                    "ip": s.ip,
                }
                for s in sessions
            ],
        }
        for name, exporter in data_exporters.items():
            data[name] = exporter(session, user_id)
    data.setdefault("registrations", [])
    data["exported_at"] = utcnow().isoformat()
    return data


def delete_account(user_id: uuid.UUID, password: str) -> None:
    """Delete the account: hooks run first in the same transaction (registrations give back seats),
    then personal data is removed; the anonymised row stays so history keeps its foreign keys."""
    _require_password(user_id, password, field="password")
    with session_scope(write=True) as session:
        user = _active_user(session, user_id)
        for hook in on_user_delete:
            hook(session, user_id)
        user.email = f"deleted-{user.id.hex}@deleted.invalid"
        user.display_name = "Deleted user"
        user.password_hash = None
        user.email_verified_at = None
        user.is_admin = False
        user.deleted_at = utcnow()
        session.add(user)
        session.exec(delete(UserSession).where(UserSession.user_id == user_id))
        session.exec(delete(AccountToken).where(AccountToken.user_id == user_id))


# ── admin bootstrap ────────────────────────────────────────────────────────────────────────────────────


def create_admin(email: str, display_name: str | None = None) -> str:
    """Create (or promote) a verified admin and return a one-time link to set the password (1 h).

    No password is ever set here: whoever holds the link chooses it. For ``python -m khala create-admin``.
    """
    email = validate_email(email)
    with session_scope(write=True) as session:
        user = _user_by_email(session, email)
        if user is None:
            user = User(
                email=email,
                display_name=validate_display_name(display_name or email.split("@", 1)[0]),
                email_verified_at=utcnow(),
                is_admin=True,
            )
        else:
            user.is_admin = True
            user.email_verified_at = user.email_verified_at or utcnow()
        session.add(user)
        session.flush()
        secret = _issue_token(session, user, TokenPurpose.password_reset, ADMIN_SETUP_TTL)
    return f"{get_settings().public_url}/reset-password?token={secret}"


# ── administration (for the admin dashboard; callers check require_admin first) ──────────────────────


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    is_verified: bool
    created_at: datetime


def list_users(query: str = "", *, offset: int = 0, limit: int = 50) -> tuple[list[UserRow], int]:
    """A page of active users (newest first) matching ``query`` in address or name; plus the total."""
    from sqlalchemy import func, or_

    limit = max(1, min(int(limit), 200))
    offset = max(0, int(offset))
    stmt = select(User).where(User.deleted_at.is_(None))  # type: ignore[union-attr]
    q = (query or "").strip().lower()[:100]
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                User.email.like(pattern, escape="\\"),  # type: ignore[attr-defined]
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = session.exec(
            stmt.order_by(User.created_at.desc()).offset(offset).limit(limit)  # type: ignore[attr-defined]
        ).all()
    return [
        UserRow(u.id, u.email, u.display_name, u.is_admin, u.is_verified, u.created_at) for u in rows
    ], int(total)


def set_admin(actor: CurrentUser, user_id: uuid.UUID, is_admin: bool) -> CurrentUser:
    """Grant or revoke administrator rights. Only an admin may; nobody may demote themselves (so there is
    always at least the one doing it)."""
    check_admin(actor)
    if actor.id == user_id and not is_admin:
        raise InvalidInput({"is_admin": "You cannot remove your own administrator rights."})
    with session_scope(write=True) as session:
        user = session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound("No such user.")
        user.is_admin = bool(is_admin)
        session.add(user)
        return _current(user)


# ── authorization (plain; khala.accounts.auth wraps these for Reflex handlers) ─────────────────────────


def check_user(user: CurrentUser | None) -> CurrentUser:
    if user is None:
        raise NotAuthenticated("Please sign in first.")
    return user


def check_verified(user: CurrentUser | None) -> CurrentUser:
    user = check_user(user)
    if not user.is_verified:
        raise NotVerified("Please confirm your e-mail address first (see the link we mailed you).")
    return user


def check_admin(user: CurrentUser | None) -> CurrentUser:
    user = check_user(user)
    if not user.is_admin:
        raise Forbidden("Only administrators can do that.")
    return user
