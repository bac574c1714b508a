"""Registration rush through the service the UI calls: 1,000 attempts, 50 at a time, capacity 100.

Reports registrations/s while seats last, latency percentiles and the oversold count, on SQLite and PostgreSQL.
Before the rush the same threads register 200 other accounts for another package, as a running server would
have done: the connection pool is open and the statements are prepared (the rush measures seats, not warm-up).

    .venv/bin/python bench/rush.py [--attempts 1000] [--concurrency 50] [--capacity 100]
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from _common import database, pct, table, using, write_json

ATTEMPTS = 1_000
CONCURRENCY = 50
CAPACITY = 100
WARM_UP = 200


def setup(
    prefix: str = "rush", capacity: int | None = None, attempts: int | None = None
) -> tuple[str, list[str]]:
    import sqlalchemy as sa

    from khala.accounts.models import User
    from khala.audit.service import Actor
    from khala.db import get_engine, session_scope, utcnow
    from khala.events import service as events
    from khala.events.models import EventStatus

    with session_scope(write=True) as s:
        event = events.create_event(
            s,
            title="Rush",
            starts_at=utcnow() + timedelta(days=7),
            status=EventStatus.published,
            actor=Actor.system("bench"),
        )
        package = events.add_package(
            s,
            event.id,
            title="Rush tier",
            capacity=CAPACITY if capacity is None else capacity,
            max_per_registration=1,
            actor=Actor.system("bench"),
        )
        package_id = str(package.id)
    users = [
        {
            "id": uuid.uuid4(),
            "email": f"{prefix}{i}@bench.invalid",
            "display_name": f"Rush {i}",
            "is_admin": False,
            "created_at": utcnow(),
        }
        for i in range(ATTEMPTS if attempts is None else attempts)
    ]
    columns = {c.name for c in User.__table__.columns}
    with get_engine().begin() as conn:
        defaults = {
            c.name: c.default.arg
            for c in User.__table__.columns
            if c.default is not None and not callable(c.default.arg) and c.name not in users[0]
        }
        conn.execute(
            sa.insert(User.__table__),
            [{**defaults, **{k: v for k, v in u.items() if k in columns}} for u in users],
        )
    return package_id, [str(u["id"]) for u in users]


def rush(package_id: str, users: list[str]) -> dict[str, float]:
    from sqlalchemy import func
    from sqlmodel import select

    from khala.audit.service import Actor
    from khala.db import session_scope
    from khala.errors import SoldOut
    from khala.events.models import Package
    from khala.registrations import service as registrations
    from khala.registrations.models import Registration

    ok_latency: list[float] = []
    all_latency: list[float] = []
    ok_times: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def attempt(user_id: str) -> None:
        t = time.perf_counter()
        try:
            registrations.register(user_id, package_id, 1, actor=Actor.user(user_id))
            success = True
        except SoldOut:
            success = False
        done = time.perf_counter()
        with lock:
            all_latency.append(done - t)
            if success:
                ok_latency.append(done - t)
                ok_times.append(done - start)

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(attempt, users))
    total = time.perf_counter() - start
    with session_scope() as s:
        taken = s.get(Package, uuid.UUID(package_id)).taken
        confirmed = s.exec(
            select(func.count())
            .select_from(Registration)
            .where(Registration.package_id == uuid.UUID(package_id), Registration.status == "confirmed")
        ).one()
    sell_out = max(ok_times) if ok_times else float("nan")
    return {
        "attempts": len(all_latency),
        "confirmed": confirmed,
        "seats_taken": taken,
        "oversold": max(0, confirmed - CAPACITY) + max(0, taken - CAPACITY),
        "sold_out_after_s": round(sell_out, 3),
        "registrations_per_s_while_seats_last": round(len(ok_times) / sell_out, 1) if ok_times else 0,
        "attempts_per_s_overall": round(len(all_latency) / total, 1),
        "p50_ms": round(pct(all_latency, 50) * 1000, 1),
        "p95_ms": round(pct(all_latency, 95) * 1000, 1),
        "p95_successful_ms": round(pct(ok_latency, 95) * 1000, 1),
    }


def warm_up() -> None:
    """What a running server has done already: its pool open, its statements prepared."""
    from khala.audit.service import Actor
    from khala.registrations import service as registrations

    package_id, users = setup("warm", capacity=WARM_UP, attempts=WARM_UP)
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(lambda u: registrations.register(u, package_id, 1, actor=Actor.user(u)), users))


def main() -> None:
    global ATTEMPTS, CONCURRENCY, CAPACITY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=ATTEMPTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--capacity", type=int, default=CAPACITY)
    args = parser.parse_args()
    ATTEMPTS, CONCURRENCY, CAPACITY = args.attempts, args.concurrency, args.capacity
    results: dict[str, object] = {
        "attempts": ATTEMPTS,
        "concurrency": CONCURRENCY,
        "capacity": CAPACITY,
        "warm_up_registrations": WARM_UP,
        "backends": {},
    }
    rows = []
    for kind in ("sqlite", "postgresql"):
        with database(kind) as url:
            if url is None:
                continue
            with using(url):
                warm_up()
                package_id, users = setup()
                r = rush(package_id, users)
            results["backends"][kind] = r  # type: ignore[index]
            rows.append(
                [
                    kind,
                    r["confirmed"],
                    r["oversold"],
                    r["registrations_per_s_while_seats_last"],
                    r["attempts_per_s_overall"],
                    r["p50_ms"],
                    r["p95_ms"],
                ]
            )
    table(
        f"rush: {ATTEMPTS} attempts, {CONCURRENCY} concurrent, capacity {CAPACITY}",
        ["backend", "confirmed", "oversold", "reg/s while seats last", "attempts/s", "p50 ms", "p95 ms"],
        rows,
    )
    write_json("rush", results)
    if any(r["oversold"] for r in results["backends"].values()):  # type: ignore[union-attr]
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    main()
