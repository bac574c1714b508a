"""Migrations build the schema from nothing and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from khala.db import make_engine
from khala.models import metadata


def test_upgrade_creates_every_table_and_autogenerate_finds_no_difference(db) -> None:
    # `db` was created by `alembic upgrade head` on an empty database (see conftest).
    with db.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert set(metadata.tables) <= tables
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": metadata})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrate_command_on_a_fresh_file(tmp_path, monkeypatch) -> None:
    from khala.cli import main
    from khala.settings import get_settings

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("KHALA_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert main(["migrate"]) == 0
        assert main(["migrate"]) == 0  # idempotent
    finally:
        get_settings.cache_clear()
    with make_engine(url).connect() as conn:
        assert "event" in inspect(conn).get_table_names()
