"""The prebuilt pages request their JavaScript after their first paint (khala/ops/paint_first.py); the CSP's
inline-script hashes (khala/ops/headers.py) cover what the rewritten pages run."""

from __future__ import annotations

import base64
import gzip
import hashlib

from khala.ops import headers, paint_first

BOOT = """import "/assets/manifest-1.js";
import * as route0 from "/assets/root-2.js";
  window.__reactRouterRouteModules = {"root":route0};
import("/assets/entry.client-3.js");"""
PAGE = (
    '<!DOCTYPE html><html lang="en"><head><link rel="modulepreload" href="/assets/manifest-1.js"/>'
    '<link rel="modulepreload" href="/assets/root-2.js"/><script>theme()</script>'
    '<link href="/assets/app.css" rel="stylesheet"/></head><body><main>Prerendered</main>'
    "<script>window.__reactRouterContext = {};</script>"
    f'<script type="module" async="">{BOOT}</script><script id="_R_">x()</script></body></html>'
)


def _hash(js: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(js.encode()).digest()).decode() + "'"


def test_the_scripts_wait_and_the_page_is_otherwise_the_same() -> None:
    page = paint_first.paint_first(PAGE)
    assert '<link rel="modulepreload"' not in page and '<script type="module"' not in page
    assert page.count('<link rel="khala-modulepreload" href="/assets/') == 2
    assert f'<script type="khala/module" id="khala-boot">{BOOT}</script>{paint_first.LOADER}' in page
    # the loader comes after the boot script it reads, and nothing else moved
    undone = page.replace(paint_first.LOADER, "").replace('rel="khala-modulepreload"', 'rel="modulepreload"')
    assert (
        undone.replace('<script type="khala/module" id="khala-boot">', '<script type="module" async="">')
        == PAGE
    )
    assert paint_first.paint_first(page) == page  # a second build step changes nothing


def test_a_page_without_one_module_script_is_left_alone() -> None:
    plain = "<html><head></head><body><script>x()</script></body></html>"
    assert paint_first.paint_first(plain) == plain
    two = PAGE.replace("</body>", f'<script type="module" async="">{BOOT}</script></body>')
    assert paint_first.paint_first(two) == two


def test_the_loader_waits_for_a_paint_and_falls_back_on_load_or_a_hidden_tab() -> None:
    js = paint_first.LOADER
    assert 'observe({type:"paint",buffered:true})' in js
    assert 'addEventListener("load"' in js and 'visibilityState==="hidden"' in js
    assert '!d.querySelector("main")' in js  # nothing prerendered to paint first: at once
    assert 'n.rel="modulepreload"' in js and 's.type="module";s.textContent=b.textContent' in js


def test_the_build_step_rewrites_pages_and_their_compressed_copies(tmp_path) -> None:
    (tmp_path / "events").mkdir()
    index, nested = tmp_path / "index.html", tmp_path / "events" / "index.html"
    for path in (index, nested):
        path.write_text(PAGE)
        (path.parent / (path.name + ".gz")).write_bytes(gzip.compress(PAGE.encode()))
    (tmp_path / "index.html.br").write_bytes(b"stale")
    (tmp_path / "plain.html").write_text("<html><body>no scripts</body></html>")

    assert paint_first.rewrite_build(tmp_path) == 2
    want = paint_first.paint_first(PAGE)
    for path in (index, nested):
        assert path.read_text() == want
        assert gzip.decompress((path.parent / (path.name + ".gz")).read_bytes()).decode() == want
    assert not (tmp_path / "index.html.br").exists()  # a stale copy is never served in the new page's place
    assert (tmp_path / "plain.html").read_text() == "<html><body>no scripts</body></html>"
    assert paint_first.rewrite_build(tmp_path) == 0

    # the policy allows the loader, and the boot script's text, which the module script it appends carries
    hashes = headers.inline_script_hashes(tmp_path)
    assert _hash(paint_first.LOADER.removeprefix("<script>").removesuffix("</script>")) in hashes
    assert _hash(BOOT) in hashes
