"""Fixtures for the REST API tests: the v1 app under starlette's TestClient (no Reflex server), API keys of
each scope, fresh rate-limit counters."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from khala.api import keys, ratelimit
from khala.audit.service import Actor
from khala.rest import standalone
from khala.settings import get_settings

BASE = "http://testserver/api/v1"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    ratelimit.use_storage("memory://")
    yield
    ratelimit.use_storage(None)


@pytest.fixture
def client(db) -> Iterator[TestClient]:
    with TestClient(standalone(), base_url=BASE) as c:
        yield c


@pytest.fixture
def make_key(db) -> Callable[..., tuple[keys.KeyView, dict[str, str]]]:
    """make_key("write") -> (the key, headers that send it)."""

    def make(scope: str = "read", name: str | None = None) -> tuple[keys.KeyView, dict[str, str]]:
        made = keys.create_key(name or f"{scope} test key", scope, actor=Actor.system("tests"))
        return made.key, {"X-API-Key": made.secret}

    return make


@pytest.fixture
def read_headers(make_key) -> dict[str, str]:
    return make_key("read")[1]


@pytest.fixture
def write_key(make_key) -> tuple[keys.KeyView, dict[str, str]]:
    return make_key("write")


@pytest.fixture
def write_headers(write_key) -> dict[str, str]:
    return write_key[1]


@pytest.fixture
def rate_limit(monkeypatch) -> Callable[[str], None]:
    """rate_limit("3/minute"): the per-key limit for this test."""

    def set_limit(spec: str) -> None:
        monkeypatch.setattr(get_settings(), "api_rate_limit", spec)

    return set_limit
