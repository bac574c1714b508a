"""A stopping worker (SIGTERM) finishes the message it is sending and hands back the rest of its batch at once,
so another replica sends them now instead of after the lease runs out."""

from __future__ import annotations

import threading

from sqlalchemy import select

from khala.db import session_scope
from khala.mail.models import OutboxMessage, OutboxStatus
from khala.mail.worker import Worker


class _StopAfterFirst:
    """A transport that records what it sends and asks the worker to stop after the first message."""

    captures = False

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.sent: list[str] = []

    def send(self, message: OutboxMessage) -> None:
        self.sent.append(message.recipient)
        self.stop.set()

    def close(self) -> None:
        pass


def test_stopping_worker_releases_the_rest_of_its_batch(enqueue_many) -> None:
    enqueue_many(5)
    stop = threading.Event()
    transport = _StopAfterFirst(stop)
    worker = Worker(transport=transport, batch_size=5, lease_seconds=600, purge_every=0)
    worker.run(stop)  # returns once the first message is sent and the rest handed back
    assert len(transport.sent) == 1
    with session_scope() as s:
        rows = s.execute(select(OutboxMessage)).scalars().all()
    by_status = {status: [r for r in rows if r.status == status] for status in {r.status for r in rows}}
    assert len(by_status[OutboxStatus.SENT.value]) == 1
    released = by_status[OutboxStatus.QUEUED.value]
    assert len(released) == 4
    # Due now for anyone, no lease, and the claim's attempt given back.
    assert all(r.lease_owner is None and r.lease_expires_at is None and r.attempts == 0 for r in released)
    # Another worker picks them up straight away.
    other = _StopAfterFirst(threading.Event())
    Worker(transport=other, batch_size=10, purge_every=0).run_once()
    assert sorted(other.sent) == sorted(r.recipient for r in released)
