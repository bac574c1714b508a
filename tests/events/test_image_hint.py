"""The first HTML of a listing or an event page asks for the picture the first screen shows (khala/events/seo_http.py)."""

from __future__ import annotations

from khala.events import seo_http

PAGE = (
    '<html><head><meta charSet="utf-8"/><link rel="stylesheet" href="/assets/a.css"/>'
    '<link rel="modulepreload" href="/assets/b.js"/><link rel="modulepreload" href="/assets/c.js"/></head>'
    "<body></body></html>"
)


def test_the_hint_comes_before_the_scripts_and_is_escaped() -> None:
    html = seo_http.with_image_hint(PAGE, "/media/public/1/card.webp?exp=1&sig=a+b")
    tag = '<link rel="preload" as="image" href="/media/public/1/card.webp?exp=1&amp;sig=a+b" fetchpriority="high"/>'
    assert html.count(tag) == 1
    assert html.index(tag) < html.index('rel="modulepreload"')
    assert html.replace(tag, "") == PAGE


def test_no_url_no_hint_and_a_page_without_scripts_gets_it_in_its_head() -> None:
    assert seo_http.with_image_hint(PAGE, None) == PAGE
    bare = "<html><head><title>x</title></head><body></body></html>"
    hinted = seo_http.with_image_hint(bare, "/placeholder.svg")
    assert hinted.index('href="/placeholder.svg"') < hinted.index("</head>") < hinted.index("<body>")
