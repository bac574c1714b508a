"""Engines: a pooled PostgreSQL connection the server dropped is replaced at checkout, without a SELECT 1 per
checkout; ``connect`` is autocommit on PostgreSQL (no BEGIN/COMMIT around a statement)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from khala import db as khala_db


def test_a_connection_the_server_dropped_is_replaced_at_checkout(db) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    with db.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # The connection is back in the pool; the server ends it (a restart, an idle timeout).
    admin = create_engine(db.url, poolclass=NullPool)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()
    time.sleep(0.2)  # the server's goodbye reaches the pooled socket
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            with db.connect() as conn:
                assert conn.execute(text("SELECT 41 + 1")).scalar_one() == 42
    finally:
        event.remove(db, "before_cursor_execute", seen)
    assert [s for s in statements if "SELECT 1" in s and "41" not in s] == []  # no ping per checkout


def test_connect_is_autocommit_on_postgresql_and_write_transaction_commits(db) -> None:
    with khala_db.write_transaction(db) as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS db_probe (n INTEGER)"))
        conn.execute(text("INSERT INTO db_probe VALUES (1)"))
    try:
        with khala_db.connect(db) as conn:
            conn.execute(text("INSERT INTO db_probe VALUES (2)"))
            if db.dialect.name == "postgresql":  # committed on its own, with nothing to roll back
                assert conn.execute(text("SELECT count(*) FROM db_probe")).scalar_one() == 2
        expected = 2 if db.dialect.name == "postgresql" else 1  # SQLite: a read connection, rolled back
        with khala_db.connect(db) as conn:
            assert conn.execute(text("SELECT count(*) FROM db_probe")).scalar_one() == expected
        # The pooled connection goes back as it came: a transaction on it afterwards still rolls back, also
        # when the statement inside ``connect`` failed.
        with pytest.raises(DBAPIError), khala_db.connect(db) as conn:
            conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
        for _ in range(db.pool.size() if hasattr(db.pool, "size") else 1):
            with db.connect() as conn:
                if db.dialect.name == "postgresql":
                    assert conn.connection.driver_connection.autocommit is False
                conn.execute(text("INSERT INTO db_probe VALUES (3)"))
                conn.rollback()
        with khala_db.connect(db) as conn:
            assert conn.execute(text("SELECT count(*) FROM db_probe WHERE n = 3")).scalar_one() == 0
    finally:
        with khala_db.write_transaction(db) as conn:
            conn.execute(text("DROP TABLE db_probe"))
