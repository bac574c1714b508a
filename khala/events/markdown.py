"""Event descriptions: CommonMark rendered by markdown-it-py, then sanitized by nh3 (ammonia).

Raw HTML in the source is escaped by markdown-it (``html=False``), and the output passes an allow-list
anyway: no script, style, iframe, event-handler attribute or ``javascript:`` URL gets through. Links get
``rel="noopener noreferrer nofollow"``.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

MAX_SOURCE = 50_000

_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
    ["table", "strikethrough"]
)
# Headings start at h2 inside a page (the event title is the h1/h2 above it).
_md.renderer.rules["heading_open"] = lambda tokens, idx, options, env: (
    f"<h{min(int(tokens[idx].tag[1]) + 1, 4)}>"
)
_md.renderer.rules["heading_close"] = lambda tokens, idx, options, env: (
    f"</h{min(int(tokens[idx].tag[1]) + 1, 4)}>"
)


@lru_cache(maxsize=512)
def render_markdown(source: str) -> str:
    """Safe HTML for a Markdown description (empty string for empty input)."""
    source = (source or "")[:MAX_SOURCE]
    if not source.strip():
        return ""
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
