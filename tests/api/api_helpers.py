"""Helpers shared by the REST API tests (import as ``from api_helpers import ...``)."""

from __future__ import annotations

from khala.audit import service as audit


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is RFC 9457 problem+json with ``status`` (and ``code``); returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].endswith(body["code"])
    if code is not None:
        assert body["code"] == code
    return body


def audit_actions(key) -> list[str]:
    """The audit actions written with ``key`` as the actor, oldest first."""
    page = audit.list_entries(actor_id=key.id, page_size=200)
    return [e.action for e in reversed(page.items)]
