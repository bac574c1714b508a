"""People who use Khala, their sign-in sessions and their single-use tokens."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored normalised (trimmed, lower-case), so the unique index is case-insensitive.
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=100)
    is_admin: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # argon2 hash in PHC format; None = no password yet (admin bootstrap) or account deleted.
    password_hash: str | None = Field(default=None, max_length=255)
    email_verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # Set when the person deleted their account: the row stays (registrations point at it), anonymised.
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # Set when an administrator disabled the account (accounts.standing): no sign-in, data kept.
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # The language the person chose ("en"/"sv", khala.lib.i18n); None = not chosen yet (their browser's decides).
    locale: str | None = Field(default=None, max_length=8)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class UserSession(SQLModel, table=True):
    """A server-side sign-in session. The browser holds the token in an HttpOnly cookie; we keep its hash."""

    __tablename__ = "user_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the cookie value
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    user_agent: str = Field(default="", max_length=300)
    ip: str = Field(default="", max_length=64)


class TokenPurpose(enum.StrEnum):
    verify_email = "verify_email"
    password_reset = "password_reset"  # noqa: S105
    login_code = "login_code"
    email_change = "email_change"


class AccountToken(SQLModel, table=True):
    """A single-use secret sent by mail or handed to the browser once (login code). Only its hash is stored."""

    __tablename__ = "account_token"
    __table_args__ = (sa.Index("ix_account_token_user_purpose", "user_id", "purpose"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id")
    purpose: TokenPurpose = Field(sa_column=Column(sa.String(20), nullable=False))
    token_hash: str = Field(max_length=64, unique=True)
    # For email_change: the address to switch to once the link is opened.
    new_email: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class CalendarFeed(SQLModel, table=True):
    """A person's secret calendar-feed address (their tickets, ``/tickets/feed/<token>.ics``): one per person.
    Only the SHA-256 of the token is kept; a new address replaces the old one, turning it off removes the row."""

    __tablename__ = "calendar_feed"

    user_id: uuid.UUID = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
