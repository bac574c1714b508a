"""REST API v1 of registrations (write scope: box office and door): register an attendee by e-mail address,
list an event's registrations, cancel one, check a ticket in.

``POST`` requests honour ``Idempotency-Key``: a retry with the same key and body gets the first answer and
changes nothing again.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from khala.api import problems, ratelimit
from khala.api.auth import WriteKey, actor_of, counted, remembered_writer
from khala.api.http import IdempotencyKey, idempotent, json_response, paged, remember_allowance
from khala.api.keys import KeyView
from khala.api.schemas import WRITE_ERRORS, examples, problem_responses
from khala.errors import DomainError
from khala.registrations import queries, service
from khala.registrations.queries import RegistrationView
from khala.settings import get_settings

router = APIRouter(tags=["registrations"])
T = TypeVar("T")

_REG_ID = "9b1f7c9e-58a4-4c1e-a3c5-8e1f0d2b7a61"
_PKG_ID = "6c0f0a4e-3a51-4b0e-9d43-0f9e3e1c2a10"
_EVT_ID = "0d3c8f2e-4b7a-4f5e-9c1d-2a6b8e0f4c37"
_USER_ID = "5e2a9d1c-7b3f-4e8a-b6c0-1d9f3a7e5b24"
_REGISTRATION_EXAMPLE = {
    "id": _REG_ID,
    "user_id": _USER_ID,
    "package_id": _PKG_ID,
    "event_id": _EVT_ID,
    "quantity": 2,
    "status": "confirmed",
    "ticket_code": "7KQ2M9XH4D",
    "created_at": "2026-12-01T09:30:00Z",
    "waitlist_position": None,
}


class RegistrationIn(BaseModel):
    model_config = examples(
        {"email": "ada@example.com", "display_name": "Ada Lovelace", "quantity": 2},
        {"email": "grace@example.com", "quantity": 1, "waitlist": True},
    )

    email: str = Field(
        max_length=254, description="The attendee's address; an account is made if none exists."
    )
    display_name: str = Field(
        default="", max_length=100, description="For a new account (default: the address)."
    )
    quantity: int = Field(default=1, ge=1, le=100)
    waitlist: bool = Field(default=False, description="Join the waiting list when the package is sold out.")


class Registration(BaseModel):
    model_config = examples(_REGISTRATION_EXAMPLE)

    id: UUID
    user_id: UUID
    package_id: UUID
    event_id: UUID
    quantity: int
    status: Literal["confirmed", "waitlisted", "cancelled"]
    ticket_code: str
    created_at: datetime
    waitlist_position: int | None = Field(default=None, description="1 = next in line (waitlisted only).")


class CreatedRegistration(Registration):
    model_config = examples(
        {
            **_REGISTRATION_EXAMPLE,
            "attendee_email": "ada@example.com",
            "account_created": True,
        }
    )

    attendee_email: str
    account_created: bool = Field(description="True when the address had no account and one was made.")


class RegistrationRow(BaseModel):
    model_config = examples(
        {
            "id": _REG_ID,
            "status": "confirmed",
            "quantity": 2,
            "ticket_code": "7KQ2M9XH4D",
            "created_at": "2026-12-01T09:30:00Z",
            "attendee_email": "ada@example.com",
            "attendee_name": "Ada Lovelace",
            "package_title": "Standard",
            "cancellable": True,
            "checked_in_at": None,
        }
    )

    id: UUID
    status: Literal["confirmed", "waitlisted", "cancelled"]
    quantity: int
    ticket_code: str
    created_at: datetime
    attendee_email: str
    attendee_name: str
    package_title: str
    cancellable: bool
    checked_in_at: datetime | None = Field(description="When the ticket was scanned at the door.")


class RegistrationList(BaseModel):
    model_config = examples(
        {
            "items": [RegistrationRow.model_config["json_schema_extra"]["examples"][0]],
            "total": 1,
            "page": 1,
            "page_size": 50,
            "pages": 1,
        }
    )

    items: list[RegistrationRow]
    total: int
    page: int
    page_size: int
    pages: int


class CancelIn(BaseModel):
    model_config = examples({"reason": "Asked at the box office"}, {})

    reason: str = Field(default="", max_length=300)


class CheckInIn(BaseModel):
    model_config = examples(
        {"ticket_code": "7KQ2M9XH4D", "event_id": _EVT_ID}, {"ticket_code": "7kq2-m9xh-4d"}
    )

    ticket_code: str = Field(
        min_length=1, max_length=40, description="As printed; case and dashes do not matter."
    )
    event_id: UUID | None = Field(default=None, description="Refuse tickets of any other event (409).")


class CheckIn(Registration):
    model_config = examples(
        {
            **_REGISTRATION_EXAMPLE,
            "checked_in_at": "2026-12-12T18:55:03Z",
        }
    )

    checked_in_at: datetime


def _registration(v: RegistrationView) -> dict[str, object]:
    return {
        "id": v.id,
        "user_id": v.user_id,
        "package_id": v.package_id,
        "event_id": v.event_id,
        "quantity": v.quantity,
        "status": v.status,
        "ticket_code": v.ticket_code,
        "created_at": v.created_at,
        "waitlist_position": v.waitlist_position,
    }


@router.post(
    "/packages/{package_id}/registrations",
    status_code=201,
    response_model=CreatedRegistration,
    summary="Register an attendee by e-mail address (box office)",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def register(
    package_id: UUID,
    body: RegistrationIn,
    request: Request,
    key: WriteKey,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Finds the account of `email` or makes one (unverified, no password: its owner can set one later with
    "forgot password"), then takes the seats exactly as the site does; the confirmation mail is sent.
    409 `sold-out`, `sales-closed` or `already-registered` when that is the case."""

    def run() -> Response:
        return _register(key, package_id, body)

    return idempotent(request, key, {"package_id": str(package_id), **body.model_dump(mode="json")}, run)


