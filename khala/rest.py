"""The REST API v1: each domain's ``api_v1`` router assembled under ``/api/v1``.

``create_app()`` builds the FastAPI application (problem+json errors, ETag/304, gzip, CORS for the configured
origins, OpenAPI 3.1 at ``/api/v1/openapi.json``, interactive docs at ``/api/v1/docs``); ``khala/khala.py``
mounts it at ``/api/v1`` inside the site, and ``standalone()`` serves it alone (tests, benchmarks)::

    granian --interface asgi --factory khala.rest:standalone --host 127.0.0.1 --port 8080
"""

from __future__ import annotations

import base64
import gc
import hashlib
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope
from swagger_ui_bundle import swagger_ui_path

from khala import wiring
from khala.api import keys, problems
from khala.api.auth import GATEWAY_HEADER, HEADER
from khala.api.http import ETagMiddleware, RateLimitHeaders
from khala.api.schemas import PREFIX, FieldError, Health, Problem
from khala.events import api_v1 as events_api
from khala.images import api_v1 as images_api
from khala.images.api import limit_upload_size
from khala.lib import i18n
from khala.lib.i18n import gettext as _
from khala.locations import api_v1 as locations_api
from khala.registrations import api_v1 as registrations_api
from khala.settings import get_settings

VERSION = "v1"

DESCRIPTION = """
Khala's REST API for box offices, apps and partner sites: the catalogue (events, packages with live
availability, venues, categories, images) and, with a write key, the same changes the admin dashboard makes.

* **Keys**: send `X-API-Key: khala_…` (`Ocp-Apim-Subscription-Key` works too). Make one with
  `python -m khala api-key create --name "Box office" --scope write`; a `read` key cannot change anything (403).
* **Errors** are RFC 9457 `application/problem+json` with the real status; `422` lists each field in `errors`.
* **Lists** are pages: `page`, `page_size` (at most 100); the body has `total` and `pages`, the `Link` header
  (RFC 8288) the first/prev/next/last pages. A page past the end is empty, never an error.
* **Caching**: every GET has an `ETag`; send it back in `If-None-Match` to get `304 Not Modified`.
* **Retries**: `POST` requests accept an `Idempotency-Key` header; a retry gets the first answer.
* **Rate limit**: per key (default 600 requests a minute); past it, `429` with `Retry-After` seconds.
  `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` tell where you stand.
* Every change is written to the audit trail with the key as the actor.
"""

TAGS = [
    {"name": "events", "description": "The catalogue, and (write scope) events and their packages."},
    {"name": "locations", "description": "Venues."},
    {"name": "categories", "description": "Event categories."},
    {"name": "images", "description": "Posters: metadata and fresh signed URLs; upload (write scope)."},
    {"name": "registrations", "description": "Box office and door (write scope)."},
    {"name": "health", "description": "Liveness, without a key."},
]


def _health() -> Health:
    return Health(status="ok", version=VERSION)


def _docs(request: Request) -> HTMLResponse:
    """Swagger UI for the live document, served from this site (no CDN: a self-hosted box may have no way out),
    with a CSP of its own: its one inline script by hash, scripts and styles from here, requests back here."""
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=root + "/openapi.json",
        title="Khala API v1",
        swagger_js_url=root + "/docs/static/swagger-ui-bundle.js",
        swagger_css_url=root + "/docs/static/swagger-ui.css",
        swagger_favicon_url="/favicon.ico",
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )
    html = bytes(page.body).decode()
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(js.encode()).digest()).decode() + "'" for js in scripts
    )
    csp = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})


def create_app() -> FastAPI:
    app = FastAPI(
        title="Khala API",
        version="1.0.0",
        summary="Events, packages, venues, images and registrations.",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        openapi_tags=TAGS,
    )
    problems.install(app)
    app.add_api_route(
        "/health",
        _health,
        methods=["GET"],
        response_model=Health,
        tags=["health"],
        summary="Is the API up?",
    )
    app.add_api_route("/docs", _docs, methods=["GET"], include_in_schema=False)
    app.mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    for module in (events_api, locations_api, images_api, registrations_api):
        app.include_router(module.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (Problem, FieldError):
                components.setdefault(
                    model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}")
                )
            # The multipart upload's body is made by FastAPI from the form fields; it gets its example here.
            upload = components.get("Body_upload_image_images_post")
            if upload is not None:
                upload["examples"] = [
                    {
                        "file": "(the image's bytes)",
                        "alt_text": "Two players on a stage",
                        "name": "poster.jpg",
                    }
                ]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Inside out: the box office's plain registrations, the rate-limit headers, the ETag (taken from the uncompressed body), gzip, CORS.
    app.add_middleware(registrations_api.BoxOfficeLane)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(ETagMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=get_settings().cors_origins,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        allow_headers=[
            "X-API-Key",
            "Ocp-Apim-Subscription-Key",
            "Content-Type",
            "Idempotency-Key",
            "If-None-Match",
        ],
        expose_headers=[
            "ETag",
            "Link",
            "Location",
            "Retry-After",
            "X-Total-Count",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "Idempotent-Replayed",
        ],
        max_age=600,
    )
    return app


def mounted() -> ASGIApp:
    """The API as ``khala/khala.py`` mounts it at ``/api/v1`` (uploads are size-capped before parsing)."""
    return limit_upload_size(create_app(), paths=(PREFIX + "/images",), authorize=_upload_key_refusal)


async def _upload_key_refusal(scope: Scope) -> tuple[int, str, str] | None:
    """An image upload through the API needs a write key, checked before a byte of the body is read (the
    route checks it again, with the rate limit)."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
    given = headers.get(HEADER.lower()) or headers.get(GATEWAY_HEADER.lower())
    key = await run_in_threadpool(keys.authenticate, given) if given else None
    if key is None:
        return (
            401,
            _("Not signed in"),
            _("Send an API key with the write scope in the %(header)s header.") % {"header": HEADER},
        )
    if not key.can_write:
        return (
            403,
            _("Not allowed"),
            _("This API key can only read; uploading an image needs the write scope."),
        )
    return None


def standalone() -> Starlette:
    """The API alone, at ``/api/v1`` (tests, benchmarks, a separate API process); each request in its language
    (``Accept-Language``), as inside the site (``khala/khala.py`` wraps everything in the same middleware)."""
    wiring.install()
    app = Starlette(routes=[Mount(PREFIX, app=mounted())], middleware=[Middleware(i18n.asgi_middleware)])
    _freeze_once()
    return app


_frozen = False


def _freeze_once() -> None:
    """Keep what the process has imported and built by its first app out of every later garbage collection,
    as ``python -m khala serve`` does before it forks: a full collection walked all of it, stopping the
    worker's every request for 0.25-0.5 s, a few times a minute under load (in the API rush, the requests in
    flight then were the slowest twentieth). Once per process: later apps (tests make one each) are left to
    the collector, and so is the garbage they leave."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()
