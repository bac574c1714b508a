"""Who changed what: one row per change made on behalf of someone, written in the change's own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_object", "object_type", "object_id", "at"),
        sa.Index("ix_audit_entry_actor", "actor_id", "at"),
        sa.Index("ix_audit_entry_action", "action", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    # user | api_key | system. No foreign key: the trail outlives what it names (deleted keys, anonymised users).
    actor_kind: str = Field(max_length=10)
    actor_id: uuid.UUID | None = Field(default=None)
    # What the actor was called when it acted (an e-mail, a key's name, "system: mail worker").
    actor_label: str = Field(default="", max_length=254)
    # Dotted, past tense: event.published, package.capacity_changed, registration.cancelled_by_admin, …
    action: str = Field(max_length=80)
    object_type: str = Field(max_length=40)
    object_id: str = Field(default="", max_length=64)
    # {"field": [before, after], …} for the fields that changed; JSON-safe values only.
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(sa.JSON, nullable=False))
    # Anything else worth knowing (a reason, a quantity, the client address).
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(sa.JSON, nullable=False))
