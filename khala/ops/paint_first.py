"""The prebuilt pages paint before their JavaScript is requested.

React Router writes every page's scripts into its HTML: ``<link rel="modulepreload">`` in the head for each chunk
the page needs, and at the end of the body an inline ``<script type="module">`` that imports the route modules and
the client entry. The browser requests all of them while it still waits for the stylesheet, so the JavaScript
(about 180 KB gzip) shares the first round trips with the HTML and CSS the first paint needs; Lighthouse's
simulated FCP then counts every one of those downloads (2.7 s on a throttled phone for a page that paints from
HTML and CSS alone).

After the export, every prebuilt page is rewritten (``python -m khala build``, :func:`rewrite_build`):

- the head's ``modulepreload`` links become ``rel="khala-modulepreload"`` (a relation the browser ignores);
- the module script becomes ``<script type="khala/module" id="khala-boot">`` (a type no browser runs), same text;
- a small classic script after it (:data:`LOADER`) waits for the page's first paint — the browser's own paint
  timing entry (``first-paint``/``first-contentful-paint``), which comes once the prerendered content is on
  screen — then appends the ``modulepreload`` links to the head and a real module script with the boot
  script's text. Where paint timing is missing, the ``load`` event (plus :data:`LOAD_FALLBACK_MS`) starts it. A
  page with nothing prerendered to show (no ``<main>``: ``404.html``, the SPA fallback, an empty root) and a
  hidden tab (which never paints) start at once: waiting would only delay the app.

Waiting for a paint entry, not a ``requestAnimationFrame``: the paint entry's time (the one Lighthouse reads) is
when the frame was presented, often a frame or more after the first ``requestAnimationFrame`` callbacks; the
observer is called after it.

The Content-Security-Policy needs nothing new: it allows the prebuilt pages' inline scripts by hash
(``khala.ops.headers``), which covers the loader and the boot script's text, the same text the appended module
script carries. React hydrates as before: ``<body>`` is a singleton, where React skips nodes it did not render,
and the ``modulepreload`` links React Router renders are matched by ``href`` to the appended ones.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

MODULE_SCRIPT = '<script type="module" async="">'
BOOT_SCRIPT = '<script type="khala/module" id="khala-boot">'
_PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)"/>')
DEFERRED_PRELOAD = '<link rel="khala-modulepreload" href="{}"/>'
# Where paint timing is missing: after the load event (Chromium fires it a few ms before the first paint, which
# would start the scripts before it where the paint entry exists).
LOAD_FALLBACK_MS = 200
LOADER = (
    "<script>(function(){"
    "var d=document,started=false;"
    "function go(){"
    "if(started)return;started=true;"
    "d.querySelectorAll('link[rel=\"khala-modulepreload\"]').forEach(function(l){"
    'var n=d.createElement("link");n.rel="modulepreload";n.href=l.getAttribute("href");d.head.appendChild(n)});'
    'var b=d.getElementById("khala-boot"),s=d.createElement("script");'
    's.type="module";s.textContent=b.textContent;b.after(s)}'
    'if(d.visibilityState==="hidden"||!d.querySelector("main")){go();return}'
    'try{new PerformanceObserver(go).observe({type:"paint",buffered:true})}catch(e){}'
    f'addEventListener("load",function(){{setTimeout(go,{LOAD_FALLBACK_MS})}})'
    "})()</script>"
)
# Precompressed copies served in place of a page; a rewritten page gets a fresh gzip one.
COMPRESSED = (".gz", ".br", ".zst")


def paint_first(page: str) -> str:
    """``page`` with its scripts requested after its first paint (unchanged if it has no module script or is
    rewritten already)."""
    if BOOT_SCRIPT in page or page.count(MODULE_SCRIPT) != 1:
        return page
    page = _PRELOAD.sub(lambda m: DEFERRED_PRELOAD.format(m.group(1)), page)
    start = page.index(MODULE_SCRIPT)
    end = page.index("</script>", start) + len("</script>")
    return page[:start] + BOOT_SCRIPT + page[start + len(MODULE_SCRIPT) : end] + LOADER + page[end:]


def rewrite_build(static_dir: Path) -> int:
    """Rewrite every prebuilt page under ``static_dir`` (and its precompressed copy); the number rewritten."""
    count = 0
    for path in sorted(static_dir.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        new = paint_first(page)
        if new == page:
            continue
        path.write_text(new, encoding="utf-8")
        for suffix in COMPRESSED:
            stale = path.with_name(path.name + suffix)
            if suffix == ".gz" and stale.exists():
                stale.write_bytes(gzip.compress(new.encode(), compresslevel=9, mtime=0))
            else:
                stale.unlink(missing_ok=True)
        count += 1
    return count
