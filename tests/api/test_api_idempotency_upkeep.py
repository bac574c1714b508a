"""Idempotency answers are kept a day; a claim whose answer never came (the process died) can be taken over."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from khala.api import idempotency, tasks
from khala.db import utcnow


def test_answers_expire_and_abandoned_claims_are_taken_over(db, make_key):
    key, _ = make_key("write")
    t0 = utcnow()
    claim = idempotency.begin(key.id, "k1", "POST /x", "h1", now=t0)
    idempotency.finish(claim, 201, {"id": 1}, now=t0)
    assert idempotency.begin(
        key.id, "k1", "POST /x", "h1", now=t0 + timedelta(hours=23)
    ) == idempotency.Replay(201, {"id": 1}, {})
    # A day later the key starts afresh (even with another body).
    again = idempotency.begin(key.id, "k1", "POST /x", "h2", now=t0 + idempotency.TTL)
    assert isinstance(again, uuid.UUID)

    stuck = idempotency.begin(key.id, "k2", "POST /x", "h1", now=t0)
    assert isinstance(stuck, uuid.UUID)
    later = idempotency.begin(key.id, "k2", "POST /x", "h1", now=t0 + idempotency.STALE_CLAIM)
    assert later == stuck  # the same row, claimed anew

    assert idempotency.purge_expired(now=t0 + timedelta(hours=1)) == 0
    # k2 was claimed anew at +5 min, k1 at +1 day: each goes a day after its own claim.
    assert idempotency.purge_expired(now=t0 + idempotency.TTL + timedelta(hours=1)) == 1
    assert idempotency.purge_expired(now=t0 + 2 * idempotency.TTL + timedelta(hours=1)) == 1


def test_the_upkeep_task_runs_the_purge(db, monkeypatch):
    calls = []
    monkeypatch.setattr(idempotency, "purge_expired", lambda: calls.append(1) or 0)

    async def one_round() -> None:
        task = asyncio.create_task(tasks.purge_idempotency_forever(interval=3600))
        while not calls:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(asyncio.wait_for(one_round(), timeout=10))
    assert calls == [1]
