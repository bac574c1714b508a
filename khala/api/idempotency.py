"""``Idempotency-Key``: a retried request gets the first answer and changes nothing again.

The flow for a request that carries a key (per API key; keys are kept ``TTL``):

1. ``begin`` claims the key in its own short transaction (a unique index makes the claim atomic across
   workers). A key already answered returns a ``Replay`` of the first answer; one still being answered is a
   409, so two concurrent retries never both run; the same key with another body (or on another operation)
   is a 422.
2. The operation runs (its own transaction, as without a key).
3. ``finish`` stores the answer (a success or a domain error such as "sold out"); an unexpected failure
   ``release``s the key, so the client can simply retry.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from khala.api.models import IdempotencyRecord
from khala.db import session_scope, utcnow
from khala.errors import Conflict, DomainError, InvalidInput
from khala.lib.i18n import gettext as _

TTL = timedelta(hours=24)
# A claim older than this whose answer never came (the process died mid-request) may be taken over.
STALE_CLAIM = timedelta(minutes=5)
MAX_KEY_LENGTH = 255
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as an HTTP header value can carry
HEADER = "Idempotency-Key"


def _in_progress() -> str:
    return _("A request with this %(header)s is still being answered; retry in a moment.") % {
        "header": HEADER
    }


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency-key-reused"


class IdempotencyInProgress(Conflict):
    code = "idempotency-in-progress"


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def fingerprint(payload: Any) -> str:
    """SHA-256 of a request's meaning: its parsed body as canonical JSON (key order and spacing do not
    matter), so a retry matches however its client serialises."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(canonical).hexdigest()


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not _KEY_RE.match(key):
        raise InvalidInput(
            {
                HEADER: _(
                    "The %(header)s header must be 1 to %(max)d visible ASCII characters (a UUID is ideal)."
                )
                % {"header": HEADER, "max": MAX_KEY_LENGTH}
            }
        )
    return key


def begin(
    api_key_id: str | uuid.UUID,
    key: str,
    operation: str,
    request_hash: str,
    *,
    now: datetime | None = None,
) -> uuid.UUID | Replay:
    """Claim ``key`` for this request (returns the claim's id) or return the first answer to replay."""
    kid = api_key_id if isinstance(api_key_id, uuid.UUID) else uuid.UUID(str(api_key_id))
    key = check_key(key)
    now = now or utcnow()
    operation = operation[:300]
    for _attempt in range(3):
        try:
            with session_scope(write=True) as s:
                record = s.exec(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.api_key_id == kid, IdempotencyRecord.key == key
                    )
                ).first()
                if record is None:
                    record = IdempotencyRecord(
                        api_key_id=kid,
                        key=key,
                        operation=operation,
                        request_hash=request_hash,
                        created_at=now,
                    )
                    s.add(record)
                    s.flush()
                    return record.id
                expired = now - record.created_at >= TTL
                abandoned = record.status_code is None and now - record.created_at >= STALE_CLAIM
                if expired or abandoned:
                    # Forgotten or never answered: the key starts afresh for this request.
                    record.operation, record.request_hash, record.created_at = operation, request_hash, now
                    record.status_code, record.response, record.headers = None, None, {}
                    record.completed_at = None
                    s.add(record)
                    return record.id
                if record.operation != operation or record.request_hash != request_hash:
                    raise IdempotencyKeyReused(
                        _(
                            "This %(header)s was already used for a different request; use a new key for a new "
                            "request."
                        )
                        % {"header": HEADER}
                    )
                if record.status_code is None:
                    raise IdempotencyInProgress(_in_progress())
                return Replay(record.status_code, record.response, dict(record.headers or {}))
        except IntegrityError:
            continue  # a concurrent request claimed the key first: read its claim
    raise IdempotencyInProgress(_in_progress())


def finish(
    claim_id: uuid.UUID, status_code: int, body: Any, headers: dict[str, str] | None = None, *, now=None
) -> None:
    """Keep the answer for the retries to come."""
    with session_scope(write=True) as s:
        s.execute(
            sa.update(IdempotencyRecord)
            .where(col(IdempotencyRecord.id) == claim_id)
            .values(
                status_code=status_code,
                response=body,
                headers=dict(headers or {}),
                completed_at=now or utcnow(),
            )
        )


def release(claim_id: uuid.UUID) -> None:
    """Forget an unanswered claim (the operation failed unexpectedly): the client may retry."""
    with session_scope(write=True) as s:
        s.execute(
            sa.delete(IdempotencyRecord).where(
                col(IdempotencyRecord.id) == claim_id, col(IdempotencyRecord.status_code).is_(None)
            )
        )


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete answers older than ``TTL``; returns how many went."""
    cutoff = (now or utcnow()) - TTL
    with session_scope(write=True) as s:
        return s.execute(
            sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < cutoff)
        ).rowcount
