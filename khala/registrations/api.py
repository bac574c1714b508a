"""HTTP routes of registrations: a ticket's calendar file, for its owner only, and a person's ticket feed."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from khala.accounts import auth
from khala.accounts import sessions as accounts
from khala.errors import DomainError
from khala.lib import routes
from khala.registrations import feed, queries

router = APIRouter(include_in_schema=False)


@router.get("/tickets/{registration_id}.ics")
async def ticket_ics(registration_id: str, request: Request) -> Response:
    token = auth.read_cookie(request.headers.get("cookie", ""), auth.cookie_name())
    user = await run_in_threadpool(accounts.resolve_session, token) if token else None
    if user is None:
        return PlainTextResponse("Sign in to download your ticket.", status_code=401)
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
            "This calendar link is not valid (it may have been replaced or turned off).",
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer"}
    if tag in {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
