"""HTTP route for the local image store: ``GET /media/{key}?exp=…&sig=…``.

403 for a missing, bad or expired signature (checked before the file system is touched, so
nobody can probe which keys exist), 404 for an invalid key or a missing file, and only image
content types are ever served. The endpoint is a plain ``def``: Starlette runs it in its thread
pool, so file-system calls never block the event loop. With Azure the browser reads blobs straight
from Blob Storage through SAS URLs and this route answers 404.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from khala.errors import InvalidInput
from khala.images.storage import LocalStore, get_store

router = APIRouter(tags=["images"])

MAX_BROWSER_CACHE = 24 * 3600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Cross-Origin-Resource-Policy": "same-site",
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
    exp: str | None = Query(default=None, max_length=20),
    sig: str | None = Query(default=None, max_length=100),
) -> Response:
    store = get_store()
    if not isinstance(store, LocalStore):
        return _plain(404, "Not found")
    try:
        path = store.path_for(key)
    except InvalidInput:
        return _plain(404, "Not found")
    if not store.verify(key, exp, sig):
        return _plain(403, "This image link is invalid or has expired; reload the page for a fresh one.")
    content_type = store.content_type_for(key)
    if content_type is None or not path.is_file():
        return _plain(404, "Not found")
    remaining = max(0, min(int(exp or 0) - int(time.time()), MAX_BROWSER_CACHE))
    headers = {
        "Cache-Control": f"private, max-age={remaining}, immutable",
        "Content-Disposition": "inline",
        **SECURITY_HEADERS,
    }
    return FileResponse(path, media_type=content_type, headers=headers)
