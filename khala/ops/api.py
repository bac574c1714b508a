"""``/healthz`` (the process answers), ``/readyz`` (it can serve: 503 with the reasons otherwise) and
``/metrics`` (Prometheus, only with ``Authorization: Bearer $KHALA_METRICS_TOKEN``; 404 when no token is set).

The handlers are plain ``def``: Starlette runs them in its thread pool, so the probes never block the loop.
"""

from __future__ import annotations

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from khala.lib.i18n import gettext as _
from khala.ops import health, metrics
from khala.settings import get_settings

router = APIRouter(tags=["operations"])

NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz", include_in_schema=False)
def healthz() -> Response:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz", include_in_schema=False)
def readyz(authorization: str | None = Header(default=None)) -> Response:
    """200 or 503 with the failing checks' reasons; the full report (details, timings, process) to holders
    of the metrics token."""
    report = health.check()
    detailed = metrics.authorized(get_settings(), authorization)
    return JSONResponse(
        report.as_dict(detailed=detailed), status_code=200 if report.ok else 503, headers=NO_STORE
    )


@router.get("/metrics", include_in_schema=False)
def prometheus(authorization: str | None = Header(default=None)) -> Response:
    settings = get_settings()
    if not settings.metrics_token:
        return PlainTextResponse(_("Not found"), status_code=404, headers=NO_STORE)
    if not metrics.authorized(settings, authorization):
        return PlainTextResponse(
            _("Metrics need the bearer token (KHALA_METRICS_TOKEN)."),
            status_code=401,
            headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = metrics.render()
    return Response(body, media_type=content_type, headers=NO_STORE)
