"""Reflex configuration. Reads khala.settings and nothing else."""

import reflex as rx

from khala.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="khala",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=settings.cors_origins,
    redis_url=settings.redis_url,
    frontend_port=settings.port,
    backend_port=settings.port,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="pink", radius="large"))
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
