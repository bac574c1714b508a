"""Engines and sessions for services. SQLite gets WAL, foreign keys and a busy timeout.

PostgreSQL connections come from a pool sized for a couple of CPU cores (more connections than that only
queue in the server); a checked-out connection is tested for a closed socket without a round trip (a
restarted server is noticed and the connection replaced, as ``pool_pre_ping`` would, minus the ``SELECT 1``).
Hot paths that need no ORM use ``connect`` (autocommit on PostgreSQL: a single statement is its own
transaction, with no BEGIN/COMMIT round trips) and ``write_transaction`` (BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Select, event, exc
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from khala.settings import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy not emit BEGIN itself; we emit BEGIN IMMEDIATE for write transactions.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Write transactions take the write lock at BEGIN (IMMEDIATE), so a read-then-write
            # transaction never fails on a lock upgrade; reads stay DEFERRED and run beside writers.
            immediate = conn.get_execution_options().get("khala_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=60)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _socket_alive)
        _cache_long_statements()
    return engine


def _cache_long_statements() -> None:
    """psycopg converts a statement's placeholders once per statement text, but only for statements of at
    most 50 parameters and 4 KB; the box office's seat statement (registration, account, audit entries and
    outbox row in one) was once 62 parameters and converted again on every registration (about 0.4 ms); the
    batch statement that replaced it is 3.7 KB. Our statements are a fixed set made by SQLAlchemy, so the
    bounded cache (128 texts) holds them all."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 200)
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16_384)


# Measured with bench/rush.py on 2 cores: beyond about ten connections the server only gets busier with
# backends waiting for the same rows; threads beyond the pool wait for a connection instead (pool_timeout).
POOL_SIZE = 10
POOL_OVERFLOW = 0


def _socket_alive(dbapi_conn, _record, _proxy) -> None:
    """An idle pooled connection has nothing to read: if its socket is readable the server has closed it
    (a restart, an idle timeout) or sent something unasked. Either way, take a fresh connection: the pool
    retries the checkout on DisconnectionError. No round trip, unlike pool_pre_ping's SELECT 1."""
    if getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
        raise exc.DisconnectionError("connection closed")
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (OSError, ValueError) as error:
        raise exc.DisconnectionError(str(error)) from error
    if readable:
        raise exc.DisconnectionError("the server closed the connection or sent something unasked")


