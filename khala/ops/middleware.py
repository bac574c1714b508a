"""One ASGI wrapper around the whole app (the outermost ``api_transformer``), for every HTTP response and
websocket: a request id, the security headers, cache headers for the prebuilt files, latency and counts by
route template, the number of open websockets, and one log line per request (path only: query strings can
carry one-time codes).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from functools import lru_cache
from pathlib import Path

from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from khala.ops import build, headers, metrics
from khala.ops.logs import request_id
from khala.settings import Settings, get_settings

log = logging.getLogger("khala.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
IMMUTABLE = b"public, max-age=31536000, immutable"  # Vite's content-hashed /assets/* files
# Fonts and images from assets/ keep their names across releases: a day, then a cheap revalidation.
STATIC = b"public, max-age=86400, stale-while-revalidate=604800"
REVALIDATE = b"no-cache"  # pages: always ask, so a new release is seen at once (ETag keeps it cheap)
# The prebuilt scripts, styles and fonts are never documents: the headers that govern a document (its CSP, with
# a hash per inline script of the build, is about 2.5 KB) would only weigh on each of the page's ~40 requests.
SUBRESOURCE_PATHS = ("/assets/", "/fonts/")
DOCUMENT_ONLY = frozenset(
    {b"content-security-policy", b"x-frame-options", b"permissions-policy", b"cross-origin-opener-policy"}
)


@lru_cache(maxsize=2)
def _page_matchers(manifest: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Reflex's route table (``.web/routes.json``) as regexes: ``events/[slug]`` → ``/events/[slug]``."""
    try:
        routes = json.loads(Path(manifest).read_text())
    except (OSError, ValueError):
        return ()
    matchers = []
    for r in routes:
        label = "/" if r == "index" else "/" + r
        parts = []
        for segment in label.strip("/").split("/"):
            if segment.startswith("[[..."):
                parts.append(".*")
            elif segment.startswith("["):
                parts.append("[^/]+")
            else:
                parts.append(re.escape(segment))
        pattern = "/".join(parts)
        matchers.append((re.compile(f"^/{pattern}/?$" if pattern else "^/$"), label))
    # static segments first: /events before /events/[slug]
    return tuple(sorted(matchers, key=lambda m: m[1].count("[")))


def route_label(scope: Scope, manifest: Path = build.WEB_DIR / "routes.json") -> str:
    """A bounded label for the metrics: the route template, never the concrete path."""
    path: str = scope.get("path", "")
    route = scope.get("route")
    if isinstance(route, Route | WebSocketRoute) and getattr(route, "path", None):
        return route.path
    if isinstance(route, Mount) and route.name != "frontend" and route.path:
        return route.path + "/*"
    if path.startswith("/assets/"):
        return "/assets/*"
    for pattern, label in _page_matchers(str(manifest)):
        if pattern.match(path):
            return label
    return "static" if "." in path.rsplit("/", 1)[-1] else "other"


def _header(scope_or_headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for k, v in scope_or_headers:
        if k.lower() == name:
            return v
    return None


class OpsMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings | None = None, static_dir: Path = build.STATIC_DIR):
        self.app = app
        self.settings = settings or get_settings()
        self.security = headers.security_headers(self.settings, static_dir)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = (_header(scope.get("headers", []), b"x-request-id") or b"").decode("latin-1")
        rid = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 0
        accepted = False
        path: str = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            nonlocal status, accepted
            kind_ = message["type"]
            if kind_ == "http.response.start" or kind_ == "websocket.http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": self._response_headers(path, status, message.get("headers", []), rid),
                }
            elif kind_ == "websocket.accept" and not accepted:
                accepted, status = True, 101
                metrics.WEBSOCKET_CLIENTS.inc()
            elif kind_ == "websocket.close" and not accepted and not status:
                status = 403
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            status = status or 500
            raise
        finally:
            if accepted:
                metrics.WEBSOCKET_CLIENTS.dec()
            self._record(scope, kind, path, status or 500, time.perf_counter() - started)
            request_id.reset(token)

    def _response_headers(
        self, path: str, status: int, raw: list[tuple[bytes, bytes]], rid: str
    ) -> list[tuple[bytes, bytes]]:
        out = list(raw)
        present = {k.lower() for k, _ in out}
        own_csp = _header(out, b"content-security-policy") or b""
        if b"frame-ancestors" in own_csp:
            present.add(b"x-frame-options")  # the route says who may frame it (the embed widget)
        subresource = path.startswith(SUBRESOURCE_PATHS)
        for k, v in self.security:
            if k not in present and not (subresource and k in DOCUMENT_ONLY):
                if k == b"referrer-policy":
                    v = headers.referrer_policy_for(path) or v
                elif k == b"permissions-policy":
                    v = headers.permissions_policy_for(path) or v
                elif k == b"content-security-policy":
                    v = headers.content_security_policy_for(path, v)
                out.append((k, v))
        if b"cache-control" not in present and status == 200:
            content_type = _header(out, b"content-type") or b""
            if path.startswith("/assets/"):
                out.append((b"cache-control", IMMUTABLE))
            elif content_type.startswith(b"text/html"):
                out.append((b"cache-control", REVALIDATE))
            elif content_type.startswith((b"font/", b"image/")):
                out.append((b"cache-control", STATIC))
        out.append((b"x-request-id", rid.encode()))
        return out

    def _record(self, scope: Scope, kind: str, path: str, status: int, seconds: float) -> None:
        method = scope.get("method", "GET") if kind == "http" else "WS"
        route = route_label(scope)
        if kind == "http":
            metrics.REQUEST_SECONDS.labels(method, route).observe(seconds)
        metrics.REQUESTS.labels(method, route, str(status)).inc()
        level = logging.WARNING if status >= 500 else logging.INFO
        if log.isEnabledFor(level):
            client = scope.get("client") or ("", 0)
            log.log(
                level,
                "%s %s %s %.1fms",
                method,
                path,
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "client": client[0],
                },
            )


def ops_middleware(app: ASGIApp) -> ASGIApp:
    """The ``api_transformer`` entry (``khala/khala.py``)."""
    return OpsMiddleware(app)
