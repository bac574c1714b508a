"""HTTP route for the local image store: ``GET /media/{key}?exp=…&sig=…``.

403 for a missing, bad or expired signature (checked before the file system is touched, so
nobody can probe which keys exist), 404 for an invalid key or a missing file, and only image
content types are ever served. The endpoint is a plain ``def``: Starlette runs it in its thread
pool, so file-system calls never block the event loop. With Azure the browser reads blobs straight
from Blob Storage through SAS URLs and this route answers 404.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from khala.accounts import auth, network, throttle
from khala.errors import InvalidInput, RateLimited
from khala.images.processing import megabytes
from khala.images.storage import LocalStore, get_store
from khala.lib import i18n
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

router = APIRouter(tags=["images"])

MAX_BROWSER_CACHE = 24 * 3600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    # Posters are public and their URLs signed: other sites (REST API clients) may embed them.
    "Cross-Origin-Resource-Policy": "cross-origin",
}


def _plain(status: int, text: str) -> Response:
    return Response(
        text,
        status_code=status,
        media_type="text/plain",
        headers={"Cache-Control": "no-store", **SECURITY_HEADERS},
    )


@router.api_route("/media/{key:path}", methods=["GET", "HEAD"], include_in_schema=False)
def media(
    key: str,
    exp: str | None = Query(default=None),
    sig: str | None = Query(default=None),
) -> Response:
    store = get_store()
    if not isinstance(store, LocalStore):
        return _plain(404, _("Not found"))
    try:
        path = store.path_for(key)
    except InvalidInput:
        return _plain(404, _("Not found"))
    if not store.verify(key, exp, sig):
        return _plain(403, _("This image link is invalid or has expired; reload the page for a fresh one."))
    content_type = store.content_type_for(key)
    if content_type is None or not path.is_file():
        return _plain(404, _("Not found"))
    remaining = max(0, min(int(exp or 0) - int(time.time()), MAX_BROWSER_CACHE))
    headers = {
        "Cache-Control": f"private, max-age={remaining}, immutable",
        "Content-Disposition": "inline",
        **SECURITY_HEADERS,
    }
    return FileResponse(path, media_type=content_type, headers=headers)


# ------------------------------------------------------------------------------ upload body guard

UPLOAD_PATHS = ("/_upload",)
MULTIPART_OVERHEAD = 256 * 1024  # form boundaries, part headers and the other small fields


def limit_upload_size(
    app: ASGIApp,
    *,
    max_bytes: int | None = None,
    paths: tuple[str, ...] = UPLOAD_PATHS,
    require_admin: bool = True,
    authorize: Callable[[Scope], Awaitable[tuple[int, str, str] | None]] | None = None,
) -> ASGIApp:
    """Wrap an ASGI app so POSTs to Reflex's upload route are authorized by the request itself and
    refused when larger than the image limit, before Starlette spools anything to disk.

    Only uploads are for administrators: the request's *own* session cookie must belong to one (Reflex's
    upload event carries no router data, so the handler alone would trust whatever websocket the
    ``reflex-client-token`` header names), else 403; per client at most ``throttle.UPLOADS_PER_CLIENT``
    (429), checked before the body is read. The size limit is ``settings.upload_max_bytes +
    MULTIPART_OVERHEAD`` per request unless ``max_bytes`` is given. A declared ``Content-Length`` above it
    is refused at once; otherwise the body is counted as it streams in and the request is cut off as soon as
    it passes the limit. ``authorize`` replaces the admin-cookie check with another (the REST API's key);
    ``require_admin=False`` leaves only the size limit (its own tests).
    """
    check = authorize or (_refusal if require_admin else None)
    limit = max_bytes if max_bytes is not None else get_settings().upload_max_bytes + MULTIPART_OVERHEAD

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not any(scope.get("path", "") == p or scope.get("path", "").startswith(p + "/") for p in paths)
        ):
            await app(scope, receive, send)
            return
        if check is not None:
            refusal = await check(scope)
            if refusal is not None:
                await _problem(send, *refusal)
                return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        received = 0
        cut_off = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, cut_off
            if cut_off:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut_off = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if cut_off and not started:
                return  # the app's answer to the cut-off body is replaced by our 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, counting_receive, guarded_send)
        except Exception:
            if not cut_off:
                raise
        if cut_off and not started:
            await _too_large(send, limit)

    return guarded


async def _refusal(scope: Scope) -> tuple[int, str, str] | None:
    """Why an upload request may not go on (status, title, detail), or None for an administrator's."""
    try:
        throttle.uploads_by_client.consume(throttle.client_key(network.client_from_scope(scope)))
    except RateLimited as exc:
        return 429, _("Too many uploads"), exc.message
    cookie = b"; ".join(v for k, v in scope.get("headers") or [] if k == b"cookie").decode("latin-1")
    user = await auth.user_from_cookie_header(cookie)
    if user is None or not user.is_admin:
        return 403, _("Not allowed"), _("Only signed-in administrators can upload images.")
    return None


async def _too_large(send: Send, limit: int) -> None:
    await _problem(
        send,
        413,
        _("Upload too large"),
        _("The upload is larger than allowed; images can be at most %(size)s.")
        % {"size": megabytes(get_settings().upload_max_bytes)},
    )


# The same codes the REST API's problem+json carries (khala.errors).
_CODES = {401: "not-authenticated", 403: "forbidden", 413: "too-large", 429: "rate-limited"}


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    code = _CODES.get(status, "error")
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code},
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-language", i18n.get_language().encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
