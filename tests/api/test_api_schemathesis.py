"""schemathesis against the live OpenAPI document (served by the app itself) with a write key, on a throwaway
database: no 5xx, and every response conforms to the document (status codes, content types, headers, bodies).
The number of examples per operation is bounded so the run stays well under a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from khala.api import keys, ratelimit
from khala.audit.service import Actor
from khala.rest import standalone

MAX_EXAMPLES = 30


# The document as the app serves it (loaded through the app itself, no server needed).
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", standalone())


@pytest.fixture
def write_secret(sqlite_db) -> str:
    """A throwaway database with one published event and a write key for it."""
    from khala.db import session_scope, utcnow
    from khala.events import service as events

    ratelimit.use_storage("memory://")
    system = Actor.system("tests")
    with session_scope(write=True) as s:
        event = events.create_event(
            s, title="Schema Night", starts_at=utcnow() + timedelta(days=9), status="published", actor=system
        )
        events.add_package(s, event.id, title="Standard", capacity=50, actor=system)
    return keys.create_key("schemathesis", "write", actor=system).secret


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_conforms(case, write_secret):
    # Every check but "schema-valid data is accepted": a schema-valid body may still break a rule the schema
    # cannot express (a venue that already exists, an unknown category, a reused Idempotency-Key) and is then,
    # rightly, a 422 with the field named.
    case.call_and_validate(headers={"X-API-Key": write_secret}, excluded_checks=[positive_data_acceptance])


def test_document_is_openapi_31_with_examples_and_security(sqlite_db):
    from starlette.testclient import TestClient

    doc = TestClient(standalone()).get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    schemes = doc["components"]["securitySchemes"]
    assert {s["name"] for s in schemes.values()} == {"X-API-Key", "Ocp-Apim-Subscription-Key"}
    missing = [name for name, s in doc["components"]["schemas"].items() if not s.get("examples")]
    assert missing == [], f"schemas without examples: {missing}"
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path != "/health":
                assert op.get("security"), f"{method.upper()} {path} has no security"
                assert "429" in op["responses"] and "401" in op["responses"]