def _register(key: KeyView, package_id: UUID, body: RegistrationIn) -> JSONResponse:
    """``register``'s work and its 201 answer (the route and the box-office lane below share it)."""
    done = service.register_attendee(
        body.email,
        package_id,
        body.quantity,
        actor=actor_of(key),
        display_name=body.display_name,
        waitlist=body.waitlist,
    )
    content = {
        **_registration(done.registration),
        "attendee_email": done.email,
        "account_created": done.account_created,
    }
    return json_response(201, content)


# ---------------------------------------------------------------------------------------- box-office lane
#
# A box office in a rush sends one request after another that FastAPI answers with the same machinery each
# time: its router, the dependency solver (the key's two headers, the Idempotency-Key header, the body), the
# exception middleware. On the event loop that was more than half of a registration's CPU, the database work
# included, and one worker's loop serves every request. The lane answers the plain case itself, in front of
# FastAPI and inside every middleware (CORS, gzip, ETag, the language and the upload guard see it as before):
# POST .../packages/{canonical UUID}/registrations with a write key this process checked lately
# (``auth.remembered_writer``, no query), no Idempotency-Key, ``Content-Type: application/json`` and a body
# that ``RegistrationIn`` accepts. Then it does what the route does, in the same order: the key's rate limit
# (``auth.counted``; with Redis, in the registration's thread), the registration in a thread (``_register``),
# a domain error as its problem (``problems.from_domain_error``), an unexpected one to the server's error
# handler. Any other request, or one the lane cannot tell is plain before anything is counted, goes to FastAPI
# untouched, its body replayed: the route answers it (401, 403, 422, 400, idempotent replays) as before.

_REGISTER_PATH = re.compile(
    r"/packages/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/registrations", re.IGNORECASE
)


def _route_path(scope: Scope) -> str:
    """The path inside the app's mount (as Starlette's router matches it)."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


class BoxOfficeLane:
    """ASGI middleware: the plain box-office registration answered without FastAPI's per-request machinery
    (see above); everything else passes through to ``app``."""

    enabled = True  # tests compare both ways

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self.enabled:
            await self.app(scope, receive, send)
            return
        match = _REGISTER_PATH.fullmatch(_route_path(scope))
        if match is None:
            await self.app(scope, receive, send)
            return
        secret = gateway = content_type = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                secret = value if secret is None else secret
            elif name == b"ocp-apim-subscription-key":
                gateway = value if gateway is None else gateway
            elif name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"idempotency-key":
                await self.app(scope, receive, send)
                return
        key = remembered_writer(
            secret.decode("latin-1") if secret else None, gateway.decode("latin-1") if gateway else None
        )
        if key is None or content_type != b"application/json":
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        body = await _read_body(receive, received)
        data = _plain_body(body) if body else None
        if data is None:
            await self.app(scope, _replaying(received, receive), send)
            return
        request = Request(scope, receive, send)
        request.state.api_key = key
        package_id = UUID(match.group(1))
        response: Response
        try:
            if get_settings().redis_url:
                # The count is a round trip to Redis: made in the registration's thread, one hop for both.
                response = await _in_thread(_count_and_register, request, key, package_id, data)
            else:
                remember_allowance(request, await counted(key))  # in memory: on the loop, as the route does
                response = await _in_thread(_register, key, package_id, data)
        except DomainError as exc:
            response = problems.from_domain_error(request, exc)
        await response(scope, receive, send)


def _count_and_register(
    request: Request, key: KeyView, package_id: UUID, body: RegistrationIn
) -> JSONResponse:
    """The key's request counted in Redis (RateLimited when none is left, before anything is written), then
    ``_register``: the route's order, in one thread."""
    remember_allowance(request, ratelimit.consume(key.id))
    return _register(key, package_id, body)