_override: Engine | None = None


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (default: the configured database)."""
    if url is None and _override is not None:
        return _override
    return _engine_for(url or get_settings().database_url)


def use_engine(engine: Engine | None) -> None:
    """Point every service at ``engine`` (tests, benchmarks); ``None`` restores the default."""
    global _override
    _override = engine


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on error.

    ``write=True`` marks a transaction that will change data: on SQLite it starts with
    BEGIN IMMEDIATE (serialised writers, no SQLITE_BUSY on upgrade); elsewhere it is a no-op.
    """
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        if write:
            session.connection(execution_options={"khala_write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def connect(engine: Engine | None = None) -> Iterator[Connection]:
    """A Core connection for reads and single-statement writes. On PostgreSQL it is in autocommit: every
    statement commits on its own, without BEGIN/COMMIT round trips (a data-modifying CTE is still one
    atomic statement). On SQLite a plain (deferred) transaction, rolled back at the end: write with
    ``write_transaction`` there."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            yield conn
            return
        # psycopg's own switch, not execution_options(isolation_level="AUTOCOMMIT"): SQLAlchemy's isolation
        # machinery (set on checkout, its characteristics reset on checkin) cost a tenth of a registration's
        # CPU. The connection goes back to the pool as it came (autocommit off), or is discarded.
        raw = conn.connection.driver_connection
        raw.autocommit = True
        try:
            yield conn
        finally:
            try:
                raw.autocommit = False
            except Exception:  # noqa: BLE001 - a broken connection: never pooled again
                conn.invalidate()


def first_row(
    statement: Select, params: dict[str, Any], engine: Engine | None = None
) -> dict[str, Any] | None:
    """The first row of a read-only Core SELECT as {column: value}, or None.

    On PostgreSQL straight on the pooled psycopg connection, in autocommit, as a prepared statement: the
    statement is compiled once per dialect and its result types' processors are applied as SQLAlchemy would,
    but without its execution context, result object and cursor description (most of a registration's CPU
    outside the seat write in a rush). When anything listens for the engine's cursor executions (a query
    counter, a tracer), and on SQLite, the statement goes through SQLAlchemy as usual, so nothing is hidden
    from them; should the direct path fail (a dropped connection), the connection is discarded and the
    read made again through SQLAlchemy, which reports or recovers as for any other statement."""
    engine = engine or get_engine()
    if engine.dialect.name == "postgresql" and not _cursor_observed(engine):
        sql, constants, binds, names, processors = _compiled_read(engine.dialect, statement)
        values = {**constants, **params}
        for key, process in binds.items():
            if key in params:
                values[key] = process(values[key])
        pooled = engine.raw_connection()
        try:
            raw = pooled.driver_connection
            raw.autocommit = True
            try:
                with raw.cursor() as cursor:
                    cursor.execute(sql, values, prepare=True)
                    row = cursor.fetchone()
            finally:
                raw.autocommit = False  # back to the pool as it came
        except BaseException as error:
            pooled.invalidate()  # never pooled again, whatever state it is in
            if not isinstance(error, Exception):
                raise
            # then through SQLAlchemy below, on a fresh connection
        else:
            if row is None:
                return None
            return {
                name: value if process is None else process(value)
                for name, value, process in zip(names, row, processors, strict=True)
            }
        finally:
            pooled.close()
    with connect(engine) as conn:
        found = conn.execute(statement, params).first()
    return None if found is None else dict(found._mapping)


def _cursor_observed(engine: Engine) -> bool:
    return bool(engine.dispatch.before_cursor_execute or engine.dispatch.after_cursor_execute)


@lru_cache(maxsize=32)
def _compiled_read(
    dialect: Dialect, statement: Select
) -> tuple[str, dict[str, Any], dict[str, Any], list[str], list[Any]]:
    """The SQL of ``statement`` for ``dialect``, its constant parameters (the expanded IN lists, LIMIT), the
    bind processors of the parameters given per call, its column names and their result processors."""
    compiled = statement.compile(dialect=dialect)
    given = {b.key for b in compiled.binds.values() if b.value is None and b.callable is None}
    expanded = compiled.construct_expanded_state({key: None for key in given})
    bind = {k: p for k, p in expanded.processors.items() if p is not None}
    constants = {k: bind[k](v) if k in bind else v for k, v in expanded.parameters.items() if k not in given}
    binds = {k: p for k, p in bind.items() if k in given}
    names = list(statement.selected_columns.keys())
    processors = [c.type._cached_result_processor(dialect, None) for c in statement.selected_columns]
    return expanded.statement, constants, binds, names, processors


@contextmanager
def autocommit(conn: Connection) -> Iterator[Connection]:
    """``conn`` (checked out and kept by the caller, outside any transaction) in autocommit for the block on
    PostgreSQL, as ``connect`` gives one: each statement commits on its own. Afterwards it is as it came, out
    of any transaction (SQLAlchemy's own bookkeeping ended; nothing is sent), or invalidated. On SQLite the
    block runs as is: write in ``conn.begin()`` there."""
    if conn.dialect.name != "postgresql":
        yield conn
        return
    raw = conn.connection.driver_connection
    raw.autocommit = True
    ok = False
    try:
        yield conn
        ok = True
    finally:
        try:
            if ok:
                conn.commit()  # every statement has committed already: psycopg sends nothing in autocommit
            else:
                conn.rollback()
            raw.autocommit = False
        except Exception:  # noqa: BLE001 - a broken connection: never pooled again
            conn.invalidate()


@contextmanager
def write_transaction(engine: Engine | None = None) -> Iterator[Connection]:
    """A Core connection in a write transaction (BEGIN IMMEDIATE on SQLite): commits on success."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        conn.execution_options(khala_write=True)
        with conn.begin():
            yield conn


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
