"""The embeddable widget: a compact list of upcoming events that other sites show.

An organiser pastes one of two snippets (``snippets`` gives both, the admin shows them):

- ``<script src="https://khala.example/embed.js" data-category="music" async></script>``: the script puts an
  iframe of ``/embed?category=music`` where it stands (or into ``data-target``) and lets it grow to its content;
- ``<iframe src="https://khala.example/embed?category=music" title="Upcoming events" …></iframe>``.

``/embed`` is a small self-contained page in Khala's look (no framework, nothing but its own inline style and a
resize script, both allowed by hash in its CSP): each event links to its page, in a new tab. It takes the
catalogue's filters (``category``, ``city``, ``q``, ``price``) and ``limit``. Which sites may frame it is
``KHALA_EMBED_ORIGINS`` (its ``frame-ancestors``); every other page keeps ``frame-ancestors 'none'``.
The page shows public data only and never reads the visitor's cookies.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from khala.events.catalogue import EventCard
from khala.lib import dates, i18n, money, routes
from khala.lib.i18n import gettext as _
from khala.ui import theme

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
FILTERS = ("category", "city", "q", "price")


def clean_filters(params: Mapping[str, str]) -> dict[str, str]:
    """The catalogue filters of a widget request, trimmed (an invalid price is dropped)."""
    out = {}
    for key, size in (("category", 60), ("city", 100), ("q", 200), ("price", 4)):
        value = " ".join(str(params.get(key) or "").split())[:size]
        if value and (key != "price" or value in ("free", "paid")):
            out[key] = value
    return out


def clean_limit(value: object) -> int:
    try:
        return max(1, min(int(str(value)), MAX_LIMIT))
    except (TypeError, ValueError):
        return DEFAULT_LIMIT


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


STYLE = (
    theme.FONT_FACES
    + f"""
*{{box-sizing:border-box}}
html,body{{margin:0;background:transparent;font-family:{theme.FONT_FAMILY};color:{theme.TEXT};font-size:15px}}
main{{background:{theme.SURFACE};border:1px solid {theme.BORDER};border-radius:{theme.RADIUS_LG};padding:14px}}
h2{{font-size:1.05rem;margin:0 0 10px;display:flex;align-items:center;gap:8px}}
h2 img{{height:22px;width:auto}}
ul{{list-style:none;margin:0;padding:0;display:grid;gap:8px}}
a.ev{{display:flex;gap:12px;align-items:center;padding:8px;border-radius:{theme.RADIUS};text-decoration:none;
color:inherit;background:{theme.PANEL}}}
a.ev:hover{{background:{theme.PRIMARY_SOFT}}}
a:focus-visible{{outline:2px solid {theme.FOCUS_RING};outline-offset:2px}}
.d{{flex:none;width:52px;text-align:center;border-radius:{theme.RADIUS_SM};background:{theme.PRIMARY};
color:{theme.ON_PRIMARY};padding:4px 0;line-height:1.1}}
.d b{{display:block;font-size:1.2rem}}.d span{{font-size:.75rem;text-transform:uppercase;font-weight:600}}
.i{{min-width:0;flex:1}}
.t{{display:block;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}}
.m{{display:block;font-size:.85rem;color:{theme.TEXT_MUTED}}}
.p{{flex:none;font-size:.8rem;font-weight:600;border-radius:{theme.RADIUS_PILL};padding:2px 8px;
background:{theme.SUCCESS_SOFT};color:{theme.SUCCESS}}}
.p.so{{background:{theme.DANGER_SOFT};color:{theme.DANGER}}}
.e{{color:{theme.TEXT_MUTED};margin:4px 0}}
.more{{margin:10px 0 0;font-size:.9rem}}.more a{{color:{theme.PRIMARY_TEXT};font-weight:600}}
@media (max-width:360px){{.p{{display:none}}}}
"""
)
# Tells the page that framed us (embed.js) how tall the list is (the body's own height: the document's is at
# least the frame's), so the frame has no scroll bar and no empty space.
RESIZE = (
    "(function(){var l=0;function s(){var h=Math.ceil(document.body.getBoundingClientRect().height);if(h!==l){l=h;"
    "parent.postMessage({khalaEmbed:'height',height:h},'*');}}"
    "addEventListener('load',s);if(window.ResizeObserver){new ResizeObserver(s).observe(document.body);}s();})();"
)
STYLE_HASH = _hash(STYLE)
RESIZE_HASH = _hash(RESIZE)


def content_security_policy(frame_ancestors: Iterable[str]) -> str:
    ancestors = " ".join(frame_ancestors) or "'none'"
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src {STYLE_HASH}",
            f"script-src {RESIZE_HASH}",
            "img-src 'self'",
            "font-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


def _item(c: EventCard, base_url: str) -> str:
    start = dates.local(c.starts_at, c.timezone)
    when = dates.format_date_short(c.starts_at, c.timezone)
    where = ", ".join(p for p in (c.venue, c.city) if p)
    if c.sold_out:
        price = f'<span class="p so">{html.escape(_("Sold out"))}</span>'
    elif c.min_price_minor is not None:
        price = f'<span class="p">{html.escape(money.from_price(c.min_price_minor, c.currency))}</span>'
    else:
        price = ""
    href = html.escape(base_url + routes.event(c.slug), quote=True)
    return (
        f'<li><a class="ev" href="{href}" target="_blank" rel="noopener">'
        f'<span class="d" aria-hidden="true"><b>{start.day}</b><span>{html.escape(dates.month_abbr(start))}</span></span>'
        f'<span class="i"><span class="t">{html.escape(c.title)}</span>'
        f'<span class="m"><time datetime="{start.isoformat(timespec="minutes")}">{html.escape(when)}</time>'
        f"{' · ' + html.escape(where) if where else ''}</span></span>{price}</a></li>"
    )


def page(cards: list[EventCard], base_url: str, *, filters: Mapping[str, str], heading: str = "") -> str:
    """The widget's HTML (the ``/embed`` response)."""
    heading = heading or _("Upcoming events")
    query = urlencode({k: v for k, v in filters.items() if k in FILTERS and v})
    more = html.escape(base_url + routes.EVENTS + (f"?{query}" if query else ""), quote=True)
    items = "".join(_item(c, base_url) for c in cards)
    body = (
        f"<ul>{items}</ul>"
        if items
        else f'<p class="e">{html.escape(_("No upcoming events right now."))}</p>'
    )
    return (
        f'<!DOCTYPE html><html lang="{i18n.get_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{html.escape(heading)} · Khala</title>'
        f"<style>{STYLE}</style></head><body>"
        f'<main aria-labelledby="khala-embed-h"><h2 id="khala-embed-h">'
        f'<img src="/khala-mark.svg" alt="" width="22" height="22">{html.escape(heading)}</h2>{body}'
        f'<p class="more"><a href="{more}" target="_blank" rel="noopener">{html.escape(_("All events on Khala →"))}</a></p>'
        f"</main><script>{RESIZE}</script></body></html>"
    )


