"""GET /api/v1/events over HTTP at 20 concurrent for 15 s over 10,000 events: requests/s, p50/p95.

The API runs under Granian on 127.0.0.1 (one worker), on SQLite and on PostgreSQL, filled with the same
10,000 events as ``bench/catalogue.py``. The clients cycle through what a partner site asks: the first page,
a later page, a word, a category, cheapest first (page size 24, gzip accepted, no If-None-Match).

The API remembers each list answer for at most a second per process (``events.totals.answer``: seat counts lag
at most that; a change the process writes forgets it at once). The mix asks for about 130 different answers
(99 later pages, 20 words, 8 categories, the first page, cheapest first), so most requests are hits and every
answer is read and rendered again each second: the figures are that blend, as a partner site's traffic would be.

    .venv/bin/python bench/api_list.py [--seconds 15] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter

from _common import database, pct, table, using, write_json
from _loadgen import HTTPError, Pool
from api_rush import serve_api
from catalogue import CATEGORIES, WORDS, populate

KINDS = ("first page", "later page", "word", "category", "cheapest")


def query(kind: str, rng: random.Random) -> dict[str, object]:
    if kind == "later page":
        return {"page": rng.randint(2, 100)}
    if kind == "word":
        return {"q": rng.choice(WORDS)}
    if kind == "category":
        return {"category": rng.choice(CATEGORIES)}
    if kind == "cheapest":
        return {"sort": "price"}
    return {}


async def hammer(base: str, secret: str, seconds: float, concurrency: int) -> dict:
    latencies: dict[str, list[float]] = {k: [] for k in KINDS}
    statuses: Counter[str] = Counter()
    headers = {"X-API-Key": secret, "Accept-Encoding": "gzip"}
    async with Pool(base, concurrency, headers=headers) as pool:
        start = time.perf_counter()
        stop = start + seconds

        async def client(n: int) -> None:
            rng = random.Random(n)
            i = n
            while time.perf_counter() < stop:
                kind = KINDS[i % len(KINDS)]
                i += 1
                t = time.perf_counter()
                try:
                    status, _, _ = await pool.request("GET", "/events", params=query(kind, rng))
                    statuses[str(status)] += 1
                except (OSError, HTTPError, asyncio.IncompleteReadError) as exc:
                    statuses[type(exc).__name__] += 1
                latencies[kind].append(time.perf_counter() - t)

        await asyncio.gather(*(client(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - start
    every = [x for xs in latencies.values() for x in xs]
    return {
        "seconds": round(elapsed, 2),
        "concurrency": concurrency,
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(pct(every, 50) * 1000, 1),
        "p95_ms": round(pct(every, 95) * 1000, 1),
        "by_kind": {
            k: {"n": len(v), "p50_ms": round(pct(v, 50) * 1000, 1), "p95_ms": round(pct(v, 95) * 1000, 1)}
            for k, v in latencies.items()
        },
        "statuses": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    results, rows = {}, []
    for db_kind in ("sqlite", "postgresql"):
        with database(db_kind) as url:
            if url is None:
                continue
            with using(url):
                from khala.api import keys
                from khala.audit.service import Actor

                populate(random.Random(7))
                secret = keys.create_key("bench partner site", "read", actor=Actor.system("bench")).secret
            with serve_api(url) as base:
                asyncio.run(hammer(base, secret, 2, args.concurrency))  # warm up connections and caches
                r = asyncio.run(hammer(base, secret, args.seconds, args.concurrency))
            results[db_kind] = r
            slowest = max(r["by_kind"].items(), key=lambda kv: kv[1]["p95_ms"])
            rows.append(
                [
                    db_kind,
                    r["requests"],
                    r["requests_per_s"],
                    r["p50_ms"],
                    r["p95_ms"],
                    f"{slowest[0]} ({slowest[1]['p95_ms']} ms)",
                    ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items())),
                ]
            )
    table(
        f"API list: GET /api/v1/events, {args.concurrency} concurrent for {args.seconds:g} s over 10,000 events "
        "(Granian, 1 worker)",
        ["database", "requests", "req/s", "p50 ms", "p95 ms", "slowest kind (p95)", "statuses"],
        rows,
    )
    write_json("api_list", results)


if __name__ == "__main__":
    main()
