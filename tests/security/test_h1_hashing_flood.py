"""H1: made-up reset tokens must not cost an argon2 hash, and hashing must never starve other handlers.

Before the fix ``reset_password`` validated and hashed the new password (64 MiB, ~0.1 s) before it looked
at the token, in asyncio's default executor: ~20 bogus resets a second filled every thread, and session
lookups and page handlers of every visitor waited behind them. Now a bad token is refused first (a lookup),
and every hash runs in its own small pool at a lower CPU priority, with a bounded queue.

Both tests drive the real handlers in one event loop, as the server does, and measure an unrelated handler
(``SessionState.load_session``, the session lookup every page makes) while the flood runs. The figures are
printed and written to ``test-artifacts/security-flood.json`` for the closing note.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from pathlib import Path

import pytest

from khala.accounts import passwords, service
from khala.accounts.state import LoginState, ResetPasswordState, SessionState
from tests.handlers import state_tree, substate
from tests.security.conftest import p95

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


async def _probe(cookie: str) -> float:
    state = substate(state_tree(cookie, path="/events", ip="10.1.1.1"), SessionState)
    started = time.perf_counter()
    await state.load_session()
    assert state.signed_in
    return time.perf_counter() - started


async def _measure(cookie: str, flood, *, idle_samples: int = 40, every: float = 0.02) -> dict:
    """p95 of the probe idle, then while ``flood`` runs: a probe starts every ``every`` seconds whether or not
    the earlier ones have answered (a visitor arriving at a random moment), so slow periods are not sampled
    less than fast ones."""
    idle = [await _probe(cookie) for _ in range(idle_samples)]
    task = asyncio.create_task(flood())
    probes: list[asyncio.Task] = []
    while not task.done():
        probes.append(asyncio.create_task(_probe(cookie)))
        await asyncio.sleep(every)
    sent, slowest = await task
    during = list(await asyncio.gather(*probes))
    return {
        "requests_sent": sent,
        "slowest_flood_request_s": round(slowest, 4),
        "probes_idle": len(idle),
        "probes_during_flood": len(during),
        "p95_idle_s": round(p95(idle), 4),
        "p95_flood_s": round(p95(during), 4),
    }


def _report(name: str, figures: dict) -> None:
    print(f"\n{name}: {figures}")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "security-flood.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=2))


def _assert_responsive(figures: dict) -> None:
    assert figures["probes_during_flood"] >= 5, figures
    # Idle, a session lookup takes a few milliseconds; during the flood it must stay under a second (before the
    # fix it waited seconds behind the hashes: 4.5 s at only 300 requests). The bound is that order of magnitude,
    # not a benchmark: on this shared 2-core machine the flood's p95 swings 0.04–0.6 s with the other load
    # (0.26 s in one clean-clone CI run), so a quarter-second bound failed on noise.
    assert figures["p95_flood_s"] < max(1.0, 10 * figures["p95_idle_s"]), figures


@pytest.mark.slow
def test_bogus_reset_flood_leaves_the_site_answering(db, person, monkeypatch) -> None:
    _user, cookie = person()
    hashed: list[int] = []
    real_hash = passwords.PASSWORD_HASHER.hash
    monkeypatch.setattr(
        passwords.PASSWORD_HASHER, "hash", lambda *a, **k: hashed.append(1) or real_hash(*a, **k)
    )
    total, concurrency = 2000, 50

    async def flood() -> tuple[int, float]:
        gate = asyncio.Semaphore(concurrency)
        slowest = 0.0

        async def one(i: int) -> None:
            nonlocal slowest
            async with gate:
                token = secrets.token_urlsafe(32)
                state = substate(
                    state_tree(
                        None, path="/reset-password", query={"token": token}, ip=f"203.0.113.{i % 250}"
                    ),
                    ResetPasswordState,
                )
                started = time.perf_counter()
                await state.submit(
                    {
                        "password": "a perfectly fine passphrase",
                        "password_again": "a perfectly fine passphrase",
                    }
                )
                slowest = max(slowest, time.perf_counter() - started)
                assert state.status == "unknown", state.status

        await asyncio.gather(*(one(i) for i in range(total)))
        return total, slowest

    figures = asyncio.run(_measure(cookie, flood))
    _report(f"bogus_password_resets[{db.dialect.name}]", figures)
    assert hashed == [], "a made-up token must be refused before anything is hashed"
    _assert_responsive(figures)


@pytest.mark.slow
def test_sign_in_flood_queues_in_the_hash_pool_not_in_front_of_everyone(db, person) -> None:
    """Wrong passwords do hash (the same work as a real check, so they reveal nothing): a flood of them from
    many clients waits in the hash pool, over its bound it is told to retry, and other handlers go on."""
    _user, cookie = person()
    total, concurrency = 80, 40
    busy: list[int] = []

    async def flood() -> tuple[int, float]:
        gate = asyncio.Semaphore(concurrency)
        slowest = 0.0

        async def one(i: int) -> None:
            nonlocal slowest
            async with gate:
                state = substate(
                    state_tree(None, path="/login", ip=f"198.51.{i // 250}.{i % 250}"), LoginState
                )
                started = time.perf_counter()
                async for _ in state.submit(
                    {
                        "email": f"nobody-{uuid.uuid4().hex[:8]}@example.com",
                        "password": "not the password at all",
                    }
                ):
                    pass
                slowest = max(slowest, time.perf_counter() - started)
                if state.error == passwords.BUSY:
                    busy.append(i)
                else:
                    assert state.error == "Wrong e-mail address or password.", state.error

        await asyncio.gather(*(one(i) for i in range(total)))
        return total, slowest

    figures = asyncio.run(_measure(cookie, flood))
    figures["told_busy"] = len(busy)
    _report(f"wrong_password_sign_ins[{db.dialect.name}]", figures)
    _assert_responsive(figures)
    assert passwords.pending_hash_jobs() == 0


def test_reset_refuses_bad_tokens_before_validating_or_hashing(db, monkeypatch) -> None:
    """The service itself: unknown token → BadToken without touching the hasher (nor the password rules)."""
    monkeypatch.setattr(passwords, "hash_password", lambda p: pytest.fail("hashed for a bogus token"))
    with pytest.raises(service.BadToken) as exc:
        service.reset_password("made-up-token", "short")
    assert exc.value.reason == "unknown"
