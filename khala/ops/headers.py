"""The security headers every response carries, and the Content-Security-Policy of the pages.

The policy is as strict as the app allows:
- scripts: only our own files, plus the inline bootstrap scripts of the prebuilt pages by their SHA-256
  (read from the build once per process); never ``'unsafe-inline'`` nor ``'unsafe-eval'``: what a backend handler
  asks of the browser (toasts, the modal's history entry, focus moves, form posts) is data run by code in the
  bundle (``khala/ui/client.py``), never a script string for Reflex's ``eval``;
- styles allow inline ``<style>``: Emotion (Reflex's CSS-in-JS) writes them at run time;
- images from ourselves, ``data:``/``blob:`` and the Azure Blob endpoint when images live there;
- connections only to our own origin (the websocket included), no plugins, no ``<base>``, forms post home,
  and nobody may frame the site (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``) except a route that
  names its framers itself (the ``/embed`` widget sets its own ``frame-ancestors``).

A header the route already set (``/media`` has its own sandboxing CSP) is left alone.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from khala.settings import Settings

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
NO_REFERRER_PATHS = ("/reset-password", "/verify", "/auth/")  # their URLs carry one-time tokens


def inline_script_hashes(static_dir: Path) -> tuple[str, ...]:
    """CSP source expressions for every inline script of the built pages (sorted, deduplicated)."""
    found: set[str] = set()
    if static_dir.is_dir():
        for page in static_dir.rglob("*.html"):
            for body in _INLINE_SCRIPT.findall(page.read_bytes()):
                if body.strip():
                    found.add("'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'")
    return tuple(sorted(found))


def _blob_origin(settings: Settings) -> str | None:
    conn = settings.azure_storage_connection_string
    if conn:
        parts = dict(p.split("=", 1) for p in conn.split(";") if "=" in p)
        endpoint = parts.get("BlobEndpoint")
        if endpoint:
            u = urlsplit(endpoint)
            return f"{u.scheme}://{u.netloc}"
        if parts.get("UseDevelopmentStorage", "").lower() == "true":
            return "http://127.0.0.1:10000"
        account = parts.get("AccountName")
        if account:
            protocol = parts.get("DefaultEndpointsProtocol", "https")
            suffix = parts.get("EndpointSuffix", "core.windows.net")
            return f"{protocol}://{account}.blob.{suffix}"
    if settings.azure_storage_account:
        return f"https://{settings.azure_storage_account}.blob.core.windows.net"
    return None


def content_security_policy(settings: Settings, script_hashes: tuple[str, ...] = ()) -> str:
    public = urlsplit(settings.public_url)
    websocket = f"{'wss' if public.scheme == 'https' else 'ws'}://{public.netloc}"
    images = ["'self'", "data:", "blob:"]
    if blob := _blob_origin(settings):
        images.append(blob)
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *script_hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src " + " ".join(images),
        "font-src 'self' data:",
        f"connect-src 'self' {websocket}",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "frame-src 'self'",  # our own pages only: the admin's preview of the embed widget
        "worker-src 'self' blob:",
        "manifest-src 'self'",
    ]
    if settings.is_production:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


@lru_cache(maxsize=4)
def _static_hashes(static_dir: str) -> tuple[str, ...]:
    return inline_script_hashes(Path(static_dir))


def security_headers(settings: Settings, static_dir: Path) -> list[tuple[bytes, bytes]]:
    """The headers added to every HTTP response (the CSP applies to HTML; harmless elsewhere)."""
    headers = {
        "content-security-policy": content_security_policy(settings, _static_hashes(str(static_dir))),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "cross-origin-opener-policy": "same-origin",
    }
    if settings.is_production:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return [(k.encode(), v.encode()) for k, v in headers.items()]


CAMERA_PATHS = ("/admin/checkin/",)  # the door's QR scanner; every other page keeps the camera off


def permissions_policy_for(path: str) -> bytes | None:
    """The check-in screen may use the camera (same origin only); every other page keeps it off."""
    if path.startswith(CAMERA_PATHS):
        return b"camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
    return None


def content_security_policy_for(path: str, csp: bytes) -> bytes:
    """The check-in screen compiles the QR reader's WebAssembly (ZXing): ``'wasm-unsafe-eval'`` there only — it
    allows compiling WebAssembly, never evaluating a JavaScript string. (The screen is opened with a fresh page
    load, as its Permissions-Policy needs.)"""
    if path.startswith(CAMERA_PATHS):
        return csp.replace(b"script-src 'self'", b"script-src 'self' 'wasm-unsafe-eval'", 1)
    return csp


def referrer_policy_for(path: str) -> bytes | None:
    """Pages whose URL carries a token send no referrer at all."""
    if any(path == p or path.startswith(p if p.endswith("/") else p + "/") for p in NO_REFERRER_PATHS):
        return b"no-referrer"
    return None
