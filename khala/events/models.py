"""Events, their categories and their packages (ticket tiers)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow
from khala.settings import get_settings


class EventStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"


class Category(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    slug: str = Field(max_length=60, unique=True)


class Event(SQLModel, table=True):
    __table_args__ = (
        # The catalogue's "soonest first" and "cheapest first" in index order, with the end: ended events and the
        # rows a later page skips are judged in the index (catalogue.search_events reads the page's ids first).
        sa.Index("ix_event_status_starts_id_ends", "status", "starts_at", "id", "ends_at"),
        sa.Index(
            "ix_event_status_price_starts_ends", "status", "min_price_minor", "starts_at", "id", "ends_at"
        ),
        sa.Index("ix_event_category_starts", "category_id", "starts_at"),
        sa.Index("ix_event_location_starts", "location_id", "starts_at"),
        sa.CheckConstraint("ends_at >= starts_at", name="ck_event_ends_after_start"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    title: str = Field(max_length=100)
    summary: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_column=Column(sa.Text, nullable=False, server_default=""))
    category_id: int | None = Field(default=None, foreign_key="category.id")
    location_id: uuid.UUID | None = Field(default=None, foreign_key="location.id")
    image_id: uuid.UUID | None = Field(default=None, foreign_key="image.id", ondelete="SET NULL")
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    timezone: str = Field(default_factory=lambda: get_settings().default_timezone, max_length=64)
    status: EventStatus = Field(
        default=EventStatus.draft,
        sa_column=Column(sa.String(16), nullable=False, server_default=EventStatus.draft.value),
    )
    # Denormalised for the catalogue query; kept right by the events service.
    search_text: str = Field(default="", sa_column=Column(sa.Text, nullable=False, server_default=""))
    min_price_minor: int | None = None
    currency: str = Field(default_factory=lambda: get_settings().default_currency, max_length=3)
    seats_taken: int = Field(default=0)
    seats_capacity: int | None = None
    # Bumped whenever seats of any of its packages change; open pages watch it (live seats).
    seats_version: int = Field(default=0)
    # Raised by every change a calendar shows (details, status): the SEQUENCE of the event's iCalendar entries.
    sequence: int = Field(default=0, sa_column=Column(sa.Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Package(SQLModel, table=True):
    __table_args__ = (
        sa.CheckConstraint("taken >= 0", name="ck_package_taken_nonnegative"),
        sa.CheckConstraint("capacity IS NULL OR taken <= capacity", name="ck_package_not_oversold"),
        sa.CheckConstraint("price_minor >= 0", name="ck_package_price_nonnegative"),
        sa.CheckConstraint("max_per_registration >= 1", name="ck_package_max_per_registration"),
        sa.Index("ix_package_event_position", "event_id", "position"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(foreign_key="event.id", ondelete="CASCADE")
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=300)
    perks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price_minor: int = 0
    currency: str = Field(default_factory=lambda: get_settings().default_currency, max_length=3)
    capacity: int | None = None
    taken: int = 0
    max_per_registration: int = 10
    sales_opens_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    sales_closes_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    position: int = 0
