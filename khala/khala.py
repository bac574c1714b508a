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

import khala.events.pages  # noqa: E402,F401  (Discover /, /events, /events/[slug], /calendar)
from khala.events.api import router as events_router  # noqa: E402

api.include_router(events_router)  # /events/{slug}.ics

from khala.images.api import router as images_router  # noqa: E402
from khala.mail.worker import run_worker_forever  # noqa: E402

api.include_router(images_router)  # /media/{key} (local store, signed URLs)
app.register_lifespan_task(run_worker_forever)  # one mail worker per process

import khala.registrations.pages  # noqa: E402,F401  (/tickets)
from khala.registrations.api import router as registrations_router  # noqa: E402

api.include_router(registrations_router)  # /tickets/{id}.ics (owner only)
