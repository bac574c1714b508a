"""The outbox as the admin reads it: pages of messages with their delivery state, counts by status, and one
message rendered as it was (or would be) sent — one-time links shown as hidden, never as working secrets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from khala.db import get_engine, session_scope
from khala.errors import NotFound
from khala.lib.ids import parse_id
from khala.mail.models import OutboxMessage, OutboxStatus
from khala.mail.rendering import materialize
from khala.mail.service import _SEALED, NOT_FOUND

# ---------------------------------------------------------------- admin view


@dataclass(frozen=True)
class OutboxPage:
    items: list[MailStatusRow]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class OutboxHeader:
    """What every admin view of an outbox message shows of it."""

    id: uuid.UUID
    recipient: str
    subject: str
    template: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _header(row: OutboxMessage) -> dict[str, Any]:
    """The ``OutboxHeader`` fields of an outbox row."""
    return {
        "id": row.id,
        "recipient": row.recipient,
        "subject": row.subject,
        "template": row.template,
        "status": OutboxStatus(row.status),
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
    }


@dataclass(frozen=True)
class MailStatusRow(OutboxHeader):
    """One outbox row for the admin list (no bodies, no attachments)."""

    message_id: str
    next_attempt_at: datetime


def list_outbox(
    *,
    status: OutboxStatus | str | None = None,
    recipient: str | None = None,
    page: int = 1,
    per_page: int = 50,
    template: str | None = None,
) -> OutboxPage:
    """Newest first, one page; filter by status, (part of) the recipient address and the template."""
    page, per_page = max(1, page), min(max(1, per_page), 200)
    conditions = []
    if status:
        conditions.append(OutboxMessage.status == OutboxStatus(status).value)
    if recipient:
        conditions.append(
            func.lower(OutboxMessage.recipient).contains(recipient.strip().lower(), autoescape=True)
        )
    if template:
        conditions.append(OutboxMessage.template == template)
    with session_scope(get_engine()) as session:
        total = session.execute(
            select(func.count()).select_from(OutboxMessage).where(*conditions)
        ).scalar_one()
        rows = session.execute(
            select(OutboxMessage)
            .where(*conditions)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
        items = [
            MailStatusRow(**_header(r), message_id=r.message_id, next_attempt_at=r.next_attempt_at)
            for r in rows
        ]
    return OutboxPage(items=items, total=total, page=page, per_page=per_page)


def outbox_stats() -> dict[str, int]:
    """How many outbox messages are in each status (every status present, zero when none)."""
    with session_scope(get_engine()) as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    counts = {s.value: 0 for s in OutboxStatus}
    for status, n in rows:
        counts[str(status)] = int(n)
    return counts


# ---------------------------------------------------------------- one message, as the admin reads it

HIDDEN_LINK = "[one-time link hidden]"


@dataclass(frozen=True)
class MessageView(OutboxHeader):
    """One outbox message with its bodies for the admin's rendered view. One-time links stay sealed: the
    reader sees where they were, never a working secret."""

    html: str
    text: str
    attachments: tuple[tuple[str, str, int], ...]  # (filename, content type, bytes)


def message_view(message_id: uuid.UUID | str) -> MessageView:
    """A message as rendered into the outbox (sealed links shown as ``HIDDEN_LINK``); NotFound otherwise."""
    key = parse_id(message_id, "mail", message=NOT_FOUND)
    with session_scope(get_engine()) as session:
        row = session.get(OutboxMessage, key)
        if row is None:
            raise NotFound(NOT_FOUND)
        row = materialize(row, session=session)  # a deferred mail is shown as it would be sent now
        return MessageView(
            **_header(row),
            html=_SEALED.sub(HIDDEN_LINK, row.html_body or ""),
            text=_SEALED.sub(HIDDEN_LINK, row.text_body or ""),
            attachments=tuple(
                (
                    str(a.get("filename", "")),
                    str(a.get("content_type", "")),
                    len(a.get("data_b64", "")) * 3 // 4,
                )
                for a in row.attachments or []
            ),
        )
