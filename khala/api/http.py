"""HTTP mechanics shared by the API's routes: ETag/304, Link headers for pages, Idempotency-Key replays."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlunsplit

from fastapi import Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from khala.api import idempotency, problems
from khala.api.keys import KeyView
from khala.errors import DomainError, RateLimited
from khala.lib.paging import Page

# Documented and checked on every POST that honours it; ``idempotent`` reads it from the request.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID is ideal): a retry with the same key and body gets the first "
        "answer and changes nothing again; the same key with another body is a 422.",
    ),
]
CACHE_CONTROL = "private, no-cache"  # keyed answers: the client may keep them, but revalidates (ETag)
VARY = "X-API-Key, Ocp-Apim-Subscription-Key"
REPLAYED = "Idempotent-Replayed"
_KEPT_HEADERS = ("location",)


def etag_of(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


class ETagMiddleware:
    """Give every successful GET an ETag (of its body) and Cache-Control; answer If-None-Match with 304.

    The body is hashed before compression (the middleware sits inside GZip), and the tag is weak, so the
    same representation keeps its tag whatever encoding the client accepts.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = ""
        for name, value in scope.get("headers") or []:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=list(start["headers"]))
            tag = headers.get("etag") or etag_of(body)
            headers["ETag"] = tag
            headers.setdefault("Cache-Control", CACHE_CONTROL)
            if "vary" not in headers:
                headers["Vary"] = VARY
            if if_none_match and _matches(if_none_match, tag):
                for name in ("content-length", "content-type", "content-encoding"):
                    if name in headers:
                        del headers[name]
                await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


ALLOWANCE = "khala_allowance"  # the request's scope["state"] key: what the key's rate limit left it


def remember_allowance(request: Request, allowance: Any) -> None:
    """Keep what the rate limit left the request's key, for ``RateLimitHeaders`` to tell the client."""
    setattr(request.state, ALLOWANCE, allowance)


class RateLimitHeaders:
    """``RateLimit-Limit``, ``-Remaining`` and ``-Reset`` on every answer to a request whose key was counted
    (the key's dependency and the box-office lane keep the allowance with ``remember_allowance``).

    The one place they are set: FastAPI's dependency response object reaches only the routes that return a
    model, not those that answer with their own Response (every ``json_response``) nor the lane. Headers a
    response already has are left as they are.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state")
                allowance = state.get(ALLOWANCE) if isinstance(state, dict) else None
                if allowance is not None:
                    headers = MutableHeaders(raw=list(message["headers"]))
                    headers.setdefault("RateLimit-Limit", str(allowance.limit))
                    headers.setdefault("RateLimit-Remaining", str(allowance.remaining))
                    headers.setdefault("RateLimit-Reset", str(allowance.reset_after))
                    message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, with_headers)


# ---------------------------------------------------------------------------------------------- pages


def link_header(request: Request, page: int, pages: int) -> str:
    """RFC 8288 links to the first, previous, next and last pages (absolute URLs, other parameters kept)."""

    # What ``request.url.include_query_params(page=n)`` gives, with the query parsed once for every link.
    parts = request.url.components
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]

    def url(n: int) -> str:
        return urlunsplit(parts._replace(query=urlencode([*kept, ("page", str(n))])))

    links = [f'<{url(1)}>; rel="first"']
    if page > 1:
        links.append(f'<{url(min(page - 1, pages))}>; rel="prev"')
    if page < pages:
        links.append(f'<{url(page + 1)}>; rel="next"')
    links.append(f'<{url(pages)}>; rel="last"')
    return ", ".join(links)


def envelope(result: Page[Any], wanted: int, items: list[Any]) -> dict[str, Any]:
    """The list envelope for page ``wanted``: ``items`` (empty past the end, never the last page again),
    ``total``, ``page``, ``page_size``, ``pages``."""
    return {
        "items": [] if wanted > result.page else items,
        "total": result.total,
        "page": wanted,
        "page_size": result.page_size,
        "pages": result.pages,
    }


def page_headers(request: Request, response: Response, wanted: int, pages: int, total: int) -> None:
    """A list's Link header (first/prev/next/last) and ``X-Total-Count``, on ``response``."""
    response.headers["Link"] = link_header(request, wanted, pages)
    response.headers["X-Total-Count"] = str(total)


def paged(
    request: Request, response: Response, result: Page[Any], wanted: int, items: list[Any]
) -> dict[str, Any]:
    """``envelope`` for page ``wanted``, with the Link header and ``X-Total-Count`` on ``response``."""
    page_headers(request, response, wanted, result.pages, result.total)
    return envelope(result, wanted, items)


# ------------------------------------------------------------------------------------------ idempotency


class _Encoded(JSONResponse):
    """A JSONResponse whose body is already rendered (``json_response``)."""

    def render(self, content: Any) -> bytes:
        return content


def _plain(value: Any) -> Any:
    """What ``jsonable_encoder`` makes of a value ``json`` cannot write itself (called only for those): the
    common ones directly (an id, a time), anything else through FastAPI's encoder."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return jsonable_encoder(value)


def json_response(status: int, content: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    """``JSONResponse(jsonable_encoder(content))``, byte for byte, in one pass of the C encoder: dicts,
    lists, strings and numbers are written as they are and only ids, times and the like are converted
    (walking every value through ``jsonable_encoder`` first cost more than the rest of the serialisation)."""
    body = json.dumps(
        content, default=_plain, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
    return _Encoded(body, status_code=status, headers=headers)


def idempotent(
    request: Request,
    key: KeyView,
    payload: BaseModel | dict[str, Any] | None,
    run: Callable[[], JSONResponse],
) -> Response:
    """Answer ``run()`` once per ``Idempotency-Key`` (when the request has one) and replay it to retries.

    Domain errors are answers too (a retry of a sold-out attempt hears "sold out" again); a rate limit or an
    unexpected failure frees the key for the next try.
    """
    header = request.headers.get(idempotency.HEADER)
    if header is None:
        return run()
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    claim = idempotency.begin(
        key.id, header, f"{request.method} {request.url.path}", idempotency.fingerprint(data)
    )
    if isinstance(claim, idempotency.Replay):
        kind = problems.MEDIA_TYPE if claim.status_code >= 400 else "application/json"
        return JSONResponse(
            claim.body,
            status_code=claim.status_code,
            headers={**claim.headers, REPLAYED: "true"},
            media_type=kind,
        )
    try:
        response: Response = run()
    except RateLimited:
        idempotency.release(claim)
        raise
    except DomainError as exc:
        response = problems.from_domain_error(request, exc)
    except BaseException:
        idempotency.release(claim)
        raise
    kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    idempotency.finish(claim, response.status_code, json.loads(bytes(response.body)), kept)
    return response
