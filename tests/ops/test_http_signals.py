"""/healthz, /readyz and /metrics, and what the middleware adds to every response — on a small app that
mounts the same router and middleware as khala/khala.py (the served app is tested in test_served_app)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.testclient import TestClient

from khala.ops import health, metrics
from khala.ops.api import router
from khala.ops.middleware import OpsMiddleware
from khala.settings import Settings

TOKEN = "metrics-token-" + uuid.uuid4().hex
INLINE = "window.__boot = 1;"


def _app(settings: Settings, static_dir: Path) -> TestClient:
    api = FastAPI()
    api.include_router(router)

    @api.get("/page")
    def page() -> HTMLResponse:
        return HTMLResponse(f"<html><script>{INLINE}</script></html>")

    @api.get("/own-csp")
    def own_csp() -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Content-Security-Policy": "default-src 'none'; sandbox"})

    @api.get("/framable")
    def framable() -> HTMLResponse:
        return HTMLResponse(
            "<p>widget</p>", headers={"Content-Security-Policy": "frame-ancestors https://a.example"}
        )

    @api.get("/reset-password")
    def reset() -> HTMLResponse:
        return HTMLResponse("<html></html>")

    @api.get("/items/{item_id}")
    def item(item_id: str) -> PlainTextResponse:
        return PlainTextResponse(item_id)

    return TestClient(OpsMiddleware(api, settings=settings, static_dir=static_dir))


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    d = tmp_path / "client"
    d.mkdir()
    (d / "index.html").write_text(
        f"<html><head><script>{INLINE}</script><script src='/a.js'></script></head></html>"
    )
    return d


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    s = Settings(data_dir=tmp_path, metrics_token=TOKEN)
    monkeypatch.setattr("khala.ops.api.get_settings", lambda: s)
    monkeypatch.setattr("khala.ops.health.get_settings", lambda: s)
    return s


def test_healthz_answers_without_touching_anything(settings, static_dir) -> None:
    r = _app(settings, static_dir).get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["cache-control"] == "no-store"


def test_readyz_is_200_when_every_probe_passes(db, settings, static_dir) -> None:
    client = _app(settings, static_dir)
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    names = ("database", "migrations", "redis", "images")
    assert r.json() == {"status": "ok", "checks": {n: {"ok": True} for n in names}}  # no details for anyone
    full = client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"}).json()  # operators see them
    assert full["checks"]["migrations"]["detail"].startswith("at head")
    assert full["info"]["environment"] == "development" and "pid" in full["info"]


def test_readyz_is_503_with_the_reason(db, settings, static_dir, monkeypatch) -> None:
    monkeypatch.setitem(
        health.PROBES,
        "redis",
        lambda: (_ for _ in ()).throw(ConnectionError("redis://u:hunter2@r:6379 down")),
    )
    r = _app(settings, static_dir).get("/readyz")
    assert r.status_code == 503
    check = r.json()["checks"]["redis"]
    assert check["ok"] is False and "ConnectionError" in check["detail"]
    assert "hunter2" not in r.text  # credentials never leave the process


def test_readyz_reports_a_schema_behind_the_code(sqlite_db, settings, static_dir) -> None:
    with sqlite_db.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    try:
        report = health.check()
        assert not report.ok
        assert any(r.startswith("migrations: ") and "python -m khala migrate" in r for r in report.reasons)
    finally:
        from khala.ops import migrations

        heads = sorted(migrations.script_heads())
        with sqlite_db.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (heads[0],))


def test_metrics_are_never_public(settings, static_dir, tmp_path) -> None:
    client = _app(settings, static_dir)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    off = _app(Settings(data_dir=tmp_path, metrics_token=""), static_dir)
    assert off.get("/metrics").status_code in (401, 404)


def test_metrics_with_the_token(db, settings, static_dir, make_event) -> None:
    make_event("Metrics", packages=[{"title": "A", "capacity": 5}])
    client = _app(settings, static_dir)
    client.get("/items/one")
    client.get("/items/two")
    metrics.DOMAIN._snapshot = None  # no cache from another test's database
    r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    for name in (
        "khala_http_request_duration_seconds_bucket",
        "khala_http_requests_total",
        "khala_websocket_clients",
        'khala_registrations{status="confirmed"}',
        "khala_seats_taken 0.0",
        'khala_outbox_messages{status="queued"}',
        "khala_outbox_depth",
        "khala_outbox_oldest_pending_seconds",
        "khala_mail_failed",
        "khala_database_figures_up 1.0",
    ):
        assert name in text, name
    # latency by route template, never by concrete path
    assert 'route="/items/{item_id}"' in text and "/items/one" not in text


def test_security_headers_on_every_response(settings, static_dir) -> None:
    client = _app(settings, static_dir)
    for path in ("/page", "/healthz", "/items/x", "/nowhere"):
        r = client.get(path)
        h = r.headers
        assert h["x-content-type-options"] == "nosniff", path
        assert h["x-frame-options"] == "DENY", path
        assert h["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert "frame-ancestors 'none'" in h["content-security-policy"], path
        assert "strict-transport-security" not in h  # development: no HSTS
        assert len(h["x-request-id"]) == 32


def test_csp_allows_the_built_inline_scripts_by_hash_and_nothing_inline(settings, static_dir) -> None:
    csp = _app(settings, static_dir).get("/page").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    digest = base64.b64encode(hashlib.sha256(INLINE.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'self'"
    assert directives["connect-src"] == "'self' ws://localhost:3000"


def test_a_route_keeps_its_own_policy(settings, static_dir) -> None:
    r = _app(settings, static_dir).get("/own-csp")
    assert r.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_route_that_allows_framing_gets_no_x_frame_options(settings, static_dir) -> None:
    h = _app(settings, static_dir).get("/framable").headers
    assert h["content-security-policy"] == "frame-ancestors https://a.example"
    assert "x-frame-options" not in h and h["x-content-type-options"] == "nosniff"


def test_token_pages_send_no_referrer(settings, static_dir) -> None:
    assert _app(settings, static_dir).get("/reset-password").headers["referrer-policy"] == "no-referrer"


def test_production_adds_hsts_and_upgrades_requests(tmp_path, static_dir) -> None:
    s = Settings(
        data_dir=tmp_path,
        environment="production",
        public_url="https://events.example.org",
        secret_key="vR7-Qm2pXw9LzT4kB8nJc1YhD6fS3aGeU0oKiW5tNq",
    )
    h = _app(s, static_dir).get("/healthz").headers
    assert h["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "upgrade-insecure-requests" in h["content-security-policy"]
    assert "connect-src 'self' wss://events.example.org" in h["content-security-policy"]


def test_request_id_is_kept_when_sane_and_replaced_otherwise(settings, static_dir) -> None:
    client = _app(settings, static_dir)
    assert (
        client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"}).headers["x-request-id"]
        == "lb-1234abcd"
    )
    bad = client.get("/healthz", headers={"X-Request-ID": "x<script>alert(1)"}).headers["x-request-id"]
    assert len(bad) == 32 and "<" not in bad


def test_blob_origin_is_allowed_for_images(tmp_path, static_dir) -> None:
    s = Settings(
        data_dir=tmp_path,
        azure_storage_connection_string=(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
            "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
        ),
    )
    csp = _app(s, static_dir).get("/healthz").headers["content-security-policy"]
    assert "img-src 'self' data: blob: http://127.0.0.1:10000" in csp
