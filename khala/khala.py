"""Assembly only: the app, its pages, the REST/auth/media routes (api_transformer) and lifespan tasks.

Each domain contributes ``pages.py`` (its ``@template``/``@rx.page`` pages, registered by importing it) and
``api.py`` (a FastAPI ``router`` of the HTTP routes it owns).
"""

import reflex as rx
from fastapi import FastAPI

import khala.accounts.pages  # /login, /signup, /verify, /account, …
import khala.admin.pages  # /admin and its sections (overview, events, registrations, mail, users, images)
import khala.events.pages  # Discover /, /events, /events/[slug], /calendar
import khala.registrations.pages  # /tickets  # noqa: F401
from khala import rest as api_v1
from khala import wiring
from khala.accounts.api import origin_guard
from khala.accounts.api import router as accounts_router
from khala.accounts.logredact import install as redact_secrets_in_logs
from khala.accounts.tasks import purge_expired_forever
from khala.admin.state import checkin
from khala.api.tasks import purge_idempotency_forever
from khala.events.api import router as events_router
from khala.events.seo_http import seo_pages
from khala.events.state import seats
from khala.images.api import limit_upload_size
from khala.images.api import router as images_router
from khala.lib import i18n
from khala.mail.worker import run_worker_forever
from khala.ops.api import router as ops_router
from khala.ops.middleware import ops_middleware
from khala.ops.threads import size_default_executor
from khala.registrations.api import router as registrations_router
from khala.ui.i18n import LanguageMiddleware

wiring.install()  # the cross-domain hooks, connected once (khala/wiring.py)
redact_secrets_in_logs()  # passwords, codes, tokens and session cookies never reach a log line (Reflex's too)
seats.connect()  # the live-seat hub pushes new counts to this app's tabs
checkin.connect()  # the door hub pushes live check-in counts to every open check-in screen

# HTTP routes we own. Reflex mounts itself inside this app, so these win over its catch-alls.
api = FastAPI(title="Khala", docs_url=None, redoc_url=None, openapi_url=None)
api.include_router(accounts_router)  # /auth/complete, /auth/signout (HttpOnly session cookie)
api.include_router(events_router)  # /events/{slug}.ics, /calendar.ics, /sitemap.xml, /robots.txt, /embed
api.include_router(images_router)  # /media/{key} (local store, signed URLs)
api.include_router(registrations_router)  # /tickets/{id}.ics (owner only)
api.include_router(ops_router)  # /healthz, /readyz, /metrics (bearer token)
api.mount("/api/v1", api_v1.mounted())  # the REST API v1 (khala/api): keys, OpenAPI at /api/v1/docs

app = rx.App(
    # Uploads are size-capped before Starlette spools them; the websocket Origin guard wraps everything
    # (no cross-site websocket hijacking with the user's cookie); outermost, every response gets the security
    # headers, a request id, a log line and its latency by route (khala/ops/middleware.py). Inside it, the shared
    # pages (/events/<slug>, /, /events, /calendar) get their head and status in the first response (seo_http).
    # i18n.asgi_middleware: every HTTP request runs in its visitor's language (cookie, else Accept-Language).
    api_transformer=[api, limit_upload_size, origin_guard, seo_pages, i18n.asgi_middleware, ops_middleware],
)
app.add_middleware(LanguageMiddleware())  # every Reflex event runs in the tab's language (khala/ui/i18n.py)
app.register_lifespan_task(size_default_executor)  # threads for the database pool (khala/ops/threads.py)
app.register_lifespan_task(run_worker_forever)  # one mail delivery loop per process
app.register_lifespan_task(purge_expired_forever)  # hourly: expired sessions and used tokens
app.register_lifespan_task(purge_idempotency_forever)  # hourly: REST API Idempotency-Key answers past a day
