"""The first screen's largest picture in the first HTML (an event's poster, the first card's picture).

The page's data comes over the websocket, after the JavaScript has run: until then a page shows skeletons, and
the picture that is the page's largest paint would wait for all of it. So the server (``khala/events/seo_http.py``)
puts the picture into the skeleton that stands where it will be, and asks for it with the page:

- its ``<link rel="preload" as="image">`` in ``<head>`` carries ``data-khala-first="<path and query>"``: the
  address of the page the picture belongs to;
- the skeleton's ``<img data-khala-first="">`` (``khala/ui/widgets.py`` ``first_image``) gets the picture as
  its ``src``.

In the browser the same ``<img>`` takes its ``src`` from that link while the address is still the page's, so
React hydrates exactly what the server sent (a client navigation to another page finds no picture for it). The
real picture that replaces the skeleton has the same box and the same URL: it is no larger paint than the first.
"""

from __future__ import annotations

ATTR = "data-khala-first"
# What the skeleton's <img> gets as ``src`` in the browser (undefined while prerendering, without a hint for
# this address, or after a navigation away from it).
SRC_JS = (
    f'((typeof document === "undefined") ? undefined : ((l) => (l && l.getAttribute("{ATTR}") === '
    'window.location.pathname + window.location.search) ? l.getAttribute("href") : undefined)'
    f'(document.querySelector("link[{ATTR}]")))'
)


def page_key(path: str, query_string: str) -> str:
    """The address a hint belongs to, as ``location.pathname + location.search`` reads it in the browser."""
    return path + ("?" + query_string if query_string else "")
