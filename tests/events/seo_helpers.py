"""A site for the discoverability tests: the real event and registration routes and the head-writing wrapper
over a stand-in for the prebuilt pages (what Reflex's build writes: a head with a charset, a viewport and an
inline script), with a local image store."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from khala.events.api import router as events_router
from khala.events.seo_http import SeoPages
from khala.images import service as images
from khala.images import storage
from khala.registrations.api import router as registrations_router

HEAD = '<meta charSet="utf-8"/><meta content="width=device-width, initial-scale=1" name="viewport"/>'
SCRIPT = "<script>document.documentElement.dataset.prebuilt = '1';</script>"
# The skeleton's picture box as React renders it (khala/ui/widgets.py first_image): no src until the server's.
FIRST_IMG = '<div class="khala-skeleton"><img alt="" data-khala-first="" class="css-1nzh72x"/></div>'
PAGES = {
    "404.html": f'<!DOCTYPE html><html lang="en"><head>{HEAD}{SCRIPT}</head><body><div>404</div></body></html>',
    # the event route prerendered at routes.EVENT_TEMPLATE: its skip link names the placeholder's path
    "events/_.html": (
        f'<!DOCTYPE html><html lang="en"><head>{HEAD}<title>Event · Khala</title>'
        '<meta content="Find events, see what is on and get your tickets." name="description"/>'
        f'<meta content="favicon.ico" property="og:image"/>{SCRIPT}</head><body>'
        '<a class="khala-skip" href="/events/_/#main" data-discover="true">Skip to content</a>'
        f"<h1>Event</h1>{FIRST_IMG}</body></html>"
    ),
    "index.html": (
        f'<!DOCTYPE html><html lang="en"><head>{HEAD}<title>Khala · Discover events</title>'
        '<meta content="Concerts, talks and meetups near you." name="description"/>'
        f'<meta content="favicon.ico" property="og:image"/>{SCRIPT}</head><body>home{FIRST_IMG}</body></html>'
    ),
    "events.html": (
        f'<!DOCTYPE html><html lang="en"><head>{HEAD}<title>Events · Khala</title>'
        '<meta content="Search and filter upcoming events." name="description"/>'
        f'<meta content="favicon.ico" property="og:image"/>{SCRIPT}</head><body>events{FIRST_IMG}</body></html>'
    ),
    "calendar.html": (
        f'<!DOCTYPE html><html lang="en"><head>{HEAD}<title>Calendar · Khala</title>'
        '<meta content="Every event of the month at a glance." name="description"/>'
        f"{SCRIPT}</head><body>calendar</body></html>"
    ),
}


def write_build(static_dir: Path) -> Path:
    static_dir.mkdir(parents=True, exist_ok=True)
    for name, text in PAGES.items():
        (static_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (static_dir / name).write_text(text)
    return static_dir


def make_site(static_dir: Path) -> TestClient:
    api = FastAPI()
    api.include_router(events_router)
    api.include_router(registrations_router)
    api.mount("", PlainTextResponse("the plain prebuilt page"))
    return TestClient(SeoPages(api, static_dir=static_dir))


@dataclass
class Site:
    client: TestClient
    static_dir: Path

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)


@pytest.fixture
def site(tmp_path: Path, db) -> Site:
    static = write_build(tmp_path / "client")
    return Site(make_site(static), static)


@pytest.fixture
def image_store(tmp_path: Path) -> Iterator[storage.LocalStore]:
    store = storage.LocalStore(tmp_path / "media", secret_key="seo-tests-media-secret-0123456789abcdef")
    storage.use_store(store)
    images._exists_cache.clear()
    try:
        yield store
    finally:
        storage.use_store(None)
        images._exists_cache.clear()


def png(size: tuple[int, int] = (1000, 500)) -> bytes:
    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", size, (242, 108, 249)).save(buf, "PNG")
    return buf.getvalue()


_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
_META = re.compile(r'<meta (name|property)="([^"]+)" content="([^"]*)"/>')


def json_ld(html: str) -> list[dict]:
    return [json.loads(m) for m in _LD.findall(html)]


def metas(html: str) -> dict[str, str]:
    import html as html_lib

    return {key: html_lib.unescape(value) for _, key, value in _META.findall(html)}