# The lane's own threads. anyio's hop (``run_in_threadpool``: its capacity limiter, cancel scope, per-thread
# queue and checks of which async library runs) cost about twice what the event loop's own executor does, on
# the loop every worker's requests share; the registration needs neither cancellation nor anyio. As many
# threads as anyio lends the route, so a rush queues its orders for "seats in turn" as before.
BOX_OFFICE_THREADS = 40
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:  # made on first use: in the worker process, after Granian forked it
            _executor = ThreadPoolExecutor(BOX_OFFICE_THREADS, thread_name_prefix="box-office")
        return _executor


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in one of the lane's threads, in this request's context (its language)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_threads(), contextvars.copy_context().run, fn, *args)


async def _read_body(receive: Receive, received: list[Message]) -> bytes | None:
    """The whole body (None if the client went away first); every message read is kept in ``received``."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _plain_body(body: bytes) -> RegistrationIn | None:
    """The body as the route reads it (``json.loads``, then the model), or None when the route would refuse it."""
    try:
        return RegistrationIn.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _replaying(received: list[Message], receive: Receive) -> Receive:
    """``receive`` as it was before the lane read from it: the messages read so far first."""
    pending = list(received)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


@router.get(
    "/events/{event_id}/registrations",
    response_model=RegistrationList,
    summary="An event's registrations, newest first",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def list_registrations(
    event_id: UUID,
    request: Request,
    response: Response,
    key: WriteKey,
    status: Annotated[Literal["confirmed", "waitlisted", "cancelled"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, object]:
    result = queries.list_for_event(event_id, status=status, page=page, page_size=page_size)
    items = [
        {
            "id": r.id,
            "status": r.status,
            "quantity": r.quantity,
            "ticket_code": r.ticket_code,
            "created_at": r.created_at,
            "attendee_email": r.user_email,
            "attendee_name": r.user_name,
            "package_title": r.package_title,
            "cancellable": r.cancellable,
            "checked_in_at": r.checked_in_at,
        }
        for r in result.items
    ]
    return paged(request, response, result, page, items)


@router.post(
    "/registrations/{registration_id}/cancel",
    response_model=Registration,
    summary="Cancel a registration (seats go back, the waiting list moves up)",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def cancel(
    registration_id: UUID,
    request: Request,
    key: WriteKey,
    body: CancelIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Audited as `registration.cancelled_by_admin` with the key as actor; the attendee is mailed.
    409 when it is already cancelled or the event has started."""
    reason = body.reason if body else ""

    def run() -> Response:
        view = service.cancel(registration_id, actor=actor_of(key), reason=reason)
        return json_response(200, _registration(view))

    return idempotent(request, key, {"registration_id": str(registration_id), "reason": reason}, run)


@router.post(
    "/checkins",
    status_code=201,
    response_model=CheckIn,
    summary="Check a ticket in at the door",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def check_in(
    body: CheckInIn, request: Request, key: WriteKey, idempotency_key: IdempotencyKey = None
) -> Response:
    """Marks the ticket as used, once: a second scan is a 409 saying when it was checked in. Also 409 for a
    cancelled or waiting-list registration, a cancelled event, or (with `event_id`) another event's ticket."""

    def run() -> Response:
        done = service.check_in(body.ticket_code, actor=actor_of(key), event_id=body.event_id)
        return json_response(201, {**_registration(done.registration), "checked_in_at": done.checked_in_at})

    return idempotent(request, key, body.model_dump(mode="json"), run)
