"""Shared benchmark plumbing: throwaway migrated databases, percentiles, tables and JSON results."""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from khala import db as khala_db  # noqa: E402
from khala import wiring  # noqa: E402
from khala.cli import migrate  # noqa: E402

wiring.install()  # the same cross-domain hooks as the app (mail renderers, account deletion, …)

RESULTS = ROOT / "bench" / "results"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """A fresh, migrated database URL of ``kind`` ("sqlite" or "postgresql"), or None when unavailable."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            _migrate(url)
            yield url
        return
    name = f"khala_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"  (PostgreSQL unavailable: {exc.__class__.__name__}; skipped)")
        yield None
        return
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        khala_db._engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def using(url: str) -> Iterator[None]:
    engine = khala_db.make_engine(url)
    khala_db.use_engine(engine)
    try:
        yield
    finally:
        khala_db.use_engine(None)
        engine.dispose()


def pct(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(pct(samples, 50) * 1000, 2),
        "p95_ms": round(pct(samples, 95) * 1000, 2),
        "mean_ms": round(statistics.fmean(samples) * 1000, 2) if samples else float("nan"),
    }


def table(title: str, columns: list[str], rows: list[list[object]]) -> None:
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(columns)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n{line}")
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    print(line)
    for r in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))
    print(line)


def write_json(name: str, data: object) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    print(f"results written to {path.relative_to(ROOT)}")
    return path


__all__ = ["ROOT", "database", "migrate", "pct", "summary_ms", "table", "using", "write_json"]


def oversold(package_id: str, capacity: int) -> dict[str, int]:
    """Seats handed out beyond capacity, counted from the registrations themselves (and the package row)."""
    import sqlalchemy as sa

    from khala.db import get_engine
    from khala.events.models import Package
    from khala.registrations.models import Registration

    pid = uuid.UUID(package_id)
    with get_engine().connect() as conn:
        taken = conn.execute(sa.select(Package.taken).where(Package.id == pid)).scalar_one()
        seats = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Registration.quantity), 0)).where(
                Registration.package_id == pid, Registration.status == "confirmed"
            )
        ).scalar_one()
    return {"taken": taken, "confirmed_seats": seats, "oversold": max(0, seats - capacity, taken - capacity)}
