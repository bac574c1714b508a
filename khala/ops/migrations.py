"""Schema upgrades that several replicas can start at once: the first migrates, the others wait and see.

``migrate()`` first compares the database's ``alembic_version`` with the heads of ``alembic/versions``
(read with ``ast``, no Alembic import: a few milliseconds on every start). Only when they differ does it take
a lock — ``pg_advisory_lock`` on PostgreSQL, an exclusive file lock beside the database file on SQLite —
check again, and run ``alembic upgrade head`` with our own ``alembic/env.py``.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from khala.db import get_engine
from khala.settings import ROOT

log = logging.getLogger("khala.migrations")

VERSIONS_DIR = ROOT / "alembic" / "versions"
ADVISORY_KEY = 0x6B68616C61  # "khala": the one advisory lock id Khala uses (migrations)


@dataclass(frozen=True)
class MigrationState:
    current: frozenset[str]  # revisions recorded in the database (empty: never migrated)
    heads: frozenset[str]  # newest revisions in alembic/versions

    @property
    def at_head(self) -> bool:
        return bool(self.heads) and self.current == self.heads


def _literal_revisions(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    value = ast.literal_eval(node)
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return {str(v) for v in value}


_parse_lock = threading.Lock()  # CPython 3.11's ast.parse is not safe to run in several threads at once


def script_heads(versions_dir: Path = VERSIONS_DIR) -> frozenset[str]:
    """Revisions no other revision builds on (the files ship with the code: read once per process)."""
    with _parse_lock:
        return _script_heads(versions_dir)


@lru_cache(maxsize=4)
def _script_heads(versions_dir: Path) -> frozenset[str]:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions_dir.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            target, value = None, None
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                target, value = node.target.id, node.value
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                target, value = node.targets[0].id, node.value
            if target == "revision":
                revisions |= _literal_revisions(value)
            elif target == "down_revision":
                parents |= _literal_revisions(value)
    return frozenset(revisions - parents)


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:  # no such table: never migrated
            conn.rollback()
            return frozenset()
    return frozenset(str(r) for r in rows)


def state(engine: Engine | None = None) -> MigrationState:
    engine = engine or get_engine()
    return MigrationState(current=current_revisions(engine), heads=script_heads())


def _sqlite_lock_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".migrate.lock")


@contextlib.contextmanager
def migration_lock(engine: Engine, *, timeout: float = 300.0) -> Iterator[None]:
    """One migrator at a time across processes and hosts sharing the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # A session-level lock on its own connection: held across Alembic's transaction(s).
            conn.execute(
                text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{int(timeout * 1000)}"}
            )
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                conn.execute(text("RESET lock_timeout"))
                conn.commit()
        return
    path = _sqlite_lock_path(engine)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another process held the migration lock {path} for {timeout:.0f} s"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _alembic_upgrade(url: str) -> None:
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # set up on import: quiet first
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


def migrate(url: str | None = None) -> bool:
    """Bring the database to the newest schema; True when this call ran migrations."""
    engine = get_engine(url)
    if state(engine).at_head:
        return False
    with migration_lock(engine):
        if state(engine).at_head:  # another replica migrated while we waited
            log.info("database migrated by another process")
            return False
        started = time.monotonic()
        _alembic_upgrade(url or engine.url.render_as_string(hide_password=False))
        log.info(
            "database migrated to %s in %.1f s", ", ".join(sorted(script_heads())), time.monotonic() - started
        )
        return True
