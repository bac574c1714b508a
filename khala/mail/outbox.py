"""Outbox bookkeeping: claiming due messages with a lease and recording what happened to them.

Every state change is one short conditional UPDATE, so two workers (threads or processes) never
hold the same message at once:

- ``claim`` leases due messages (``queued`` with ``next_attempt_at`` reached, or ``sending`` whose
  lease has expired because its worker died). On PostgreSQL candidates are picked with
  ``FOR UPDATE SKIP LOCKED``; on SQLite the write transaction (BEGIN IMMEDIATE) serialises claimers.
  The UPDATE repeats the "is due" condition, so it is atomic on its own as well.
- ``mark_*`` only succeed while the caller still owns the lease (``status = 'sending' AND
  lease_owner = :me``); a worker that lost its lease learns it instead of overwriting.

Also the in-process wake-up used to deliver a freshly committed message without waiting for a poll.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from khala.db import get_engine, session_scope, utcnow
from khala.mail.models import OutboxMessage, OutboxStatus

_T = OutboxMessage.__table__  # type: ignore[attr-defined]


# ---------------------------------------------------------------- wake-up


class _Wake:
    """A broadcast "something was enqueued" signal for every worker in this process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    @property
    def generation(self) -> int:
        return self._generation

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until a notify newer than ``seen`` or ``timeout``; returns the current generation."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != seen, timeout)
            return self._generation


wake = _Wake()


def notify() -> None:
    """Wake every in-process worker now (called after a transaction that enqueued mail commits)."""
    wake.notify()


PG_CHANNEL = "khala_mail"


def listen_postgres(engine: Engine, stop: threading.Event, *, timeout: float = 1.0) -> None:
    """Relay PostgreSQL ``NOTIFY khala_mail`` (sent by ``enqueue`` and delivered on commit) to this
    process's workers, so a worker in another process than the enqueuer also wakes at once.
    Runs until ``stop`` is set; reconnects after errors. Polling still covers any gap."""
    import logging

    import psycopg

    log = logging.getLogger("khala.mail")
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {PG_CHANNEL}")
                while not stop.is_set():
                    for _ in conn.notifies(timeout=timeout, stop_after=1):
                        notify()
        except Exception:  # the database went away: retry after a pause
            log.warning("mail LISTEN connection failed; retrying", exc_info=True)
            stop.wait(timeout * 5)


# ---------------------------------------------------------------- lease


def _due(now: datetime):
    return or_(
        and_(_T.c.status == OutboxStatus.QUEUED.value, _T.c.next_attempt_at <= now),
        and_(_T.c.status == OutboxStatus.SENDING.value, _T.c.lease_expires_at < now),
    )


def claim(
    *,
    owner: str,
    limit: int = 20,
    lease_seconds: float = 60.0,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Lease up to ``limit`` due messages to ``owner``; returns them (status ``sending``)."""
    engine = engine or get_engine()
    now = now or utcnow()
    with session_scope(engine, write=True) as session:
        pick = select(_T.c.id).where(_due(now)).order_by(_T.c.next_attempt_at).limit(limit)
        if engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = list(session.execute(pick).scalars())
        if not ids:
            return []
        taken = session.execute(
            update(_T)
            .where(_T.c.id.in_(ids), _due(now))
            .values(
                status=OutboxStatus.SENDING.value,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                attempts=_T.c.attempts + 1,
            )
            .returning(_T.c.id)
        )
        taken_ids = list(taken.scalars())
        if not taken_ids:
            return []
        rows = session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(taken_ids))
            .order_by(OutboxMessage.next_attempt_at)
        )
        messages = list(rows.scalars())
        for m in messages:
            session.expunge(m)
        return messages


def renew(
    ids: Sequence[uuid.UUID],
    *,
    owner: str,
    lease_seconds: float,
    engine: Engine | None = None,
) -> set[uuid.UUID]:
    """Extend the lease on ``ids`` still held by ``owner``; returns the ids still ours."""
    if not ids:
        return set()
    with session_scope(engine or get_engine(), write=True) as session:
        result = session.execute(
            update(_T)
            .where(_T.c.id.in_(list(ids)), _owned(owner))
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
            .returning(_T.c.id)
        )
        return set(result.scalars())


def release(ids: Sequence[uuid.UUID], *, owner: str, engine: Engine | None = None) -> int:
    """Hand back messages leased to ``owner`` that it will not try (the worker is stopping): they are due again
    at once for any other worker, and the attempt their claim counted is given back."""
    if not ids:
        return 0
    with session_scope(engine or get_engine(), write=True) as session:
        result = session.execute(
            update(_T)
            .where(_T.c.id.in_(list(ids)), _owned(owner))
            .values(
                status=OutboxStatus.QUEUED.value,
                lease_owner=None,
                lease_expires_at=None,
                next_attempt_at=utcnow(),
                attempts=_T.c.attempts - 1,
            )
        )
        return result.rowcount


def _owned(owner: str):
    return and_(_T.c.status == OutboxStatus.SENDING.value, _T.c.lease_owner == owner)


def _finish(message_id: uuid.UUID, owner: str, engine: Engine | None, **values: object) -> bool:
    with session_scope(engine or get_engine(), write=True) as session:
        result = session.execute(
            update(_T).where(_T.c.id == message_id, _owned(owner)).values(lease_expires_at=None, **values)
        )
        return result.rowcount == 1


def mark_sent(message_id: uuid.UUID, *, owner: str, engine: Engine | None = None) -> bool:
    return _finish(
        message_id, owner, engine, status=OutboxStatus.SENT.value, sent_at=utcnow(), last_error=None
    )


def mark_captured(message_id: uuid.UUID, *, owner: str, engine: Engine | None = None) -> bool:
    return _finish(message_id, owner, engine, status=OutboxStatus.CAPTURED.value, sent_at=utcnow())


def mark_failed(message_id: uuid.UUID, *, owner: str, error: str, engine: Engine | None = None) -> bool:
    return _finish(message_id, owner, engine, status=OutboxStatus.FAILED.value, last_error=error[:2000])


def mark_retry(
    message_id: uuid.UUID, *, owner: str, error: str, next_attempt_at: datetime, engine: Engine | None = None
) -> bool:
    return _finish(
        message_id,
        owner,
        engine,
        status=OutboxStatus.QUEUED.value,
        next_attempt_at=next_attempt_at,
        last_error=error[:2000],
    )


def backoff(attempts: int, *, base: float = 30.0, cap: float = 3600.0) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: exponential, capped, ±10 % jitter."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.9, 1.1)


def requeue_failed(session: Session, message_id: uuid.UUID) -> bool:
    """Give a failed message a fresh start inside the caller's transaction (the admin's retry); True when it
    had failed. Call ``notify()`` after the commit so a worker picks it up at once."""
    result = session.execute(
        update(_T)
        .where(_T.c.id == message_id, _T.c.status == OutboxStatus.FAILED.value)
        .values(status=OutboxStatus.QUEUED.value, attempts=0, next_attempt_at=utcnow(), last_error=None)
    )
    return result.rowcount == 1
