"""Who is signed in: the one-time login code, server-side sessions, and the single-use tokens behind the
login code and the mailed links (``issue_token``/``take_token``, also used by ``accounts.service``).

Plain, synchronous Python: call it off the event loop (``khala.accounts.auth`` does so for handlers).
A session token is 32 random bytes in an HttpOnly cookie; only its SHA-256 is stored.

Audit: a completed sign-in writes ``user.signed_in``, ending one session ``session.revoked`` and ending all
of them ``user.signed_out_everywhere``. For a sign-in and a sign-out the actor is the account itself: the
login code or the session secret proves who is asking. Security events have the system as actor (nobody is
proven yet) and the client address in ``data``: a wrong password or an unknown address writes
``user.sign_in_failed``, the failure that fills a rate-limit tier ``user.locked_out`` (once per lockout).

Administrators' sessions are shorter (30 minutes idle, 12 hours at most); everyone else's 14 days idle, 90
days at most. A browser that signed in before carries a signed "known device" cookie, so its owner can
still sign in while someone else runs the per-address limit full (``device_token``/``known_device``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, update
from sqlmodel import Session, select

from khala.accounts import passwords, throttle
from khala.accounts.models import AccountToken, TokenPurpose, User, UserSession
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Forbidden, InvalidInput, NotAuthenticated, NotVerified
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

SESSION_TTL = timedelta(days=14)  # idle timeout, sliding: every use pushes it forward
SESSION_MAX_AGE = timedelta(days=90)  # absolute: sign in again after this, however active (= cookie Max-Age)
SESSION_TOUCH_EVERY = timedelta(minutes=1)  # sliding expiry: refresh at most once a minute per session
ADMIN_SESSION_IDLE = timedelta(minutes=30)  # administrators: ASVS 3.3.2 (30 min idle, 12 h absolute)
ADMIN_SESSION_MAX_AGE = timedelta(hours=12)
RECENT_AUTH = timedelta(minutes=10)  # step-up: the password confirmed this long ago still counts
DEVICE_MAX_AGE = timedelta(days=365)  # the "known device" cookie
LOGIN_CODE_TTL = timedelta(minutes=2)

SIGN_IN_FAILED = N_("Wrong e-mail address or password.")
ACCOUNT_DISABLED = N_("This account has been disabled by an administrator.")

_SAFE_NEXT_RE = re.compile(r"^/(?![/\\])[^\s]*$")


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


class BadToken(InvalidInput):
    """A link that cannot be used; ``reason`` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__({"token": message})
        self.reason = reason


UNKNOWN_LINK = N_("This link is not valid. Ask for a new one.")
USED_LINK = N_("This link has already been used. Ask for a new one if you still need it.")
EXPIRED_LINK = N_("This link has expired. Ask for a new one.")


# ── building blocks (inside a caller's transaction) ───────────────────────────────────────────────────


def current_of(user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_admin=user.is_admin,
        is_verified=user.is_verified,
    )


def active_user(session: Session, user_id: uuid.UUID) -> User:
    """The user's row; NotAuthenticated when it is gone or deleted."""
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None or user.disabled_at is not None:
        raise NotAuthenticated(_("Please sign in again."))
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email, User.deleted_at.is_(None))).first()  # type: ignore[union-attr]


def issue_token(
    session: Session,
    user: User,
    purpose: TokenPurpose,
    ttl: timedelta,
    *,
    new_email: str | None = None,
    secret: str | None = None,
) -> str:
    """A fresh single-use token (``secret``, or a new random one); earlier unused tokens of the same purpose
    stop working. Only the secret's SHA-256 is stored."""
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
    secret = secret or passwords.new_secret()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=passwords.hash_secret(secret),
            new_email=new_email,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return secret


def find_token(session: Session, secret: str) -> AccountToken | None:
    """The token a secret belongs to (used or not), or None."""
    if not secret or len(secret) > 200:
        return None
    return session.exec(
        select(AccountToken).where(AccountToken.token_hash == passwords.hash_secret(secret))
    ).first()


def check_token(token: AccountToken | None, purposes: tuple[TokenPurpose, ...]) -> AccountToken:
    """Raise BadToken if ``token`` is missing, of another purpose, used or expired."""
    if token is None or token.purpose not in {p.value for p in purposes}:
        raise BadToken("unknown", _(UNKNOWN_LINK))
    if token.used_at is not None:
        raise BadToken("used", _(USED_LINK))
    if token.expires_at <= utcnow():
        raise BadToken("expired", _(EXPIRED_LINK))
    return token


def take_token(session: Session, secret: str, purposes: tuple[TokenPurpose, ...]) -> AccountToken:
    """Find and burn a token; raise BadToken if it is unknown, used or expired."""
    token = check_token(find_token(session, secret), purposes)
    # Conditional update: two concurrent clicks cannot both use it.
    burnt = session.exec(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=utcnow())
    )
    if burnt.rowcount != 1:
        raise BadToken("used", _(USED_LINK))
    return token


