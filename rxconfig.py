"""Reflex configuration. Reads khala.settings and nothing else."""

from typing import Any

import reflex as rx

from khala.settings import get_settings
from khala.ui.stylesheet import KhalaStylesheet

settings = get_settings()

# The colour scales the UI uses: the pink accent with its natural grey (mauve), plain grey, and the red,
# green and amber of notices. Radix's full token sheet carries all 31 scales (35 KB of the 88 KB gzip CSS).
THEME_COLOURS = ("pink", "mauve", "gray", "red", "green", "amber")


class RadixThemes(rx.plugins.RadixThemesPlugin):
    """Radix Themes with only the colour tokens Khala uses, so public pages load less CSS."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return (
            "@radix-ui/themes/tokens/base.css",
            *(f"@radix-ui/themes/tokens/colors/{c}.css" for c in THEME_COLOURS),
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )


class SameOriginBackend(rx.plugins.Plugin):
    """The built frontend reaches the backend on the origin it was loaded from (host and port).

    Reflex bakes ``api_url`` (``http://localhost:<port at build time>``) into the bundle and only swaps the
    host name at run time. Khala serves pages, websocket and API on one port, so one build serves any port,
    any replica and any proxy: ``python -m khala build`` once, ``python -m khala serve`` anywhere.
    """

    MARK = "// khala: same origin"
    PATCHES = (
        ("endpoint.hostname = frontend_hostname;", f"endpoint.host = window.location.host; {MARK}"),
        ('endpoint.port = ""; // Assume websocket is on https port via load balancer.', ""),
    )

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("utils/state.js", self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        if cls.MARK in source:  # already patched by an earlier compile
            return source
        for old, new in cls.PATCHES:
            if old not in source:
                raise RuntimeError(f"SameOriginBackend: Reflex's state.js changed; cannot find {old!r}")
            source = source.replace(old, new)
        return source


config = rx.Config(
    app_name="khala",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_lazy_bundled_libraries=True,  # no whole Radix Themes on window.__reflex (no dynamic components)
    cors_allowed_origins=settings.cors_origins,
    redis_url=settings.redis_url,
    frontend_port=settings.port,
    backend_port=settings.port,
    plugins=[
        SameOriginBackend(),
        KhalaStylesheet(),  # global CSS in the bundled sheet; Radix trimmed, layered under ours (khala/ui/stylesheet.py)
        RadixThemes(
            theme=rx.theme(appearance="light", accent_color="pink", gray_color="mauve", radius="large")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
