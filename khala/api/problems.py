"""RFC 9457 problem details: every error of the API is ``application/problem+json`` with its real status.

Domain errors carry their own ``status`` and ``code`` (``khala/errors.py``): ``NotFound`` → 404 ``not-found``,
``SoldOut`` → 409 ``sold-out``, ``InvalidInput`` → 422 with one entry per field in ``errors``. Request
validation (a wrong type, a missing field) is a 422 in the same shape; a body that is not JSON is a 400.
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

from khala.errors import DomainError, InvalidInput, RateLimited

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "tag:khala,2026:problem:"  # a stable identifier per problem code (RFC 9457 §3.1.1)
FORM_FIELDS = {"__all__", "form"}


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


def title_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


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
    code = code or title_of(status).lower().replace(" ", "-")
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
    return ProblemResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


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
            400, "The request body is not valid JSON.", code="malformed-json", instance=_instance(request)
        )
    errors: dict[str, str] = {}
    for e in raw:
        name = _loc_name(e.get("loc", ()))
        message = str(e.get("msg", "Invalid value."))
        errors.setdefault(name, message[0].upper() + message[1:] if message else message)
    detail = "; ".join(f"{k}: {v}" if k else v for k, v in errors.items())
    return problem(
        422, detail, code="invalid-input", instance=_instance(request), errors=field_errors(errors)
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route of this path answers (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def from_http_exception(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    detail = exc.detail if isinstance(exc.detail, str) else title_of(exc.status_code)
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is no such endpoint in this API; see /api/v1/docs."
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
        detail = f"This endpoint answers {headers['Allow']}."
    return problem(exc.status_code, detail, instance=_instance(request), headers=headers)


def from_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Something went wrong on our side; it has been logged.", instance=_instance(request))


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, from_domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, from_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, from_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, from_unexpected)
