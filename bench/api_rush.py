"""Box-office rush over HTTP: 1,000 POST /api/v1/packages/{id}/registrations at 50 concurrent, capacity 200.

The API runs in its own process under Granian on 127.0.0.1 (the ASGI server production uses, one worker),
on a fresh SQLite file and a fresh PostgreSQL database. Each attempt registers a new e-mail address (the
account is made, then the seat taken, as at a box office) with a write key. Reports registrations/s while
seats last, p50/p95 of every attempt, the status counts and the oversold count (must be 0).

Before the rush the same 50 connections register 200 other addresses for another package, as a server that has
been up a while would have done (its connection pool open, its statements compiled and prepared, the key
checked): the rush measures seats, not a cold worker's first second (the service rush warms up the same way).

    .venv/bin/python bench/api_rush.py [--attempts 1000] [--concurrency 50] [--capacity 200] [--workers 2]

``--workers 2`` adds a PostgreSQL run with two Granian workers sharing the rate limit in Redis (the production
lever ``python -m khala serve`` allows with Redis only); the default runs stay one worker, counters in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from _common import ROOT, database, oversold, pct, table, using, write_json
from _loadgen import HTTPError, Pool

GRANIAN = str(Path(sys.executable).with_name("granian"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_api(database_url: str, *, workers: int = 1, redis_url: str = "") -> Iterator[str]:
    """``khala.rest:standalone`` under Granian on 127.0.0.1; yields its base URL (…/api/v1). Several workers
    need ``redis_url`` (the rate limit's counters shared by all, as ``python -m khala serve`` insists)."""
    if workers > 1 and not redis_url:
        raise ValueError("several workers share their rate-limit counters in Redis: give redis_url")
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "KHALA_DATABASE_URL": database_url,
            "KHALA_DATA_DIR": data_dir,
            "KHALA_API_RATE_LIMIT": "1000000/minute",  # the benchmark measures seats, not the limiter
            "KHALA_REDIS_URL": redis_url,
        }
        log = Path(data_dir) / "server.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [
                    GRANIAN,
                    "--interface",
                    "asgi",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                    "khala.rest:standalone",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the API server did not start:\n" + log.read_text()[-3000:])
                time.sleep(0.2)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # our own child's process group (Granian and its worker)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


WARM_UP = 200


def setup(capacity: int) -> tuple[str, str, str]:
    """A published event with one package of ``capacity`` seats (one per registration), a second package of
    ``WARM_UP`` seats for the warm-up, and a write key."""
    from khala.api import keys
    from khala.audit.service import Actor
    from khala.db import session_scope, utcnow
    from khala.events import service as events

    bench = Actor.system("bench")
    with session_scope(write=True) as s:
        event = events.create_event(
            s, title="API Rush", starts_at=utcnow() + timedelta(days=7), status="published", actor=bench
        )
        package = events.add_package(
            s, event.id, title="Rush tier", capacity=capacity, max_per_registration=1, actor=bench
        )
        warm = events.add_package(
            s, event.id, title="Warm-up tier", capacity=WARM_UP, max_per_registration=1, actor=bench
        )
        package_id, warm_id = str(package.id), str(warm.id)
    return package_id, warm_id, keys.create_key("bench box office", "write", actor=bench).secret


async def warm_up(base: str, package_id: str, secret: str, concurrency: int) -> None:
    """What a running server has done already: ``WARM_UP`` registrations of other addresses (all must
    succeed), so the rush meets an open pool, compiled statements and a checked key."""
    r = await rush(base, package_id, secret, WARM_UP, concurrency, WARM_UP, prefix="warm")
    if r["statuses"] != {"201": WARM_UP}:
        raise SystemExit(f"the warm-up failed: {r['statuses']}")


async def rush(
    base: str,
    package_id: str,
    secret: str,
    attempts: int,
    concurrency: int,
    capacity: int,
    prefix: str = "rush",
) -> dict:
    latencies: list[float] = []
    ok_times: list[float] = []
    statuses: Counter[str] = Counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(attempts):
        queue.put_nowait(i)
    async with Pool(base, concurrency, headers={"X-API-Key": secret}) as pool:
        start = time.perf_counter()

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                t = time.perf_counter()
                try:
                    status, _, body = await pool.request(
                        "POST",
                        f"/packages/{package_id}/registrations",
                        json_body={"email": f"{prefix}{i}@bench.invalid"},
                    )
                    key = str(status) + (f" {json.loads(body).get('code')}" if status >= 400 else "")
                except (OSError, HTTPError, asyncio.IncompleteReadError) as exc:
                    key = type(exc).__name__
                done = time.perf_counter()
                latencies.append(done - t)
                statuses[key] += 1
                if key == "201":
                    ok_times.append(done - start)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        total = time.perf_counter() - start
    sold_by = max(ok_times) if ok_times else total
    return {
        "attempts": attempts,
        "concurrency": concurrency,
        "capacity": capacity,
        "registered": len(ok_times),
        "seconds_until_sold_out": round(sold_by, 3),
        "registrations_per_s": round(len(ok_times) / sold_by, 1) if ok_times else 0.0,
        "attempts_per_s": round(attempts / total, 1),
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p95_ms": round(pct(latencies, 95) * 1000, 1),
        "total_s": round(total, 3),
        "statuses": dict(sorted(statuses.items())),
    }


REDIS_URL = os.environ.get("KHALA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=200)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="*",
        default=[],
        help="also run PostgreSQL with this many Granian workers, the rate limit in Redis (KHALA_BENCH_REDIS_URL)",
    )
    args = parser.parse_args()
    runs = [("sqlite", 1), ("postgresql", 1)] + [("postgresql", n) for n in args.workers if n > 1]
    results, rows = {}, []
    for kind, workers in runs:
        with database(kind) as url:
            if url is None:
                continue
            with using(url):
                package_id, warm_id, secret = setup(args.capacity)
            redis = REDIS_URL if workers > 1 else ""
            with serve_api(url, workers=workers, redis_url=redis) as base:
                asyncio.run(warm_up(base, warm_id, secret, args.concurrency))
                r = asyncio.run(
                    rush(base, package_id, secret, args.attempts, args.concurrency, args.capacity)
                )
            with using(url):
                r.update(oversold(package_id, args.capacity))
            r["workers"], r["rate_limit_in"] = workers, "redis" if redis else "memory"
            name = kind if workers == 1 else f"{kind}, {workers} workers + Redis"
            results[name] = r
            rows.append(
                [
                    name,
                    workers,
                    r["registered"],
                    r["registrations_per_s"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["total_s"],
                    ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()),
                    r["oversold"],
                ]
            )
    table(
        f"API rush: {args.attempts} attempts, {args.concurrency} concurrent, capacity {args.capacity} "
        "(POST /api/v1/packages/{id}/registrations over HTTP, Granian; "
        f"after {WARM_UP} warm-up registrations)",
        [
            "database",
            "workers",
            "registered",
            "reg/s while seats last",
            "p50 ms",
            "p95 ms",
            "total s",
            "statuses",
            "oversold",
        ],
        rows,
    )
    write_json("api_rush", results)
    if any(r["oversold"] for r in results.values()):
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    main()
