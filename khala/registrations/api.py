"""HTTP routes of registrations: a ticket's calendar file, for its owner only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from khala.accounts import auth
from khala.accounts import sessions as accounts
from khala.errors import DomainError
from khala.registrations import queries

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
