"""Is this process able to serve? One structured report for ``/readyz``, the admin and scripts.

``check()`` probes what a request may need — the database, the schema (migrations at head), Redis when
configured, the image store — each with a time limit, and says what is wrong in words an operator can act
on. Reasons never carry credentials (URLs are shown without their passwords).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text

from khala.db import get_engine
from khala.images.storage import AzureBlobStore, LocalStore, get_store
from khala.ops import build, migrations
from khala.settings import get_settings

log = logging.getLogger("khala.health")

STARTED = time.time()
_CREDENTIALS = re.compile(r"(?i)(://[^/\s:@]+:)[^@\s/]+@|(AccountKey=)[^;\s]+|(password=)[^&;\s]+")


def _redact(message: str) -> str:
    def repl(m: re.Match[str]) -> str:
        prefix = m.group(1) or m.group(2) or m.group(3)
        return f"{prefix}***@" if m.group(1) else f"{prefix}***"

    return _CREDENTIALS.sub(repl, message)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class Report:
    ok: bool
    checks: tuple[Check, ...]
    info: dict[str, object] = field(default_factory=dict)

    @property
    def reasons(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]

    def as_dict(self, *, detailed: bool = True) -> dict[str, object]:
        """The report as JSON. ``detailed=False`` (what anyone may see) names each check and says why a
        failing one fails, without the details of healthy ones (paths, versions) or the process info."""
        status = "ok" if self.ok else "unavailable"
        if not detailed:
            checks = {c.name: {"ok": c.ok, **({} if c.ok else {"detail": c.detail})} for c in self.checks}
            return {"status": status, "checks": checks}
        return {
            "status": status,
            "checks": {
                c.name: {"ok": c.ok, "detail": c.detail, "ms": round(c.seconds * 1000, 1)}
                for c in self.checks
            },
            "info": self.info,
        }


def _timed(name: str, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reason
        first_line = (str(exc).strip().splitlines() or [""])[0][:300]
        detail = _redact(f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__)
        ok = False
    return Check(name, ok, detail, time.perf_counter() - started)


def _database() -> str:
    engine = get_engine()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return engine.dialect.name


def _migrations() -> str:
    st = migrations.state()
    if st.at_head:
        return "at head " + ", ".join(sorted(st.heads))
    current = ", ".join(sorted(st.current)) or "none"
    raise RuntimeError(
        f"schema at {current}, code expects {', '.join(sorted(st.heads))}: run `python -m khala migrate`"
    )


def _redis() -> str:
    url = get_settings().redis_url
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1.5, socket_timeout=1.5)
    try:
        client.ping()
    finally:
        client.close()
    return "ping ok"


_store_ok_until = 0.0


def _image_store() -> str:
    """Local: the media directory is writable. Azure: the container answers (cached for 10 s)."""
    global _store_ok_until
    store = get_store()
    if isinstance(store, LocalStore):
        root = store.root
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK):
            raise PermissionError(f"{root} is not writable")
        return f"local {root}"
    if isinstance(store, AzureBlobStore):
        if time.monotonic() < _store_ok_until:
            return f"azure {store.account_name}/{store.container} (checked recently)"
        store.client.get_container_client(store.container).get_container_properties(timeout=3)
        _store_ok_until = time.monotonic() + 10
        return f"azure {store.account_name}/{store.container}"
    return type(store).__name__


def _frontend() -> str:
    stamp = build.read_stamp()
    if stamp is None:
        raise RuntimeError("no frontend build: run `python -m khala build`")
    return f"built {stamp.get('built_at', '?')} ({str(stamp.get('source_hash', ''))[:12]})"


PROBES: dict[str, Callable[[], str]] = {
    "database": _database,
    "migrations": _migrations,
    "redis": _redis,
    "images": _image_store,
}


def check(*, include_frontend: bool = False) -> Report:
    """Run every probe; ``ok`` only when all pass. ``include_frontend`` also checks the build on disk."""
    probes = dict(PROBES)
    if include_frontend:
        probes["frontend"] = _frontend
    checks = tuple(_timed(name, probe) for name, probe in probes.items())
    settings = get_settings()
    info: dict[str, object] = {
        "environment": settings.environment,
        "workers": settings.workers,
        "pid": os.getpid(),
        "started_at": datetime.fromtimestamp(STARTED, UTC).isoformat(timespec="seconds"),
        "uptime_seconds": round(time.time() - STARTED),
    }
    report = Report(ok=all(c.ok for c in checks), checks=checks, info=info)
    if not report.ok:
        log.warning("not ready: %s", "; ".join(report.reasons))
    return report