# The loader other sites include. It reads its own data-* attributes, puts the iframe where the script stands
# (or into the element ``data-target`` names) and follows the height the frame reports (only from our origin).
SCRIPT = """(function () {
  var s = document.currentScript;
  if (!s || !s.src) return;
  var base = new URL(s.src, location.href).origin;
  var q = new URLSearchParams();
  ["category", "city", "q", "price", "limit"].forEach(function (k) {
    var v = s.getAttribute("data-" + k);
    if (v) q.set(k, v);
  });
  var f = document.createElement("iframe");
  var qs = q.toString();
  f.src = base + "/embed" + (qs ? "?" + qs : "");
  f.title = s.getAttribute("data-title") || "Upcoming events";
  f.loading = "lazy";
  f.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  f.style.cssText = "display:block;width:100%;max-width:100%;height:420px;border:0;";
  var target = s.getAttribute("data-target");
  var holder = target ? document.querySelector(target) : null;
  if (holder) holder.appendChild(f);
  else s.parentNode.insertBefore(f, s);
  window.addEventListener("message", function (ev) {
    if (ev.origin !== base || ev.source !== f.contentWindow) return;
    var d = ev.data;
    if (d && d.khalaEmbed === "height" && d.height > 0) f.style.height = Math.min(d.height, 6000) + "px";
  });
})();
"""


def embed_path(*, category: str = "", city: str = "", limit: int = DEFAULT_LIMIT) -> str:
    """The widget's address on this site for those filters (``/embed?category=music&limit=5``)."""
    query = urlencode({k: v for k, v in (("category", category), ("city", city), ("limit", limit)) if v})
    return "/embed" + (f"?{query}" if query else "")


def snippets(
    base_url: str, *, category: str = "", city: str = "", limit: int = DEFAULT_LIMIT
) -> dict[str, str]:
    """The two snippets an organiser pastes (``script`` and ``iframe``), for the admin to show."""
    attrs = "".join(
        f' data-{k}="{html.escape(v, quote=True)}"'
        for k, v in (("category", category), ("city", city), ("limit", str(limit) if limit else ""))
        if v
    )
    src = html.escape(base_url + embed_path(category=category, city=city, limit=limit), quote=True)
    return {
        "script": f'<script src="{base_url}/embed.js"{attrs} async></script>',
        "iframe": (
            f'<iframe src="{src}" title="Upcoming events" loading="lazy" '
            'style="width:100%;height:420px;border:0"></iframe>'
        ),
    }
