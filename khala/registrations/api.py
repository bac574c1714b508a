"""HTTP routes of registrations: a ticket's calendar file, for its owner only, a person's ticket feed, and an
event's registrations as CSV for administrators."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator, Sequence

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from khala.accounts import auth
from khala.accounts import sessions as accounts
from khala.errors import DomainError
from khala.lib import routes
from khala.lib.i18n import gettext as _
from khala.registrations import feed, queries, roster

router = APIRouter(include_in_schema=False)


@router.get("/tickets/{registration_id}.ics")
async def ticket_ics(registration_id: str, request: Request) -> Response:
    token = auth.read_cookie(request.headers.get("cookie", ""), auth.cookie_name())
    user = await run_in_threadpool(accounts.resolve_session, token) if token else None
    if user is None:
        return PlainTextResponse(_("Sign in to download your ticket."), status_code=401)
    try:
        filename, body = await run_in_threadpool(queries.ticket_calendar, registration_id, user.id)
    except DomainError as exc:
        return PlainTextResponse(exc.message, status_code=exc.status)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.api_route(routes.TICKETS_FEED, methods=["GET", "HEAD"])
async def personal_feed(request: Request) -> Response:
    """A person's tickets as a subscribable calendar, at the secret address from their account page. The token
    rides in the query string, which request logs leave out."""
    body = await run_in_threadpool(feed.personal_feed, request.query_params.get("token"))
    if body is None:
        return PlainTextResponse(
            _("This calendar link is not valid (it may have been replaced or turned off)."),
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer"}
    if tag in {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


# ---------------------------------------------------------------- an event's registrations as CSV (admins)

# A cell a spreadsheet would read as a formula (or that hides one behind a tab or a line break) gets a
# leading apostrophe, as OWASP's "CSV injection" advice says; the apostrophe is not shown by Excel.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(
    rows: Iterator[list[str]] | Iterator[tuple[str, ...]], header: Sequence[str], *, batch: int = 200
) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel then reads å, ä, ö right), CRLF line ends, every cell made
    spreadsheet-safe; encoded ``batch`` lines at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    yield codecs.BOM_UTF8
    for n, row in enumerate(itertools.chain([header], rows), start=1):
        writer.writerow([spreadsheet_safe(c) for c in row])
        if n % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    if out.getvalue():
        yield out.getvalue().encode("utf-8")


@router.get("/admin/events/{event_id}/registrations.csv")
async def registrations_csv(event_id: str, request: Request) -> Response:
    """Every registration of an event, streamed as it is read; administrators only (the session cookie is
    checked here, as in every admin handler)."""
    token = auth.read_cookie(request.headers.get("cookie", ""), auth.cookie_name())
    user = await run_in_threadpool(accounts.resolve_session, token) if token else None
    headers = {"Cache-Control": "private, no-store"}
    if user is None:
        return PlainTextResponse(_("Sign in to export registrations."), status_code=401, headers=headers)
    if not user.is_admin:
        return PlainTextResponse(
            _("Only administrators can export registrations."), status_code=403, headers=headers
        )
    rows = roster.export_rows(event_id)
    try:
        slug = await run_in_threadpool(next, rows)
    except DomainError as exc:
        return PlainTextResponse(exc.message, status_code=exc.status, headers=headers)
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", str(slug))[:80] or "event"
    return StreamingResponse(
        csv_lines(rows, roster.csv_header()),  # a sync iterator: Starlette reads it in a worker thread
        media_type="text/csv; charset=utf-8",
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}-registrations.csv"'},
    )
