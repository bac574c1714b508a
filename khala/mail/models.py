"""The mail outbox: every message we send is first a row here, written in the sender's transaction."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first or next attempt (see next_attempt_at)
    SENDING = "sending"  # leased by a worker until lease_expires_at
    SENT = "sent"  # accepted by the SMTP server
    FAILED = "failed"  # gave up: permanent rejection or too many attempts (see last_error)
    CAPTURED = "captured"  # no SMTP configured: written to the log instead of sent


FINAL_STATUSES = frozenset({OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CAPTURED})


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message. ``inline_cid`` makes it an inline part (``<img src="cid:...">``)."""

    filename: str
    content_type: str
    data: bytes
    inline_cid: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "data_b64": base64.b64encode(self.data).decode("ascii"),
            "inline_cid": self.inline_cid,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Attachment:
        return cls(
            filename=raw["filename"],
            content_type=raw["content_type"],
            data=base64.b64decode(raw["data_b64"]),
            inline_cid=raw.get("inline_cid"),
        )


class OutboxMessage(SQLModel, table=True):
    """One mail to one recipient, from enqueue to delivery (or honest failure)."""

    __table_args__ = (
        # The claim query: due queued messages, and sending messages whose lease has expired.
        Index("ix_outboxmessage_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outboxmessage_status_lease_expires_at", "status", "lease_expires_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # RFC 5322 Message-ID, stable across retries so receivers can de-duplicate.
    message_id: str = Field(max_length=255, unique=True)
    recipient: str = Field(max_length=254, index=True)
    recipient_name: str | None = Field(default=None, max_length=200)
    reply_to: str | None = Field(default=None, max_length=254)
    subject: str = Field(max_length=300)
    template: str = Field(max_length=60)
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    # [{filename, content_type, data_b64, inline_cid}]
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Deferred mail (``mail.enqueue_later``): {"renderer": name, "args": {...}}; the bodies above stay empty and
    # are made when the mail is sent (``mail.rendering.materialize``).
    deferred: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default=OutboxStatus.QUEUED.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The worker holding (or, once finished, last holding) the message.
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))

    def attachment_list(self) -> list[Attachment]:
        return [Attachment.from_json(a) for a in self.attachments or []]
