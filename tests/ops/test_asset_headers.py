"""The prebuilt scripts, styles and fonts carry no document headers (the CSP alone is ~2.5 KB with the build's
inline-script hashes, on each of a page's requests); pages and API answers keep them all."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.testclient import TestClient

from khala.ops.middleware import DOCUMENT_ONLY, IMMUTABLE, OpsMiddleware
from khala.settings import Settings


def _client(tmp_path: Path) -> TestClient:
    api = FastAPI()

    @api.get("/assets/app-abc123.js")
    def script() -> Response:
        return Response("export const a = 1;", media_type="text/javascript")

    @api.get("/fonts/inter-latin-400-normal.woff2")
    def font() -> Response:
        return Response(b"wOF2", media_type="font/woff2")

    @api.get("/events")
    def page() -> HTMLResponse:
        return HTMLResponse("<html><script>1</script></html>")

    static = tmp_path / "client"
    static.mkdir()
    (static / "index.html").write_text("<html><script>window.boot = 1;</script></html>")
    return TestClient(OpsMiddleware(api, settings=Settings(data_dir=tmp_path), static_dir=static))


def test_scripts_and_fonts_carry_no_document_headers(tmp_path) -> None:
    client = _client(tmp_path)
    for path in ("/assets/app-abc123.js", "/fonts/inter-latin-400-normal.woff2"):
        h = client.get(path).headers
        assert not {k.decode() for k in DOCUMENT_ONLY} & set(h.keys()), path
        assert h["x-content-type-options"] == "nosniff", path
    assert client.get("/assets/app-abc123.js").headers["cache-control"] == IMMUTABLE.decode()


def test_pages_keep_every_security_header(tmp_path) -> None:
    h = _client(tmp_path).get("/events").headers
    assert "script-src 'self'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY" and h["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in h["permissions-policy"] and h["cache-control"] == "no-cache"
