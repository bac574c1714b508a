"""Shared fixtures: a migrated database per backend, and backend availability rules.

PostgreSQL and Redis tests skip with a reason when the server is absent, except under CI (CI=true),
where an absent server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from khala import db as khala_db
from khala import wiring
from khala.models import metadata

wiring.install()  # the same cross-domain hooks as the app and the CLI

PG_ADMIN_URL = os.environ.get("KHALA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("KHALA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, why: object) -> None:
    """Skip, or fail under CI, when a server the test needs is unreachable."""
    message = f"{what} unreachable ({why})"
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this is a failure, not a skip")
    pytest.skip(message)


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(khala_db_root() / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def khala_db_root():
    from khala.settings import ROOT

    return ROOT


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "khala-test.db"
    url = f"sqlite:///{path}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"khala_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        yield url
    finally:
        khala_db._engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))  # noqa: S608 - table names from our own metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty database on each backend; every service in the test uses it."""
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param])
    engine = khala_db.make_engine(url)
    _wipe(engine)
    khala_db.use_engine(engine)
    try:
        yield engine
    finally:
        khala_db.use_engine(None)
        engine.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Engine]:
    """SQLite only, for tests where the backend does not matter."""
    engine = khala_db.make_engine(sqlite_url)
    _wipe(engine)
    khala_db.use_engine(engine)
    try:
        yield engine
    finally:
        khala_db.use_engine(None)
        engine.dispose()


@pytest.fixture
def redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    return REDIS_URL


# ---------------------------------------------------------------------------------------------------------
# Factories: fixtures that return callables.


@pytest.fixture
def make_user(db: Engine):
    from khala.accounts.models import User
    from khala.db import session_scope

    counter = iter(range(1, 1_000_000))

    def make(email: str | None = None, display_name: str = "Test User", **fields: object) -> User:
        n = next(counter)
        user = User(
            email=(email or f"user{n}-{uuid.uuid4().hex[:6]}@example.com").lower(), display_name=display_name
        )
        for k, v in fields.items():
            setattr(user, k, v)
        with session_scope(write=True) as s:
            s.add(user)
        return user

    return make


@pytest.fixture
def make_event(db: Engine):
    """make_event(title=..., packages=[dict(title=..., capacity=..., price_minor=...)], starts_in=timedelta)."""
    from datetime import timedelta

    from sqlmodel import select

    from khala.audit import service as audit
    from khala.db import session_scope, utcnow
    from khala.events import service as events
    from khala.events.models import Category, EventStatus
    from khala.locations.models import Location

    def make(
        title: str = "Test Event",
        *,
        packages: list[dict] | None = None,
        starts_in: timedelta = timedelta(days=10),
        category: str = "music",
        city: str = "Stockholm",
        venue: str = "Test Hall",
        status: EventStatus = EventStatus.published,
        summary: str = "",
        **fields: object,
    ):
        with session_scope(write=True) as s:
            cat = s.exec(select(Category).where(Category.slug == category)).first()
            if cat is None:
                cat = Category(slug=category, name=category.title())
                s.add(cat)
                s.flush()
            loc = s.exec(select(Location).where(Location.name == venue, Location.city == city)).first()
            if loc is None:
                loc = Location(name=venue, city=city, street="Storgatan 1", postal_code="111 11")
                s.add(loc)
                s.flush()
            starts = fields.pop("starts_at", None) or utcnow() + starts_in
            event = events.create_event(
                s,
                title=title,
                summary=summary,
                starts_at=starts,
                category_id=cat.id,
                location_id=loc.id,
                status=EventStatus.draft if status == EventStatus.cancelled else status,
                actor=audit.SYSTEM,
                **fields,
            )
            for p in packages or [{"title": "Standard", "capacity": 100}]:
                events.add_package(s, event.id, actor=audit.SYSTEM, **p)
            if status == EventStatus.cancelled:  # a cancelled event takes no new packages: cancel it after
                event.status = EventStatus.cancelled
                s.add(event)
        return event

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser journeys run last: Playwright's sync API keeps an event loop on the main thread for the
    rest of the session, which would break the asyncio.run() of handler tests collected after it."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))


# ---------------------------------------------------------------------------------------------------------
# Query counting (Indico's count_queries, Zulip's assert_database_query_count): budgets on the hot paths.


class QueryCounter:
    """The SQL statements run on the test engine while the ``with`` block is open."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.statements: list[str] = []

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        self.statements.clear()
        from sqlalchemy import event

        event.listen(self._engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._on_execute)

    @property
    def count(self) -> int:
        return len(self.statements)

    def report(self) -> str:
        return "\n".join(f"{i + 1}. {s.strip()[:300]}" for i, s in enumerate(self.statements))


@pytest.fixture
def count_queries(db: Engine):
    """``with count_queries() as q: …``; then ``q.count`` (transaction control statements excluded)."""
    return lambda: QueryCounter(db)
