"""Registrations: a user's seats in one package."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow


class RegistrationStatus(enum.StrEnum):
    confirmed = "confirmed"
    cancelled = "cancelled"
    waitlisted = "waitlisted"


ACTIVE = ("confirmed", "waitlisted")


class Registration(SQLModel, table=True):
    __table_args__ = (
        # One active registration per user and package, enforced by the database itself.
        sa.Index(
            "uq_registration_active_user_package",
            "user_id",
            "package_id",
            unique=True,
            sqlite_where=sa.text("status IN ('confirmed', 'waitlisted')"),
            postgresql_where=sa.text("status IN ('confirmed', 'waitlisted')"),
        ),
        sa.Index("ix_registration_package_status_created", "package_id", "status", "created_at"),
        sa.Index("ix_registration_user_created", "user_id", "created_at"),
        sa.CheckConstraint("quantity >= 1", name="ck_registration_quantity_positive"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id")
    package_id: uuid.UUID = Field(foreign_key="package.id")
    event_id: uuid.UUID = Field(foreign_key="event.id", index=True)
    quantity: int = 1
    status: RegistrationStatus = Field(
        default=RegistrationStatus.confirmed, sa_column=Column(sa.String(16), nullable=False)
    )
    ticket_code: str = Field(max_length=16, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # When the ticket was scanned at the door (POST /api/v1/checkins); None = not yet.
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
