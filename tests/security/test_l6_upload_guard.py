"""L6: the upload route authorizes the upload request itself, before anything is spooled, and is throttled.

Before: ``/_upload`` passed any request to Reflex, whose handler checked the cookie of the *websocket* the
``reflex-client-token`` header names: whoever learned an administrator's client token could upload as them,
and anonymous clients could make the server parse and spool 10 MB bodies without limit.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from khala.accounts import auth, throttle
from khala.images.api import limit_upload_size


@pytest.fixture
def upload_client():
    reached: list[int] = []

    async def upload(request: Request) -> PlainTextResponse:
        reached.append(len(await request.body()))
        return PlainTextResponse("stored")

    app = Starlette(routes=[Route("/_upload", upload, methods=["POST"])])
    client = TestClient(limit_upload_size(app), base_url="http://localhost:3000")
    client.reached = reached  # type: ignore[attr-defined]
    return client


def _post(client: TestClient, cookie: str | None = None):
    # The tab token of an administrator's tab: the guard does not care whose tab it names.
    headers = {"reflex-client-token": "an-admins-tab-token", "reflex-event-handler": "x.handle_upload"}
    if cookie:
        headers["cookie"] = f"{auth.cookie_name()}={cookie}"
    return client.post("/_upload", files={"files": ("a.png", b"x" * 5000, "image/png")}, headers=headers)


def test_anonymous_and_members_are_refused_before_the_body_is_read(db, person, upload_client) -> None:
    _member, member_cookie = person()
    for cookie in (None, member_cookie, "forged-session"):
        r = _post(upload_client, cookie)
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert upload_client.reached == []


def test_an_administrators_own_request_passes(db, person, upload_client) -> None:
    _admin, cookie = person(admin=True)
    r = _post(upload_client, cookie)
    assert r.status_code == 200 and upload_client.reached and upload_client.reached[0] > 5000


def test_uploads_are_rate_limited_per_client(db, person, upload_client) -> None:
    _admin, cookie = person(admin=True)
    limit = throttle.uploads_by_client.items[0].amount
    statuses = [_post(upload_client, cookie).status_code for _ in range(limit + 2)]
    assert statuses[:limit] == [200] * limit and statuses[-1] == 429
