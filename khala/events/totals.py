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
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import TextClause

from khala.events.models import Event

CACHE_SECONDS = 3.0
_LIMIT = 2_000  # filter sets per engine; past it the table starts afresh
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


class _EngineTotals:
    def __init__(self) -> None:
        self.version = 0
        self.entries: dict[Hashable, _Total] = {}


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
        mine = _by_engine.get(engine)
        if mine is None:
            mine = _by_engine[engine] = _EngineTotals()
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


def changed(engine: Engine) -> None:
    """The catalogue of ``engine`` changed: every remembered total of it is stale."""
    with _lock:
        mine = _by_engine.get(engine)
        if mine is not None:
            mine.version += 1
            mine.entries.clear()


def forget() -> None:
    """Forget every remembered total (tests)."""
    with _lock:
        for mine in _by_engine.values():
            mine.version += 1
            mine.entries.clear()


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


def writes_catalogue(statement: object) -> bool:
    """Whether ``statement`` may change what a catalogue filter or count reads."""
    if isinstance(statement, Insert | Update | Delete):
        table = getattr(statement.table, "name", None)
        if table not in WATCHED:
            return False
        if isinstance(statement, Update):
            values = getattr(statement, "_values", None) or {}
            names = {getattr(k, "key", k) for k in values}
            if names and names <= SEAT_COLUMNS:
                return False  # a seat counter moved (a registration): no filter reads it
        return True
    if isinstance(statement, TextClause):
        statement = statement.text
    if isinstance(statement, str):
        match = _RAW_WRITE.match(statement)
        return match is not None and match.group(1).lower() in WATCHED
    return False


def _after_execute(conn: Connection, clause: object, *_args: object) -> None:
    if writes_catalogue(clause):
        changed(conn.engine)  # now (autocommit), and again at the commit (a transaction)
        if conn.in_transaction():
            conn.info[_DIRTY] = True


def _after_commit(conn: Connection) -> None:
    if conn.info.pop(_DIRTY, False):
        changed(conn.engine)


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
