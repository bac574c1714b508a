"""Reflex configuration. Reads khala.settings and nothing else."""

from typing import Any

import reflex as rx

from khala.settings import get_settings
from khala.ui.account_menu import AccountMenuModule
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


class FewerChunks(rx.plugins.Plugin):
    """Vite puts every Lucide icon in a chunk of its own (about 300 bytes each, 20 or more per page): all of them
    go into one ``icons`` chunk, and React, React Router and Emotion, which every page runs, into one ``runtime``
    chunk. Over HTTP/1.1 (six connections to a host) a phone then waits for 15 requests, not 40.
    """

    ANCHOR = """            {
              test: /env.json/,
              name: "reflex-env",
            },"""
    GROUPS = r"""
            {
              name: "runtime",
              test: /[\\/]node_modules[\\/](react|react-dom|scheduler|react-router|@emotion|stylis)[\\/]/,
              priority: 30,
            },
            {
              // the icons a page imports, not the 1,600 the admin's dynamic icon can load one by one
              name: (id, ctx) =>
                /[\\/]lucide-react[\\/]dist[\\/]esm[\\/]icons[\\/]/.test(id) &&
                (ctx.getModuleInfo(id)?.importers ?? []).some((i) => !/[\\/]lucide-react[\\/]/.test(i))
                  ? "icons"
                  : null,
              priority: 20,
            },
            {
              // what every page's Radix pieces share (props, helpers, the layout primitives, the dialog), not the
              // menus, selects and popovers that only some pages or signed-in visitors load
              name: "radix",
              test: /[\\/]node_modules[\\/](@radix-ui[\\/]themes[\\/]dist[\\/]esm[\\/](helpers[\\/]|props[\\/]|components[\\/]([a-z-]+\.props|box|flex|text|heading|link|button|base-button|icon-button|spinner|callout|dialog|theme|icons|slot|visually-hidden|portal)\.js)|@radix-ui[\\/](react-(primitive|slot|compose-refs|context|use-[a-z-]+|id|direction|presence|portal|dismissable-layer|focus-scope|focus-guards|visually-hidden|dialog)|primitive)[\\/]|radix-ui[\\/]|classnames[\\/]|react-remove-scroll|react-remove-scroll-bar|use-sidecar|use-callback-ref|react-style-singleton|aria-hidden|get-nonce|tslib)/,
              priority: 10,
            },"""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"]("vite.config.js", self._patch)

    @classmethod
    def _patch(cls, source: str) -> str:
        if '"icons"' in source:
            return source
        if cls.ANCHOR not in source:
            raise RuntimeError("FewerChunks: Reflex's vite.config.js changed; cannot find its chunk groups")
        return source.replace(cls.ANCHOR, cls.ANCHOR + cls.GROUPS)


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
        FewerChunks(),
        AccountMenuModule(),  # the account menu's lazily imported module (khala/ui/account_menu.py)
        KhalaStylesheet(),  # global CSS in the bundled sheet; Radix trimmed, layered under ours (khala/ui/stylesheet.py)
        RadixThemes(
            theme=rx.theme(appearance="light", accent_color="pink", gray_color="mauve", radius="large")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
