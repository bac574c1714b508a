"""Catalogue search at 10,000 events: p50/p95 of `search_events` (page size 24) on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta

from _common import database, summary_ms, table, using, write_json

N_EVENTS = 10_000
RUNS = 200

WORDS = [
    "jazz",
    "rock",
    "folk",
    "python",
    "design",
    "food",
    "beer",
    "film",
    "kids",
    "chess",
    "poetry",
    "yoga",
    "techno",
    "opera",
    "startup",
    "retro",
    "coffee",
    "wine",
    "ballet",
    "science",
]
CITIES = [
    "Stockholm",
    "Göteborg",
    "Malmö",
    "Uppsala",
    "Oslo",
    "Bergen",
    "København",
    "Aarhus",
    "Helsinki",
    "Tampere",
    "Reykjavík",
    "Umeå",
]
CATEGORIES = ["music", "tech", "food", "sports", "art", "family", "film", "gaming"]


def populate(rng: random.Random) -> None:
    import sqlalchemy as sa

    from khala.db import get_engine, utcnow
    from khala.events.catalogue import normalise_text
    from khala.events.models import Category, Event, Package
    from khala.locations.models import Location

    engine = get_engine()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(sa.insert(Category), [{"name": c.title(), "slug": c} for c in CATEGORIES])
        cat_ids = {r.slug: r.id for r in conn.execute(sa.select(Category.id, Category.slug))}
        locations = []
        for i in range(60):
            city = CITIES[i % len(CITIES)]
            locations.append(
                {
                    "id": uuid.uuid4(),
                    "name": f"Venue {i} {rng.choice(WORDS).title()} Hall",
                    "street": f"Storgatan {i}",
                    "postal_code": "111 11",
                    "city": city,
                    "region": "",
                    "country": "SE",
                }
            )
        conn.execute(sa.insert(Location), locations)
        events, packages = [], []
        for i in range(N_EVENTS):
            loc = rng.choice(locations)
            title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} night {i}"
            summary = " ".join(rng.choice(WORDS) for _ in range(8))
            starts = now + timedelta(days=rng.uniform(-30, 365), hours=rng.randint(0, 23))
            price = rng.choice([0, 0, 9900, 15000, 25000, 49500])
            cap = rng.choice([None, 50, 100, 500])
            taken = 0 if cap is None else rng.randint(0, cap)
            eid = uuid.uuid4()
            events.append(
                {
                    "id": eid,
                    "slug": f"bench-{i}",
                    "title": title,
                    "summary": summary,
                    "description": "",
                    "category_id": cat_ids[rng.choice(CATEGORIES)],
                    "location_id": loc["id"],
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=3),
                    "timezone": "Europe/Stockholm",
                    "status": "published",
                    "search_text": normalise_text(f"{title} {summary} {loc['name']} {loc['city']}"),
                    "min_price_minor": price,
                    "currency": "SEK",
                    "seats_taken": taken,
                    "seats_capacity": cap,
                    "seats_version": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            packages.append(
                {
                    "id": uuid.uuid4(),
                    "event_id": eid,
                    "title": "Standard",
                    "description": "",
                    "perks": [],
                    "price_minor": price,
                    "currency": "SEK",
                    "capacity": cap,
                    "taken": taken,
                    "max_per_registration": 10,
                    "position": 0,
                }
            )
        conn.execute(sa.insert(Event.__table__), events)
        conn.execute(sa.insert(Package.__table__), packages)
        conn.execute(sa.text("ANALYZE"))


def measure(rng: random.Random) -> dict[str, dict[str, float]]:
    from khala.db import utcnow
    from khala.events.catalogue import search_events

    now = utcnow()
    cases = {
        "text query": lambda: search_events(rng.choice(WORDS), page_size=24),
        "category + city": lambda: search_events(
            category=rng.choice(CATEGORIES), city=rng.choice(CITIES), page_size=24
        ),
        "date range (30 days)": lambda: search_events(
            date_from=(d := now + timedelta(days=rng.randint(0, 300))),
            date_to=d + timedelta(days=30),
            page_size=24,
        ),
        "everything, by popularity": lambda: search_events(sort="popularity", page=rng.randint(1, 50)),
    }
    out = {}
    for name, fn in cases.items():
        for _ in range(10):
            fn()  # warm-up
        samples = []
        for _ in range(RUNS):
            t = time.perf_counter()
            page = fn()
            samples.append(time.perf_counter() - t)
            assert len(page.items) <= 24
        out[name] = summary_ms(samples)
    return out


def main() -> None:
    results: dict[str, object] = {"events": N_EVENTS, "runs_per_case": RUNS, "page_size": 24, "backends": {}}
    rows = []
    for kind in ("sqlite", "postgresql"):
        with database(kind) as url:
            if url is None:
                continue
            with using(url):
                t = time.perf_counter()
                populate(random.Random(7))
                print(f"{kind}: {N_EVENTS} events generated in {time.perf_counter() - t:.1f}s")
                res = measure(random.Random(11))
            results["backends"][kind] = res  # type: ignore[index]
            rows += [[kind, case, r["p50_ms"], r["p95_ms"], r["mean_ms"]] for case, r in res.items()]
    table(
        f"search_events at {N_EVENTS:,} events, page size 24 ({RUNS} runs each)",
        ["backend", "case", "p50 ms", "p95 ms", "mean ms"],
        rows,
    )
    write_json("catalogue", results)


if __name__ == "__main__":
    main()
