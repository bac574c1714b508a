"""Assembly only: the app, its pages, the REST/auth/media routes (api_transformer) and lifespan tasks.

Each domain contributes: ``pages.py`` (its pages, added by importing it), ``api.py`` (a FastAPI ``router``).
"""

import reflex as rx
from fastapi import FastAPI

from khala.settings import get_settings

settings = get_settings()

# HTTP routes we own (auth cookie completion, media, REST API). Reflex mounts itself inside this app.
api = FastAPI(title="Khala", docs_url=None, redoc_url=None, openapi_url=None)

app = rx.App(
    api_transformer=api,
    theme=rx.theme(appearance="light", accent_color="pink", radius="large"),
)


def index() -> rx.Component:
    return rx.text("Khala")


app.add_page(index, route="/")
