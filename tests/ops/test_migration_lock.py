"""Replicas that start together migrate once: the first takes the database's lock and migrates, the others
wait, see the schema at head and go on. The at-head check reads the migration files without Alembic."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from khala import db as khala_db
from khala.ops import migrations
from khala.settings import ROOT
from tests.conftest import PG_ADMIN_URL, unavailable


def test_heads_read_from_the_files_match_alembic() -> None:
    script = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    assert migrations.script_heads() == frozenset(script.get_heads())


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database (never migrated) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"khala_lock_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", exc)
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        khala_db._engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_state_of_a_fresh_database_then_at_head(fresh_url: str) -> None:
    engine = khala_db.get_engine(fresh_url)
    before = migrations.state(engine)
    assert before.current == frozenset() and not before.at_head
    assert migrations.migrate(fresh_url) is True
    after = migrations.state(engine)
    assert after.at_head and after.current == migrations.script_heads()
    assert migrations.migrate(fresh_url) is False  # at head: nothing to do, no lock taken


def test_concurrent_starts_migrate_exactly_once(fresh_url: str) -> None:
    starters = 4
    barrier = threading.Barrier(starters)
    results: list[bool] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            results.append(migrations.migrate(fresh_url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(results) == [False] * (starters - 1) + [True]
    assert migrations.state(khala_db.get_engine(fresh_url)).at_head


def test_the_lock_excludes_a_second_holder(fresh_url: str) -> None:
    engine = khala_db.get_engine(fresh_url)
    if engine.dialect.name == "sqlite":
        engine.connect().close()  # create the file so the lock has a place beside it
    entered = threading.Event()

    def second() -> None:
        with migrations.migration_lock(engine):
            entered.set()

    with migrations.migration_lock(engine):
        t = threading.Thread(target=second, daemon=True)
        t.start()
        assert not entered.wait(0.5)  # the second holder waits while the first holds it
    assert entered.wait(10)
    t.join(10)
