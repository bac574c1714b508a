"""limit_upload_size: oversized bodies to Reflex's upload route are refused before they are spooled."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from khala.images.api import limit_upload_size

LIMIT = 100_000
seen: list[int] = []


async def upload(request: Request) -> JSONResponse:
    form = await request.form()
    sizes = [len(await f.read()) for f in form.getlist("files")]
    seen.append(sum(sizes))
    return JSONResponse({"sizes": sizes})


async def other(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


@pytest.fixture
def client() -> TestClient:
    seen.clear()
    inner = Starlette(
        routes=[Route("/_upload", upload, methods=["POST"]), Route("/other", other, methods=["POST"])]
    )
    return TestClient(limit_upload_size(inner, max_bytes=LIMIT, require_admin=False))  # the size layer alone


def test_small_upload_passes(client: TestClient) -> None:
    r = client.post("/_upload", files={"files": ("a.jpg", b"x" * 1000, "image/jpeg")})
    assert r.status_code == 200
    assert r.json() == {"sizes": [1000]}


def test_declared_oversize_is_refused(client: TestClient) -> None:
    r = client.post("/_upload", files={"files": ("a.jpg", b"x" * (LIMIT + 1), "image/jpeg")})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert "images can be at most 10 MB" in r.json()["detail"]
    assert seen == []  # the route never ran


def test_streamed_oversize_is_cut_off(client: TestClient) -> None:
    def body():
        for _ in range(50):
            yield b"y" * 10_000

    r = client.post(
        "/_upload",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert r.status_code == 413
    assert seen == []


def test_bad_content_length_is_refused(client: TestClient) -> None:
    r = client.post("/_upload", content=b"abc", headers={"content-length": "abc"})
    assert r.status_code in (400, 413)


def test_other_routes_and_methods_are_untouched(client: TestClient) -> None:
    assert client.post("/other", content=b"z" * (LIMIT * 2)).json() == {"size": LIMIT * 2}
    assert client.get("/_upload").status_code == 405
