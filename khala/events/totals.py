"""The catalogue's totals, remembered: how many events match a set of filters, counted once per change.

A catalogue list shows one page and the total over every page. The page is read each time (its seat counts are
live); the total needs a count over every matching event, the costliest half of the search (10,000 events: a
few milliseconds on either backend), and it only changes when the catalogue does. So each process keeps the
totals it counted, by filter set (not page or sort), and forgets them

- at once when a statement of this process writes an event, a package, a venue or a category (an engine
  listener, installed on first use, bumps the catalogue's version; the seat counters a registration moves are
  not part of any filter and leave it alone),
- when the first matching event ends (a list without a date range shows events that have not ended: the count
  holds until the earliest end among them),
- and after ``CACHE_SECONDS`` in any case: a change made by another process (a second worker, the CLI) shows
  within that time.

A total is only remembered when it was counted on a connection of its own (not inside a caller's transaction,
which might see its own uncommitted rows), with the version read before counting, so a count that raced a
write is filed under the version the write made stale.

The REST API's list answers (a page rendered to JSON, gzip and ETag) are remembered here too (``answer``), for
``ANSWER_SECONDS`` at most: they carry seat counts, so any write of this process to the watched tables,
a registration's seat counters included, forgets them at once; a change made elsewhere shows within that time.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import Select

from khala.db import get_engine
from khala.events.models import Event

CACHE_SECONDS = 3.0
_LIMIT = 2_000  # filter sets per engine; past it the table starts afresh
ANSWER_SECONDS = 1.0  # how long a remembered answer (with its seat counts) may be served
_ANSWER_LIMIT = 1_000  # answers per engine (a list page: ~15 KB with its gzip copy)
WATCHED = frozenset({"event", "package", "location", "category"})
# What a registration changes on those rows: seat counters no filter reads.
SEAT_COLUMNS = frozenset({"seats_taken", "seats_version", "taken"})
_DIRTY = "khala_catalogue_written"
_RAW_WRITE = re.compile(
    r"^\s*(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+(?:only\s+)?\"?(\w+)\"?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Total:
    version: int
    counted_at: datetime  # the "now" the count was made for
    holds_until: datetime | None  # the earliest end among the counted events (None: no time limit)
    expires: float  # time.monotonic()
    value: int


@dataclass(frozen=True)
class _Answer:
    written: int
    expires: float  # time.monotonic()
    value: Any


class _EngineTotals:
    def __init__(self) -> None:
        self.version = 0  # raised by writes a filter or count reads
        self.written = 0  # raised by every write to the watched tables, seat counters included
        self.entries: dict[Hashable, _Total] = {}
        self.answers: dict[Hashable, _Answer] = {}
        self.building: dict[Hashable, threading.Lock] = {}


T = TypeVar("T")


_lock = threading.Lock()
_by_engine: weakref.WeakKeyDictionary[Engine, _EngineTotals] = weakref.WeakKeyDictionary()
_listening = False


def total(
    engine: Engine,
    filters: Hashable,
    now: datetime,
    count: Callable[[], tuple[int, datetime | None]],
    *,
    time_bound: bool,
) -> int:
    """The number of events matching ``filters`` at ``now``: remembered, or ``count()`` (which returns the
    number and, when ``time_bound``, the earliest end among the matching events)."""
    _listen()
    with _lock:
        mine = _mine(engine)
        version = mine.version
        hit = mine.entries.get(filters)
    if (
        hit is not None
        and hit.version == version
        and hit.expires > time.monotonic()
        and hit.counted_at <= now
        and (hit.holds_until is None or now <= hit.holds_until)
    ):
        return hit.value
    value, earliest_end = count()
    kept = _Total(
        version=version,
        counted_at=now,
        holds_until=earliest_end if time_bound else None,
        expires=time.monotonic() + CACHE_SECONDS,
        value=value,
    )
    with _lock:
        if len(mine.entries) >= _LIMIT:
            mine.entries.clear()
        mine.entries[filters] = kept
    return value


def _mine(engine: Engine) -> _EngineTotals:
    """(Under ``_lock``.)"""
    mine = _by_engine.get(engine)
    if mine is None:
        mine = _by_engine[engine] = _EngineTotals()
    return mine


def recall(key: Hashable, engine: Engine | None = None) -> Any | None:
    """The answer remembered under ``key`` (for ``engine``, default the process's), if it is still good; no
    I/O (fit for the event loop)."""
    engine = engine or get_engine()
    _listen()
    with _lock:
        mine = _mine(engine)
        hit = mine.answers.get(key)
        if hit is None or hit.written != mine.written or hit.expires <= time.monotonic():
            return None
        return hit.value


def answer(key: Hashable, build: Callable[[], T], engine: Engine | None = None) -> T:
    """``build()`` (catalogue reads rendered, e.g. ``catalogue.search_events`` without a session), remembered
    under ``key`` for at most ``ANSWER_SECONDS`` and forgotten at once when this process writes to the watched
    tables (a seat taken too). ``build`` must read on connections of its own (never a caller's transaction)
    and everything the answer depends on must be in ``key``. One thread builds a missing answer; the others
    asking for it meanwhile wait for it. Blocks: call it off the event loop."""
    engine = engine or get_engine()
    _listen()
    with _lock:
        mine = _mine(engine)
        gate = mine.building.setdefault(key, threading.Lock())
    with gate:
        hit = recall(key, engine)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        try:
            with _lock:
                written = mine.written  # before reading: a write that races the build makes it stale
            started = time.monotonic()  # the answer's age counts from before its reads
            value = build()
            kept = _Answer(written=written, expires=started + ANSWER_SECONDS, value=value)
            with _lock:
                if len(mine.answers) >= _ANSWER_LIMIT:
                    now = time.monotonic()
                    mine.answers = {k: a for k, a in mine.answers.items() if a.expires > now}
                    if len(mine.answers) >= _ANSWER_LIMIT:
                        mine.answers.clear()
                mine.answers[key] = kept
        finally:
            with _lock:
                mine.building.pop(key, None)
    return value


def changed(engine: Engine, *, filters: bool = True) -> None:
    """The catalogue of ``engine`` changed: every remembered answer of it is stale, and with ``filters``
    (not only seat counters moved) every remembered total too."""
    with _lock:
        mine = _by_engine.get(engine)
        if mine is not None:
            mine.written += 1
            mine.answers.clear()
            if filters:
                mine.version += 1
                mine.entries.clear()


def forget() -> None:
    """Forget every remembered total and answer (tests)."""
    with _lock:
        for mine in _by_engine.values():
            mine.version += 1
            mine.written += 1
            mine.entries.clear()
            mine.answers.clear()


# ---------------------------------------------------------------------------------------------------------
# Noticing writes: every statement any engine runs passes here (a few attribute reads).


def _listen() -> None:
    global _listening
    if _listening:
        return
    with _lock:
        if _listening:
            return
        event.listen(Engine, "after_execute", _after_execute)
        event.listen(Engine, "commit", _after_commit)
        event.listen(Engine, "rollback", _after_rollback)
        _listening = True


def written_kind(statement: object) -> str | None:
    """What ``statement`` writes of the catalogue: ``"filters"`` (what a filter or count may read),
    ``"seats"`` (only a registration's seat counters) or None (nothing watched)."""
    if isinstance(statement, Insert | Update | Delete):
        table = getattr(statement.table, "name", None)
        if table not in WATCHED:
            return None
        if isinstance(statement, Update):
            values = getattr(statement, "_values", None) or {}
            names = {getattr(k, "key", k) for k in values}
            if names and names <= SEAT_COLUMNS:
                return "seats"  # a seat counter moved (a registration): no filter reads it
        return "filters"
    if isinstance(statement, Select):
        # A SELECT that writes through its CTEs (PostgreSQL's one-statement registration: the seat UPDATEs
        # and the inserts hang off it).
        ctes = getattr(statement, "_independent_ctes", ())
        if not ctes:
            return None  # a read (every query passes here: keep it cheap)
        kinds = {written_kind(cte.element) for cte in ctes}
        return "filters" if "filters" in kinds else "seats" if "seats" in kinds else None
    if isinstance(statement, TextClause):
        statement = statement.text
    if isinstance(statement, str):
        match = _RAW_WRITE.match(statement)
        return "filters" if match is not None and match.group(1).lower() in WATCHED else None
    return None


def writes_catalogue(statement: object) -> bool:
    """Whether ``statement`` may change what a catalogue filter or count reads."""
    return written_kind(statement) == "filters"


def _after_execute(conn: Connection, clause: object, *_args: object) -> None:
    kind = written_kind(clause)
    if kind is not None:
        filters = kind == "filters"
        changed(conn.engine, filters=filters)  # now (autocommit), and again at the commit (a transaction)
        if conn.in_transaction():
            conn.info[_DIRTY] = conn.info.get(_DIRTY, False) or filters


def _after_commit(conn: Connection) -> None:
    dirty = conn.info.pop(_DIRTY, None)
    if dirty is not None:
        changed(conn.engine, filters=dirty)


def _after_rollback(conn: Connection) -> None:
    conn.info.pop(_DIRTY, None)


def count_events(
    conn: Connection | Session,
    conditions: list[sa.ColumnElement[bool]],
    filters: Hashable,
    now: datetime,
    *,
    dated: object,
    remember: bool,
) -> int:
    """``SELECT count(*) FROM event WHERE conditions``, remembered under ``filters`` when ``remember`` (``conn``
    is a connection of the caller's own, outside any transaction of theirs). Without a date range (``dated``
    falsy) the conditions hold only events that have not ended at ``now``: the total holds until the first
    of them ends."""
    time_bound = not dated

    def count() -> tuple[int, datetime | None]:
        earliest_end = sa.func.min(Event.__table__.c.ends_at) if time_bound else sa.null()  # type: ignore[attr-defined]
        query = sa.select(sa.func.count(), earliest_end).select_from(Event).where(*conditions)
        number, earliest = conn.execute(query).one()
        return number, earliest

    if not remember or not isinstance(conn, Connection):
        return count()[0]
    return total(conn.engine, filters, now, count, time_bound=time_bound)
