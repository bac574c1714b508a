"""A person's secret calendar-feed address: subscribe once, and the calendar app follows their tickets.

The address carries a random token (``passwords.new_secret``: 256 bits); only its SHA-256 is stored, so the
address is shown once, when it is made. Making a new one turns the old one off at once; turning it off removes
it. Each change takes the acting person and writes one audit entry (``user.calendar_feed_created``,
``user.calendar_feed_replaced``, ``user.calendar_feed_revoked``). ``user_for_feed_token`` is what the feed route
asks: whose address is this (never a deleted account's).

Plain Python, blocking: call it off the event loop.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from khala.accounts.models import CalendarFeed, User
from khala.accounts.passwords import hash_secret, new_secret
from khala.accounts.sessions import active_user
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.lib import routes
from khala.lib.ids import parse_id
from khala.settings import get_settings

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
USED_PRECISION = timedelta(hours=1)  # last_used_at is written at most this often (clients poll hourly)


def feed_url(token: str) -> str:
    """The absolute address of the feed behind ``token`` (``routes.webcal`` gives its subscription form)."""
    return get_settings().public_url + routes.tickets_feed(token)


@dataclass(frozen=True)
class FeedInfo:
    created_at: datetime
    last_used_at: datetime | None


def feed_info(user_id: str | uuid.UUID) -> FeedInfo | None:
    """When the person's address was made and last read, or None when they have none."""
    uid = parse_id(user_id, "account")
    with session_scope() as s:
        row = s.get(CalendarFeed, uid)
        return FeedInfo(row.created_at, row.last_used_at) if row else None


def new_feed_token(user_id: str | uuid.UUID, *, actor: Actor) -> str:
    """Make the person's feed address (replacing any earlier one, which stops working) and return its token.
    The token is not kept: show it now."""
    uid = parse_id(user_id, "account")
    token = new_secret()
    with session_scope(write=True) as s:
        user = active_user(s, uid)
        row = s.get(CalendarFeed, uid)
        action = "user.calendar_feed_replaced" if row else "user.calendar_feed_created"
        if row is None:
            row = CalendarFeed(user_id=uid, token_hash=hash_secret(token))
        else:
            row.token_hash, row.created_at, row.last_used_at = hash_secret(token), utcnow(), None
        s.add(row)
        s.flush()
        audit.record(s, actor, action, user, data={"created_at": row.created_at})
    return token


def revoke_feed(user_id: str | uuid.UUID, *, actor: Actor) -> bool:
    """Turn the person's feed address off; False when there was none (nothing written)."""
    uid = parse_id(user_id, "account")
    with session_scope(write=True) as s:
        row = s.get(CalendarFeed, uid)
        if row is None:
            return False
        user = s.get(User, uid)
        s.delete(row)
        audit.record(s, actor, "user.calendar_feed_revoked", user, object_type="user", object_id=uid)
    return True


def user_for_feed_token(token: str | None, *, now: datetime | None = None) -> uuid.UUID | None:
    """Whose feed address carries ``token`` (None for an unknown, revoked or malformed one, or a deleted
    account). Notes when it was read, at most once an hour."""
    if not token or not TOKEN_SHAPE.match(token):
        return None
    now = now or utcnow()
    with session_scope() as s:
        found = s.exec(
            select(CalendarFeed.user_id, CalendarFeed.last_used_at)
            .join(User, col(User.id) == col(CalendarFeed.user_id))
            .where(CalendarFeed.token_hash == hash_secret(token), col(User.deleted_at).is_(None))
        ).first()
    if found is None:
        return None
    user_id, last_used = found
    if last_used is None or now - last_used >= USED_PRECISION:
        with session_scope(write=True) as s:
            s.execute(
                sa.update(CalendarFeed).where(col(CalendarFeed.user_id) == user_id).values(last_used_at=now)
            )
    return user_id
