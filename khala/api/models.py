"""REST API tables: the keys integrators call with, and the answers kept for ``Idempotency-Key`` retries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow

SCOPES = ("read", "write")  # write includes read


class ApiKey(SQLModel, table=True):
    """A scoped key. The secret is shown once when created; only its SHA-256 is kept."""

    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    # The public part of the secret (``khala_<prefix>_…``): found by index, then the hash is compared.
    prefix: str = Field(max_length=16, unique=True)
    secret_hash: str = Field(max_length=64)  # sha256 hex of the whole secret
    # "read" or "write" (write includes read).
    scope: str = Field(default="read", max_length=10)
    # Who created it, as the audit trail names actors ("system:cli", "user:ada@example.com").
    created_by: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a request sent with an ``Idempotency-Key``, per API key.

    A row without ``status_code`` is a request still being answered (a concurrent retry gets 409); a finished
    row is replayed to every retry with the same body, and a different body under the same key gets 422.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (
        sa.UniqueConstraint("api_key_id", "key", name="uq_idempotency_record_key"),
        sa.Index("ix_idempotency_record_created", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    api_key_id: uuid.UUID = Field(foreign_key="api_key.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    # "POST /api/v1/packages/…/registrations": the same key on another operation is a different body.
    operation: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)  # sha256 hex of the canonical request body
    status_code: int | None = None
    response: Any = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(sa.JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
