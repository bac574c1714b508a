"""Accounts: sign-up, verification, password reset, profile and e-mail changes, deletion, administration.

Plain, synchronous Python. Hashing and database work block, so Reflex handlers and async routes call these
functions through ``asyncio.to_thread``. Passwords and secrets live in ``accounts.passwords``; sign-in,
sessions and the single-use tokens in ``accounts.sessions``.

Mailed links carry a secret derived from a random reference with ``KHALA_SECRET_KEY`` (``mail.link_secret``);
the token row keeps only the secret's SHA-256 and the outbox only the reference, so a copy of the database
opens no account. Messages never reveal whether an address has an account. "Download my data" and deleting the
account live in ``accounts.privacy``. Functions that hash or verify a
password are called through ``passwords.in_hash_pool`` by the handlers.

Lifecycle rules (ASVS V2.5, V3.3): the first verification ends the sessions opened before it (but the one of
the browser that opened the link); a password change ends every other session, burns outstanding mailed
links and notifies the address; an e-mail change burns outstanding links, ends other sessions and notifies
the old address.

Audit: every change writes one entry in its own transaction. The attendee's own actions (``change_*``,
``request_email_change``, ``delete_account``) take a keyword-only ``actor``; for signing up and for opening
a mailed link the actor is the account itself (the link proves who is asking).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from khala.accounts import passwords, sessions, standing, throttle
from khala.accounts.mailing import send as _mail
from khala.accounts.models import TokenPurpose, User
from khala.accounts.sessions import BadToken, CurrentUser, active_user, current_of, user_by_email
from khala.accounts.validation import validate_display_name, validate_email
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Forbidden, InvalidInput, NotFound
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.mail import service as mail
from khala.settings import get_settings

VERIFY_TTL = timedelta(hours=24)
EMAIL_CHANGE_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
ADMIN_SETUP_TTL = timedelta(hours=1)

# ── hooks other domains register into (accounts imports none of them; khala.wiring connects them) ─────
# Called inside the deleting transaction with (session, user_id): e.g. registrations cancels the user's
# active registrations and gives their seats back, so seat counts stay right.
on_user_delete: list[Callable[[Session, uuid.UUID], None]] = []
# "download my data": name → function(session, user_id) returning JSON-serialisable data.
data_exporters: dict[str, Callable[[Session, uuid.UUID], Any]] = {}


@dataclass(frozen=True)
class TokenOutcome:
    """What opening a mailed link did: ``kind`` is "verified" or "email_changed"."""

    kind: str
    email: str


# ── small helpers ──────────────────────────────────────────────────────────────────────────────────────


def _link_token(
    session: Session, user: User, purpose: TokenPurpose, ttl: timedelta, *, new_email: str | None = None
) -> str:
    """Issue a mailed token; returns the *sealed* text to put in the link (the outbox never sees the secret)."""
    reference = mail.new_reference()
    sessions.issue_token(session, user, purpose, ttl, new_email=new_email, secret=mail.link_secret(reference))
    return mail.sealed(reference)


def _may_mail(address: str, device: str | None, user: User | None) -> bool:
    """The per-address quota of mails from every client (counted only for mails really sent; a known device
    of the account skips it): False means send nothing, and answer as if it was sent."""
    if user is not None and sessions.known_device(device, user.id):
        return True
    return throttle.mails_by_address.try_consume(address)


def _account_exists_mail(session: Session, owner: User) -> None:
    """The answer to someone using an address that already has an account (sign-up, e-mail change)."""
    if owner.deleted_at is None and throttle.mails_by_address.try_consume(owner.email):
        _mail(session, owner, "account_exists", N_("You already have a Khala account"))


# ── sign-up and verification ───────────────────────────────────────────────────────────────────────────


def sign_up(email: str, display_name: str, password: str, *, ip: str | None = None) -> str:
    """Create an unverified account and mail a 24-hour verification link; writes ``user.signed_up``
    (actor: the new account).

    If the address already has an account nothing changes and its owner gets an "account exists" mail; the
    answer (and the time it takes) is the same, so sign-up reveals nothing. Returns the message to show.
    """
    errors: dict[str, str] = {}
    for key, check in (
        ("email", lambda: validate_email(email)),
        ("display_name", lambda: validate_display_name(display_name)),
        ("password", lambda: passwords.validate_password(password, email, name=display_name)),
    ):
        try:
            check()
        except InvalidInput as exc:
            errors.update({key: exc.errors.get(key, exc.message)})
    if errors:
        raise InvalidInput(errors)
    email = validate_email(email)
    name = validate_display_name(display_name)
    client = throttle.client_key(ip)
    throttle.signups_by_ip.consume(client)
    throttle.mails_by_address_and_client.consume(throttle.pair_key(email, client))
    password_hash = passwords.hash_password(password)  # hashed in both branches: same time either way
    try:
        with session_scope(write=True) as session:
            existing = session.exec(select(User).where(User.email == email)).first()
            if existing is not None:
                _account_exists_mail(session, existing)
            else:
                user = User(
                    email=email, display_name=name, password_hash=password_hash, locale=i18n.get_language()
                )
                session.add(user)
                session.flush()
                audit.record(
                    session, Actor.user(user), "user.signed_up", user, {"email": email, "display_name": name}
                )
                if throttle.mails_by_address.try_consume(email):
                    _send_verification(session, user)
    except IntegrityError:
        # A concurrent sign-up with the same address won the race: same answer as for an existing account.
        pass
    return signed_up_message(email)


def signed_up_message(email: str) -> str:
    return _(
        "Almost done: we sent a link to %(email)s. Open it within 24 hours to confirm your address. "
        "No mail? Check the spam folder or ask for a new link."
    ) % {"email": email}


def _count_mail_request(email: str, ip: str | None) -> None:
    """Count a request that may mail ``email`` (a new link, a reset, an address change) against the client
    and the address-and-client pair; RateLimited once either is full."""
    client = throttle.client_key(ip)
    throttle.mail_requests_by_ip.consume(client)
    throttle.mails_by_address_and_client.consume(throttle.pair_key(email, client))


def resend_verification(email: str, *, ip: str | None = None, device: str | None = None) -> str:
    """Mail a new verification link if the address has an unverified account. Same answer either way."""
    email = validate_email(email)
    _count_mail_request(email, ip)
    with session_scope(write=True) as session:
        user = user_by_email(session, email)
        if user is not None and not user.is_verified and _may_mail(email, device, user):
            _send_verification(session, user)
    return _("If %(email)s has an account waiting for confirmation, we sent it a new link.") % {
        "email": email
    }


def resend_verification_for(user_id: uuid.UUID) -> str:
    """The signed-in, unverified user asks for a new link."""
    with session_scope(write=True) as session:
        user = active_user(session, user_id)
        if user.is_verified:
            return _("Your address is already confirmed.")
        throttle.mails_by_address_and_client.consume(throttle.pair_key(user.email, f"user:{user.id}"))
        _send_verification(session, user)
        return _("We sent a new link to %(email)s.") % {"email": user.email}


def _send_verification(session: Session, user: User) -> None:
    sealed = _link_token(session, user, TokenPurpose.verify_email, VERIFY_TTL)
    # No display name: the address is not proven, so the name is not mailed to it (L11).
    _mail(
        session,
        user.email,
        "verify_email",
        N_("Confirm your e-mail address"),
        locale=user.locale,
        verify_path=f"/verify?token={sealed}",
        expires_hours=int(VERIFY_TTL.total_seconds() // 3600),
    )


def confirm_email_token(secret: str, *, keep_secret: str | None = None) -> TokenOutcome:
    """Open a verification or e-mail-change link (single use); writes ``user.email_verified`` or
    ``user.email_changed`` (actor: the account the link was sent for).

    Both end the account's other sessions (but ``keep_secret``'s, the browser that opened the link): a
    session opened before the address was proven must not survive it (someone who signed up with another
    person's address and stayed signed in). An e-mail change also burns the outstanding links (a reset link
    sent to the old address) and tells the old address.

    A verification link opened again after it worked (mail scanners often open links first) answers
    "already confirmed" instead of an error; it changes nothing.
    """
    try:
        return _confirm_email_token(secret, keep_secret)
    except BadToken as exc:
        if exc.reason != "used":
            raise
        with session_scope() as session:
            token = sessions.find_token(session, secret)
            user = session.get(User, token.user_id) if token is not None else None
            if (
                token is not None
                and token.purpose == TokenPurpose.verify_email.value
                and user is not None
                and user.deleted_at is None
                and user.is_verified
            ):
                return TokenOutcome("verified", user.email)
        raise


def _confirm_email_token(secret: str, keep_secret: str | None) -> TokenOutcome:
    with session_scope(write=True) as session:
        token = sessions.take_token(session, secret, (TokenPurpose.verify_email, TokenPurpose.email_change))
        user = session.get(User, token.user_id)
        if user is None or user.deleted_at is not None:
            raise BadToken("unknown", _(sessions.UNKNOWN_LINK))
        fields = ("email", "email_verified_at")
        before = audit.snapshot(user, fields)
        now = utcnow()
        if token.purpose == TokenPurpose.email_change.value:
            new_email = token.new_email or ""
            if user_by_email(session, new_email) is not None:
                raise InvalidInput(
                    {"token": _("%(email)s is already used by another account.") % {"email": new_email}}
                )
            old_email = user.email
            user.email = new_email
            user.email_verified_at = now
            session.add(user)
            try:
                session.flush()
            except IntegrityError as exc:
                raise InvalidInput(
                    {"token": _("%(email)s is already used by another account.") % {"email": new_email}}
                ) from exc
            burnt = sessions.burn_tokens(session, user.id)
            ended = sessions.end_sessions(session, user.id, except_secret=keep_secret)
            _mail(
                session,
                old_email,
                "email_changed",
                N_("Your e-mail address was changed"),
                locale=user.locale,
                display_name=user.display_name,
                new_email=new_email,
            )
            changes = audit.diff(before, audit.snapshot(user, fields))
            audit.record(
                session,
                Actor.user(user),
                "user.email_changed",
                user,
                changes,
                data={"sessions_ended": ended, "links_burnt": burnt},
            )
            return TokenOutcome("email_changed", new_email)
        if user.email_verified_at is None:
            user.email_verified_at = now
            session.add(user)
            ended = sessions.end_sessions(session, user.id, except_secret=keep_secret)
            changes = audit.diff(before, audit.snapshot(user, fields))
            audit.record(
                session,
                Actor.user(user),
                "user.email_verified",
                user,
                changes,
                data={"sessions_ended": ended},
            )
        return TokenOutcome("verified", user.email)


# ── password reset ─────────────────────────────────────────────────────────────────────────────────────


def request_password_reset(email: str, *, ip: str | None = None, device: str | None = None) -> str:
    """Mail a 1-hour reset link if the address has an account. Same answer either way (the handler also
    pads the time it takes)."""
    email = validate_email(email)
    _count_mail_request(email, ip)
    with session_scope(write=True) as session:
        user = user_by_email(session, email)
        if user is not None and _may_mail(email, device, user):
            _send_reset(session, user, RESET_TTL)
    return reset_requested_message(email)


def reset_requested_message(email: str) -> str:
    return (
        f"If {email} belongs to an account, we sent it a link to choose a new password. "
        "The link is valid for 1 hour."
    )


def _send_reset(session: Session, user: User, ttl: timedelta) -> None:
    sealed = _link_token(session, user, TokenPurpose.password_reset, ttl)
    _mail(
        session,
        user,
        "password_reset",
        N_("Choose a new password"),
        reset_path=f"/reset-password?token={sealed}",
        expires_minutes=int(ttl.total_seconds() // 60),
    )


def check_reset_token(secret: str) -> None:
    """Raise BadToken if a reset link cannot be used (without using it), so the page can say so up front."""
    with session_scope() as session:
        sessions.check_token(sessions.find_token(session, secret), (TokenPurpose.password_reset,))


def reset_password(secret: str, new_password: str, *, ip: str | None = None) -> str:
    """Set a new password with a reset link (single use). Every session of the user is ended.
    Writes ``user.password_reset`` (actor: the account the link was sent for).

    An unknown, used or expired link is refused before anything is hashed (BadToken, about a millisecond);
    a valid one is rate-limited per client before the new password is hashed.
    """
    with session_scope() as session:
        token = sessions.check_token(sessions.find_token(session, secret), (TokenPurpose.password_reset,))
        user = session.get(User, token.user_id)
        if user is None or user.deleted_at is not None:
            raise BadToken("unknown", _(sessions.UNKNOWN_LINK))
        email, name = user.email, user.display_name
    passwords.validate_password(new_password, email, name=name)
    throttle.resets_by_client.consume(throttle.client_key(ip))
    password_hash = passwords.hash_password(new_password)
    with session_scope(write=True) as session:
        token = sessions.take_token(session, secret, (TokenPurpose.password_reset,))
        user = active_user(session, token.user_id)
        before = audit.snapshot(user, ("email_verified_at",))
        user.password_hash = password_hash
        # The link reached the mailbox, which proves the address.
        user.email_verified_at = user.email_verified_at or utcnow()
        session.add(user)
        ended = sessions.end_sessions(session, user.id)
        sessions.burn_tokens(session, user.id)
        changes = audit.diff(before, audit.snapshot(user, ("email_verified_at",)))
        audit.record(
            session, Actor.user(user), "user.password_reset", user, changes, data={"sessions_ended": ended}
        )
        return user.email


# ── the account page ───────────────────────────────────────────────────────────────────────────────────


def get_user(user_id: uuid.UUID) -> CurrentUser:
    with session_scope() as session:
        return current_of(active_user(session, user_id))


def change_display_name(user_id: uuid.UUID, display_name: str, *, actor: Actor) -> CurrentUser:
    """Writes ``user.profile_updated`` when the name really changes."""
    name = validate_display_name(display_name)
    with session_scope(write=True) as session:
        user = active_user(session, user_id)
        before = audit.snapshot(user, ("display_name",))
        user.display_name = name
        session.add(user)
        changes = audit.diff(before, audit.snapshot(user, ("display_name",)))
        if changes:
            audit.record(session, actor, "user.profile_updated", user, changes)
        return current_of(user)


def require_password(user_id: uuid.UUID, password: str, field: str = "current_password") -> User:
    """The user, if ``password`` is theirs; throttled per user (a stolen session cannot guess it)."""
    key = str(user_id)
    throttle.password_checks_by_user.consume(key)
    with session_scope() as session:
        user = active_user(session, user_id)
    if not passwords.verify_password(user.password_hash, password or ""):
        raise InvalidInput({field: _("That is not your current password.")})
    throttle.password_checks_by_user.clear(key)
    return user


def confirm_password(user_id: uuid.UUID, password: str, *, session_secret: str | None) -> None:
    """Recent authentication before a privileged action (granting admin): raise InvalidInput unless
    ``password`` is the user's, else mark the session as recently authenticated for 10 minutes
    (``sessions.recently_authenticated``). Hashes: call it through ``passwords.in_hash_pool``."""
    require_password(user_id, password, field="password")
    sessions.mark_recently_authenticated(session_secret)


def change_password(
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    *,
    actor: Actor,
    keep_secret: str | None = None,
) -> int:
    """Change the password; every other session is ended, outstanding mailed links stop working and the
    address is told. Returns how many sessions were ended. Writes ``user.password_changed`` (never a hash)."""
    user = require_password(user_id, current_password)
    passwords.validate_password(new_password, user.email, field="new_password", name=user.display_name)
    password_hash = passwords.hash_password(new_password)
    with session_scope(write=True) as session:
        fresh = active_user(session, user_id)
        fresh.password_hash = password_hash
        session.add(fresh)
        ended = sessions.end_sessions(session, user_id, except_secret=keep_secret)
        burnt = sessions.burn_tokens(session, user_id)
        _mail(session, fresh, "password_changed", N_("Your Khala password was changed"))
        audit.record(
            session,
            actor,
            "user.password_changed",
            fresh,
            data={"sessions_ended": ended, "links_burnt": burnt},
        )
        return ended


def request_email_change(
    user_id: uuid.UUID, new_email: str, password: str, *, actor: Actor, ip: str | None = None
) -> str:
    """Mail a confirmation link to the new address; the address changes when it is opened.
    Writes ``user.email_change_requested``.

    If the new address already has an account, its owner is told instead and the answer stays the same.
    """
    new_email = validate_email(new_email)
    user = require_password(user_id, password, field="password")
    if new_email == user.email:
        raise InvalidInput({"email": _("That is already your address.")})
    _count_mail_request(new_email, ip)
    with session_scope(write=True) as session:
        user = active_user(session, user_id)
        other = session.exec(select(User).where(User.email == new_email)).first()
        if other is not None:
            _account_exists_mail(session, other)
        elif throttle.mails_by_address.try_consume(new_email):
            sealed = _link_token(
                session, user, TokenPurpose.email_change, EMAIL_CHANGE_TTL, new_email=new_email
            )
            # No display name: the new address is not proven yet (L11).
            _mail(
                session,
                new_email,
                "email_change",
                N_("Confirm your new e-mail address"),
                locale=user.locale,
                new_email=new_email,
                confirm_path=f"/verify?token={sealed}",
                expires_hours=int(EMAIL_CHANGE_TTL.total_seconds() // 3600),
            )
        audit.record(session, actor, "user.email_change_requested", user, data={"new_email": new_email})
    return _("We sent a link to %(email)s. Your address changes when you open it (valid 24 hours).") % {
        "email": new_email
    }


# ── admin bootstrap ────────────────────────────────────────────────────────────────────────────────────


def create_admin(email: str, display_name: str | None = None, *, actor: Actor) -> str:
    """Create (or promote) a verified admin and return a one-time link to set the password (1 h).

    No password is ever set here: whoever holds the link chooses it. For ``python -m khala create-admin``
    (actor ``Actor.system("cli")``). Writes ``user.created_by_cli`` for a new account, ``user.admin_granted``
    for a promoted one, and ``user.admin_setup_link_issued`` when the account already was an admin.
    """
    email = validate_email(email)
    fields = ("is_admin", "email_verified_at")
    with session_scope(write=True) as session:
        user = user_by_email(session, email)
        if user is None:
            user = User(
                email=email,
                display_name=validate_display_name(display_name or email.split("@", 1)[0]),
                email_verified_at=utcnow(),
                is_admin=True,
            )
            session.add(user)
            session.flush()
            changes = audit.snapshot(user, ("email", "display_name", *fields))
            action = "user.created_by_cli"
        else:
            before = audit.snapshot(user, fields)
            action = "user.admin_setup_link_issued" if user.is_admin else "user.admin_granted"
            user.is_admin = True
            user.email_verified_at = user.email_verified_at or utcnow()
            session.add(user)
            changes = audit.diff(before, audit.snapshot(user, fields))
        audit.record(session, actor, action, user, changes, data={"via": "create-admin"})
        secret = sessions.issue_token(session, user, TokenPurpose.password_reset, ADMIN_SETUP_TTL)
    return f"{get_settings().public_url}/reset-password?token={secret}"


# ── administration (for the admin dashboard) ───────────────────────────────────────────────────────────


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


def set_admin(user_id: uuid.UUID | str, is_admin: bool, *, actor: Actor) -> CurrentUser:
    """Grant or revoke administrator rights; writes ``user.admin_granted`` / ``user.admin_revoked`` when
    the right really changes.

    A person acting must be an administrator (checked again here, inside the transaction); nobody may
    demote themselves, so there is always at least the one doing it.
    """
    with session_scope(write=True) as session:
        if actor.kind == "user":
            acting = session.get(User, actor.id)
            if acting is None or acting.deleted_at is not None or not acting.is_admin:
                raise Forbidden(_("Only administrators can do that."))
        target = parse_id(user_id, "user", message=N_("No such user."))
        if not is_admin:  # never oneself, never the last administrator
            standing.keep_an_administrator(session, target, actor)
        user = session.get(User, target)
        if user is None or user.deleted_at is not None:
            raise NotFound(_("No such user."))
        before = audit.snapshot(user, ("is_admin",))
        user.is_admin = bool(is_admin)
        session.add(user)
        changes = audit.diff(before, audit.snapshot(user, ("is_admin",)))
        if changes:
            action = "user.admin_granted" if is_admin else "user.admin_revoked"
            audit.record(session, actor, action, user, changes)
        return current_of(user)
