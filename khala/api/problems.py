"""RFC 9457 problem details: every error of the API is ``application/problem+json`` with its real status.

Domain errors carry their own ``status`` and ``code`` (``khala/errors.py``): ``NotFound`` → 404 ``not-found``,
``SoldOut`` → 409 ``sold-out``, ``InvalidInput`` → 422 with one entry per field in ``errors``. Request
validation (a wrong type, a missing field) is a 422 in the same shape; a body that is not JSON is a 400.

``title``, ``detail`` and the field messages are for people: they are in the request's language
(``Accept-Language``, or our language cookie; ``khala.lib.i18n.asgi_middleware``) and the response says so in
``Content-Language``. ``type``, ``code``, ``status`` and the field names are for programs and never change.
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from khala.api import validation
from khala.errors import DomainError, InvalidInput, RateLimited
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "tag:khala,2026:problem:"  # a stable identifier per problem code (RFC 9457 §3.1.1)
FORM_FIELDS = {"__all__", "form"}


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


# The statuses the API answers with, their titles as msgids (the English of Python 3.11's ``HTTPStatus``).
_TITLES = {
    400: N_("Bad Request"),
    401: N_("Unauthorized"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    409: N_("Conflict"),
    413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"),
    422: N_("Unprocessable Entity"),
    429: N_("Too Many Requests"),
    500: N_("Internal Server Error"),
    503: N_("Service Unavailable"),
}


def english_title(status: int) -> str:
    """The status's title in English (what the problem's ``code`` is made from when it has none)."""
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def title_of(status: int) -> str:
    """The status's title in the current language."""
    return _(english_title(status))


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> ProblemResponse:
    code = code or english_title(status).lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title or title_of(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(
        body,
        status_code=status,
        headers={"Cache-Control": "no-store", "Content-Language": i18n.get_language(), **(headers or {})},
    )


def field_errors(errors: dict[str, str]) -> list[dict[str, str]]:
    """``{"title": "…"}`` → ``[{"field": "title", "detail": "…"}]``; a whole-form message has no field."""
    return [{"field": "" if k in FORM_FIELDS else k, "detail": v} for k, v in errors.items()]


def _instance(request: Request) -> str:
    return request.url.path


def from_domain_error(request: Request, exc: DomainError) -> ProblemResponse:
    headers: dict[str, str] = {}
    errors = None
    if isinstance(exc, InvalidInput):
        errors = field_errors(exc.errors)
    elif exc.field:
        errors = field_errors({exc.field: exc.message})
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
    return problem(
        exc.status, exc.message, code=exc.code, instance=_instance(request), errors=errors, headers=headers
    )


def _loc_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts)


def from_validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return problem(
            400, _("The request body is not valid JSON."), code="malformed-json", instance=_instance(request)
        )
    errors: dict[str, str] = {}
    for e in raw:
        name = _loc_name(e.get("loc", ()))
        message = validation.message(e)
        errors.setdefault(name, message[0].upper() + message[1:] if message else message)
    detail = "; ".join(f"{k}: {v}" if k else v for k, v in errors.items())
    return problem(
        422, detail, code="invalid-input", instance=_instance(request), errors=field_errors(errors)
    )


def _methods(routes: list[Any], scope: dict[str, Any]) -> set[str]:
    methods: set[str] = set()
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI ≥ 0.16x keeps an included router whole
        if included is not None:
            methods |= _methods(included.routes, scope)
            continue
        match, _scope = route.matches({**scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return methods


def _allowed_methods(request: Request) -> str:
    """Every method some route of this path answers (Starlette's 405 names only the first route's)."""
    return ", ".join(sorted(_methods(list(request.app.routes), dict(request.scope))))


def from_http_exception(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    detail = exc.detail if isinstance(exc.detail, str) else english_title(exc.status_code)
    headers = dict(exc.headers or {})
    if detail == english_title(exc.status_code):  # Starlette's default detail is the status's phrase
        detail = title_of(exc.status_code)
    if exc.status_code == 404 and detail == title_of(404):
        detail = _("There is no such endpoint in this API; see /api/v1/docs.")
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
        detail = _("This endpoint answers %(methods)s.") % {"methods": headers["Allow"]}
    return problem(exc.status_code, detail, instance=_instance(request), headers=headers)


def from_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500, _("Something went wrong on our side; it has been logged."), instance=_instance(request)
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, from_domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, from_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, from_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, from_unexpected)
