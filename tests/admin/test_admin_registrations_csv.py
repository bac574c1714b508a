"""GET /admin/events/<id>/registrations.csv: administrators only (the session cookie is checked in the route),
streamed, UTF-8 with a byte-order mark, every cell spreadsheet-safe; the registrations section and the
check-in screen may use what they need of the page headers (the camera on the check-in screen only)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from khala.accounts import auth
from khala.audit.service import Actor
from khala.events import catalogue
from khala.ops import headers
from khala.registrations import api, roster
from khala.registrations import service as registrations
from khala.settings import Settings


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(api.router)
    return TestClient(app, base_url="http://localhost:3000")


def test_only_administrators_export(client, person, make_event, make_user) -> None:
    event = make_event("Gala")
    url = f"/admin/events/{event.id}/registrations.csv"
    assert client.get(url).status_code == 401
    _, member = person()
    client.cookies.set(auth.cookie_name(), member)
    assert client.get(url).status_code == 403
    _, admin = person(admin=True)
    client.cookies.set(auth.cookie_name(), admin)
    unknown = client.get("/admin/events/00000000-0000-0000-0000-000000000000/registrations.csv")
    assert unknown.status_code == 404
    assert client.get("/admin/events/not-an-id/registrations.csv").status_code == 404


def test_the_export_parses_with_swedish_names_and_neutralised_formulas(
    client, person, make_event, make_user
) -> None:
    event = make_event("Midsommar", packages=[{"title": "Dans", "capacity": 900}])
    package = catalogue.get_event(event.id).packages[0].id
    names = ["Åsa Öberg", "=cmd|'/C calc'!A0", "+46 70 123", "@SUM(1)", "-rm", "Bo Ek"]
    for n, name in enumerate(names):
        u = make_user(email=f"p{n}@example.se", display_name=name)
        registrations.register(u.id, package, actor=Actor.user(u))
    _, admin = person(admin=True)
    client.cookies.set(auth.cookie_name(), admin)
    with client.stream("GET", f"/admin/events/{event.id}/registrations.csv") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert "midsommar-registrations.csv" in response.headers["content-disposition"]
        assert response.headers["cache-control"] == "private, no-store"
        body = b"".join(response.iter_bytes())
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(roster.CSV_HEADER)
    shown = [r[2] for r in rows[1:]]
    assert shown == ["Åsa Öberg", "'=cmd|'/C calc'!A0", "'+46 70 123", "'@SUM(1)", "'-rm", "Bo Ek"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_the_camera_is_allowed_on_the_check_in_screen_only() -> None:
    assert b"camera=(self)" in headers.permissions_policy_for("/admin/checkin/1a2b")
    for path in ("/", "/admin", "/admin/checkin", "/events/x", "/admin/checkinx"):
        assert headers.permissions_policy_for(path) is None


def test_webassembly_may_compile_on_the_check_in_screen_only() -> None:
    csp = headers.content_security_policy(Settings()).encode()
    assert b"unsafe-eval" not in csp
    door = headers.content_security_policy_for("/admin/checkin/1a2b", csp)
    assert b"script-src 'self' 'wasm-unsafe-eval'" in door and b"'unsafe-eval'" not in door
    for path in ("/", "/admin", "/admin/checkin", "/events/x", "/admin/checkinx"):
        assert headers.content_security_policy_for(path, csp) == csp
