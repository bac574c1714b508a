"""An account's standing, as administrators manage it: the list they search, disabling and enabling an
account, and the rule that there is always one administrator left.

Disabling ends the account's sessions at once (their rows are deleted, so the next request of every open tab
and websocket finds nobody), burns its unused login codes and mailed links, and refuses sign-in from then on
(``sessions.authenticate`` and ``sessions.active_user`` check ``User.disabled_at``). Nothing else is touched:
registrations, mail and the audit trail stay, and enabling the account gives it back as it was.

Plain, synchronous Python; one audit entry per change (``user.disabled``, ``user.enabled``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from khala.accounts import sessions
from khala.accounts.models import User
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Conflict, Forbidden, InvalidInput, NotFound
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of

ROLES = ("", "admin", "disabled", "unverified")


@dataclass(frozen=True)
class AccountRow:
    id: str
    email: str
    display_name: str
    is_admin: bool
    is_verified: bool
    created_at: datetime
    disabled_at: datetime | None


def list_accounts(
    query: str = "", *, role: str = "", page: object = 1, page_size: object = 50
) -> Page[AccountRow]:
    """A page of accounts (newest first, deleted ones left out) whose address or name contains ``query``;
    ``role`` narrows to administrators, disabled or unverified accounts."""
    size = clamp_page_size(page_size)
    conditions = [col(User.deleted_at).is_(None)]
    q = " ".join(str(query or "").split())[:100]
    if q:
        # SQLite's lower() folds ASCII only: match the usual spellings too, so "åsa" finds "Åsa".
        spellings = dict.fromkeys([q, q.lower(), q.upper(), q.capitalize(), q.title()])
        conditions.append(
            or_(
                func.lower(User.email).contains(q.lower(), autoescape=True),
                *(col(User.display_name).contains(t, autoescape=True) for t in spellings),
                func.lower(User.display_name).contains(q.lower(), autoescape=True),
            )
        )
    if role == "admin":
        conditions.append(col(User.is_admin).is_(True))
    elif role == "disabled":
        conditions.append(col(User.disabled_at).is_not(None))
    elif role == "unverified":
        conditions.append(col(User.email_verified_at).is_(None))
    elif role:
        raise InvalidInput({"role": _("Choose administrators, disabled or unverified accounts.")})
    with session_scope() as s:
        total = s.exec(select(func.count()).select_from(User).where(*conditions)).one()
        number = clamp_page(page, total, size)
        rows = s.exec(
            select(User)
            .where(*conditions)
            .order_by(col(User.created_at).desc(), col(User.id))
            .offset(offset_of(number, size))
            .limit(size)
        ).all()
        items = [
            AccountRow(
                str(u.id), u.email, u.display_name, u.is_admin, u.is_verified, u.created_at, u.disabled_at
            )
            for u in rows
        ]
    return Page(items=items, total=total, page=number, page_size=size)


def keep_an_administrator(session: Session, target: uuid.UUID, actor: Actor) -> None:
    """Refuse a change that would take ``target``'s administrator rights away (demotion, disabling) when it
    is the acting person themselves or the last active administrator. Inside the change's transaction: the
    other administrators' rows are locked (PostgreSQL), so two administrators demoting each other at the
    same moment cannot both succeed."""
    if actor.user_id == target:
        raise InvalidInput({"is_admin": _("You cannot remove your own administrator rights.")})
    others = session.exec(
        select(User.id)
        .where(
            col(User.is_admin).is_(True),
            col(User.deleted_at).is_(None),
            col(User.disabled_at).is_(None),
            User.id != target,
        )
        .with_for_update()
    ).all()
    if not others:
        target_row = session.get(User, target)
        if target_row is not None and target_row.is_admin:
            raise InvalidInput(
                {"is_admin": _("This is the last administrator; make someone else an administrator first.")}
            )


def _acting_admin(session: Session, actor: Actor) -> None:
    if actor.kind == "user":
        acting = session.get(User, actor.id)
        if (
            acting is None
            or acting.deleted_at is not None
            or acting.disabled_at is not None
            or not acting.is_admin
        ):
            raise Forbidden(_("Only administrators can do that."))


def _target(session: Session, user_id: uuid.UUID | str) -> User:
    uid = parse_id(user_id, "user", message="No such user.")
    user = session.get(User, uid)
    if user is None or user.deleted_at is not None:
        raise NotFound(_("No such user."))
    return user


def disable_user(
    user_id: uuid.UUID | str, *, actor: Actor, reason: str = "", now: datetime | None = None
) -> AccountRow:
    """Disable an account: its sessions end at once, sign-in is refused, its data stays. Writes
    ``user.disabled``. Nobody disables themselves or the last administrator; Conflict when already disabled."""
    reason = " ".join(str(reason or "").split())[:300]
    with session_scope(write=True) as session:
        _acting_admin(session, actor)
        user = _target(session, user_id)
        if user.disabled_at is not None:
            raise Conflict(_("This account is already disabled."))
        if actor.user_id == user.id:
            raise InvalidInput({"user": _("You cannot disable your own account.")})
        if user.is_admin:
            keep_an_administrator(session, user.id, actor)
        user.disabled_at = now or utcnow()
        session.add(user)
        ended = sessions.end_sessions(session, user.id)
        sessions.burn_tokens(session, user.id)
        audit.record(
            session,
            actor,
            "user.disabled",
            user,
            {"disabled_at": [None, user.disabled_at]},
            data={"sessions_ended": ended} | ({"reason": reason} if reason else {}),
        )
        return _row(user)


def enable_user(user_id: uuid.UUID | str, *, actor: Actor) -> AccountRow:
    """Let a disabled account sign in again (it signs in afresh: its old sessions are gone). Writes
    ``user.enabled``; Conflict when it is not disabled."""
    with session_scope(write=True) as session:
        _acting_admin(session, actor)
        user = _target(session, user_id)
        if user.disabled_at is None:
            raise Conflict(_("This account is not disabled."))
        before = user.disabled_at
        user.disabled_at = None
        session.add(user)
        audit.record(session, actor, "user.enabled", user, {"disabled_at": [before, None]})
        return _row(user)


def _row(u: User) -> AccountRow:
    return AccountRow(
        str(u.id), u.email, u.display_name, u.is_admin, u.is_verified, u.created_at, u.disabled_at
    )
