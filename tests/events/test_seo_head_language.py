"""The first HTML of the shared pages (/, /events, /calendar) carries its <title> and description in the visitor's
language: the build wrote them in English, a Swedish visitor's page says them in Swedish before any script runs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from khala.events.seo_http import SeoPages
from khala.lib import i18n
from tests.events.seo_helpers import PAGES, make_site, metas, write_build

HOME = "Concerts, talks, workshops and meetups near you — find them and get your tickets."


def _swedish_site(tmp_path) -> TestClient:
    static = write_build(tmp_path / "client")
    # The build's head as our pages write it (the helpers' stand-in has shorter words).
    (static / "index.html").write_text(
        PAGES["index.html"].replace("Concerts, talks and meetups near you.", HOME)
    )
    site = make_site(static)
    return TestClient(i18n.asgi_middleware(SeoPages(site.app.app, static_dir=static)))


def test_a_swedish_visitor_gets_a_swedish_head(tmp_path, db) -> None:
    client = _swedish_site(tmp_path)
    sv = {"Accept-Language": "sv-SE,sv;q=0.9"}
    home = client.get("/", headers=sv).text
    assert "<title>Khala · Upptäck evenemang</title>" in home
    assert metas(home)["description"].startswith("Konserter, föredrag")
    assert "<title>Evenemang · Khala</title>" in client.get("/events", headers=sv).text
    assert "<title>Kalender · Khala</title>" in client.get("/calendar", headers=sv).text

    english = client.get("/", headers={"Accept-Language": "en-GB"}).text
    assert "<title>Khala · Discover events</title>" in english and metas(english)["description"] == HOME
    cookie = client.get("/", headers={**sv, "Cookie": "khala_lang=en"}).text  # the switcher's choice wins
    assert "<title>Khala · Discover events</title>" in cookie