def end_sessions(session: Session, user_id: uuid.UUID, *, except_secret: str | None = None) -> int:
    """Delete every session of the user (but the one ``except_secret`` belongs to); returns how many."""
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if except_secret:
        stmt = stmt.where(UserSession.token_hash != passwords.hash_secret(except_secret))
    return session.exec(stmt).rowcount or 0


def burn_tokens(
    session: Session, user_id: uuid.UUID, purposes: tuple[TokenPurpose, ...] | None = None
) -> int:
    """Make every unused token of the user (of ``purposes``, or all) unusable; returns how many."""
    stmt = update(AccountToken).where(
        AccountToken.user_id == user_id,
        AccountToken.used_at.is_(None),  # type: ignore[union-attr]
    )
    if purposes is not None:
        stmt = stmt.where(AccountToken.purpose.in_([p.value for p in purposes]))  # type: ignore[attr-defined]
    return session.exec(stmt.values(used_at=utcnow())).rowcount or 0


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


# ── sign-in ────────────────────────────────────────────────────────────────────────────────────────────


def authenticate(email: str, password: str, *, ip: str | None = None, device: str | None = None) -> str:
    """Check e-mail and password; return a one-time login code (valid 2 minutes) for ``/auth/complete``.

    Unknown address and wrong password give the same message and take the same time. Attempts are counted
    before the password is checked, per client, per address and client, and per address (which a known
    ``device`` of the account skips); when a tier is full the caller gets RateLimited with the wait.
    Hashes: call it through ``passwords.in_hash_pool``.
    """
    address = passwords.normalise_email(email)[:254] or "-"
    client = throttle.client_key(ip)
    pair = throttle.pair_key(address, client)
    throttle.sign_in_failures_by_client.check(client)
    throttle.sign_in_by_address_and_client.consume(pair)
    with session_scope() as session:
        user = user_by_email(session, address)
    known = user is not None and known_device(device, user.id)
    if not known:
        throttle.sign_in_by_address.consume(address)
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None:
        throttle.sign_in_failures_by_client.hit(client)
        _record_failure(user, ip, client, pair, address, known=known)
        raise InvalidInput({"__all__": _(SIGN_IN_FAILED)})
    if user.disabled_at is not None:  # only said once the password was right
        raise InvalidInput({"__all__": _(ACCOUNT_DISABLED)})
    with session_scope(write=True) as session:
        fresh = active_user(session, user.id)
        if passwords.needs_rehash(fresh.password_hash):
            fresh.password_hash = passwords.hash_password(password)
            session.add(fresh)
        code = issue_token(session, fresh, TokenPurpose.login_code, LOGIN_CODE_TTL)
    throttle.sign_in_by_address_and_client.clear(pair)
    throttle.sign_in_by_address.clear(address)
    return code


def _record_failure(
    user: User | None, ip: str | None, client: str, pair: str, address: str, *, known: bool
) -> None:
    """``user.sign_in_failed`` for this attempt, and ``user.locked_out`` when it filled a tier (the next
    attempts are refused before they are checked, so this happens once per lockout)."""
    locked = [
        scope
        for scope, limit, key in (
            ("address_and_client", throttle.sign_in_by_address_and_client, pair),
            ("address", None if known else throttle.sign_in_by_address, address),
            ("client", throttle.sign_in_failures_by_client, client),
        )
        if limit is not None and limit.exhausted(key)
    ]
    target = {"obj": user} if user is not None else {"object_type": "user", "object_id": ""}
    data = {"ip": ip or "", "client": client, "known_device": known}
    with session_scope(write=True) as session:
        audit.record(
            session,
            Actor.system("sign-in"),
            "user.sign_in_failed",
            **target,
            data={**data, "reason": "wrong_password" if user is not None else "unknown_address"},
        )
        if locked:
            audit.record(
                session, Actor.system("sign-in"), "user.locked_out", **target, data={**data, "scopes": locked}
            )


# ── known devices ──────────────────────────────────────────────────────────────────────────────────────


def _device_mac(user_hex: str, issued: int) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"khala-device:{user_hex}:{issued}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def device_token(user_id: uuid.UUID, *, now: float | None = None) -> str:
    """The value of the "known device" cookie for a browser that just signed in to ``user_id``."""
    issued = int(now if now is not None else time.time())
    return f"{user_id.hex}.{issued}.{_device_mac(user_id.hex, issued)}"


def known_device(token: str | None, user_id: uuid.UUID, *, now: float | None = None) -> bool:
    """True when ``token`` is a device cookie we issued for ``user_id`` within ``DEVICE_MAX_AGE``."""
    parts = (token or "").split(".")
    if len(parts) != 3 or parts[0] != user_id.hex or not parts[1].isdigit() or len(token or "") > 200:
        return False
    issued = int(parts[1])
    age = (now if now is not None else time.time()) - issued
    if age < -300 or age > DEVICE_MAX_AGE.total_seconds():
        return False
    return hmac.compare_digest(parts[2], _device_mac(parts[0], issued))


def complete_login(code: str, *, user_agent: str = "", ip: str | None = None) -> tuple[str, CurrentUser]:
    """Exchange a login code for a new session; returns (session token for the cookie, user).
    Writes ``user.signed_in`` (the security trail: when, from which address and browser)."""
    with session_scope(write=True) as session:
        token = take_token(session, code, (TokenPurpose.login_code,))
        user = active_user(session, token.user_id)
        secret, row = _create_session(session, user, user_agent=user_agent, ip=ip)
        audit.record(
            session,
            Actor.user(user),
            "user.signed_in",
            user,
            data={"session_id": row.id, "ip": row.ip, "user_agent": row.user_agent},
        )
        return secret, current_of(user)


def _create_session(
    session: Session, user: User, *, user_agent: str = "", ip: str | None = None
) -> tuple[str, UserSession]:
    now = utcnow()
    secret = passwords.new_secret()
    row = UserSession(
        user_id=user.id,
        token_hash=passwords.hash_secret(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=min(now + SESSION_TTL, now + SESSION_MAX_AGE),
        user_agent=(user_agent or "")[:300],
        ip=(ip or "")[:64],
    )
    session.add(row)
    return secret, row


# ── sessions ───────────────────────────────────────────────────────────────────────────────────────────


def resolve_session(secret: str | None) -> CurrentUser | None:
    """The user a session token belongs to, or None. Extends the session (sliding 14 days, at most 90 days
    after sign-in; for administrators 30 minutes idle, at most 12 hours after sign-in)."""
    if not secret or len(secret) > 200:
        return None
    token_hash = passwords.hash_secret(secret)
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
    if user_session.expires_at <= now or user.deleted_at is not None or user.disabled_at is not None:
        return None
    if user.is_admin and (
        now - user_session.last_seen_at > ADMIN_SESSION_IDLE
        or now - user_session.created_at > ADMIN_SESSION_MAX_AGE
    ):
        with session_scope(write=True) as session:
            session.exec(delete(UserSession).where(UserSession.id == user_session.id))
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
    return current_of(user)


def session_id_for(secret: str | None) -> uuid.UUID | None:
    if not secret:
        return None
    with session_scope() as session:
        row = session.exec(
            select(UserSession.id).where(UserSession.token_hash == passwords.hash_secret(secret))
        ).first()
    return row


def mark_recently_authenticated(secret: str | None) -> None:
    """The session's owner just confirmed the password (``service.confirm_password``)."""
    session_id = session_id_for(secret)
    if session_id is not None:
        throttle.remember("reauth", str(session_id), int(RECENT_AUTH.total_seconds()))


def recently_authenticated(secret: str | None) -> bool:
    """True when the password was confirmed in this session within ``RECENT_AUTH`` (ASVS 3.3.2, 4.3.x):
    privileged changes such as granting admin rights need it."""
    session_id = session_id_for(secret)
    return session_id is not None and throttle.remembered("reauth", str(session_id))


def sign_out(secret: str | None) -> None:
    """Delete the session a token belongs to (no error if there is none); writes ``session.revoked``
    with the session's owner as actor."""
    if not secret or len(secret) > 200:
        return
    with session_scope(write=True) as session:
        row = session.exec(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
            .where(UserSession.token_hash == passwords.hash_secret(secret))
        ).first()
        if row is None:
            return
        user_session, user = row
        session.exec(delete(UserSession).where(UserSession.id == user_session.id))
        audit.record(session, Actor.user(user), "session.revoked", user_session, data={"user_id": user.id})


def sign_out_everywhere(user_id: uuid.UUID, *, actor: Actor, except_secret: str | None = None) -> int:
    """Delete every session of the user (but the current one, if given); returns how many.
    Writes ``user.signed_out_everywhere``."""
    with session_scope(write=True) as session:
        ended = end_sessions(session, user_id, except_secret=except_secret)
        audit.record(
            session,
            actor,
            "user.signed_out_everywhere",
            object_type="user",
            object_id=user_id,
            data={"sessions_ended": ended},
        )
        return ended


def list_sessions(user_id: uuid.UUID, *, current_secret: str | None = None) -> list[SessionInfo]:
    now = utcnow()
    current_hash = passwords.hash_secret(current_secret) if current_secret else None
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


# ── authorization (plain; khala.accounts.auth wraps these for Reflex handlers) ─────────────────────────


def check_user(user: CurrentUser | None) -> CurrentUser:
    if user is None:
        raise NotAuthenticated(_("Please sign in first."))
    return user


def check_verified(user: CurrentUser | None) -> CurrentUser:
    user = check_user(user)
    if not user.is_verified:
        raise NotVerified(_("Please confirm your e-mail address first (see the link we mailed you)."))
    return user


def check_admin(user: CurrentUser | None) -> CurrentUser:
    user = check_user(user)
    if not user.is_admin:
        raise Forbidden(_("Only administrators can do that."))
    return user
