"""API-key authentication and the per-key rate limit, as FastAPI dependencies.

The key comes in ``X-API-Key`` (or ``Ocp-Apim-Subscription-Key``, what clients of the original gateway send).
``read_key`` lets any active key through; ``write_key`` needs the write scope (403 otherwise). Both count the
request against the key's rate limit (429 with ``Retry-After`` when it is used up). The dependencies are
``async``: a key checked in the last seconds (``keys.remembered``) and an in-memory rate limit cost no thread
hop, and the database and Redis calls go to the thread pool, so they never block the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from khala.api import keys, ratelimit
from khala.api.http import remember_allowance
from khala.api.keys import KeyView
from khala.audit.service import Actor
from khala.errors import Forbidden, NotAuthenticated
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

HEADER = "X-API-Key"
GATEWAY_HEADER = "Ocp-Apim-Subscription-Key"

_api_key_header = APIKeyHeader(
    name=HEADER,
    scheme_name="ApiKey",
    description="An API key made with `python -m khala api-key create --name N --scope read|write`.",
    auto_error=False,
)
_gateway_header = APIKeyHeader(
    name=GATEWAY_HEADER,
    scheme_name="SubscriptionKey",
    description="The same key, under the header the original API gateway used.",
    auto_error=False,
)


async def api_key(request: Request, secret: str | None, gateway_secret: str | None) -> KeyView:
    """The key of the request (either header), counted against its rate limit; the headers' Security
    declarations are on ``read_key``/``write_key`` themselves (one dependency level: FastAPI solves each
    level per request)."""
    given = secret or gateway_secret
    if not given:
        raise NotAuthenticated(_("Send your API key in the %(header)s header.") % {"header": HEADER})
    key = await checked(given)
    if key is None:
        raise NotAuthenticated(_("This API key is not valid: it is unknown or has been revoked."))
    remember_allowance(request, await counted(key))  # told in every answer's headers (http.RateLimitHeaders)
    request.state.api_key = key
    return key


async def counted(key: KeyView) -> ratelimit.Allowance:
    """Count one request of ``key`` against its rate limit (RateLimited when none is left)."""
    if get_settings().redis_url:
        return await run_in_threadpool(ratelimit.consume, key.id)  # a round trip to Redis
    return ratelimit.consume(key.id)  # in memory: microseconds


def remembered_writer(secret: str | None, gateway_secret: str | None) -> KeyView | None:
    """The write key of these header values (as ``write_key`` takes them) when this process checked it
    lately (``keys.remembered``: no query, on the event loop); None otherwise, whatever the reason (unknown,
    not checked lately, read only): ``write_key`` then answers the request."""
    key = keys.remembered(secret or gateway_secret)
    return key if key is not None and key.can_write else None


_looking_up: dict[tuple[str, int], asyncio.Future[KeyView | None]] = {}


async def checked(given: str) -> KeyView | None:
    """``keys.authenticate(given)``, without a thread hop or a query when the key was checked in the last
    seconds (``keys.remembered``: answered here, on the event loop). Requests that arrive with the same
    secret while its look-up runs wait for that one look-up instead of each making their own (50 concurrent
    requests of a box office at start-up, or when the remembered key expires, were 50 queries and 50 threads
    competing with the registrations for the connection pool). Shared only within one cache generation: a
    request that arrives after a revocation in this process never waits on a look-up from before it."""
    key = keys.remembered(given)
    if key is not None:
        return key
    loop = asyncio.get_running_loop()
    slot = (given, keys.generation())
    pending = _looking_up.get(slot)
    if pending is None or pending.get_loop() is not loop:
        pending = asyncio.ensure_future(run_in_threadpool(keys.authenticate, given))
        _looking_up[slot] = pending
        pending.add_done_callback(lambda done: _forget(slot, done))
    # shield: a request that goes away (its client disconnected) does not cancel the others' look-up
    return await asyncio.shield(pending)


def _forget(slot: tuple[str, int], done: asyncio.Future[KeyView | None]) -> None:
    if _looking_up.get(slot) is done:
        del _looking_up[slot]
    if not done.cancelled():
        done.exception()  # retrieved: when every waiter went away, a failure is not logged as unretrieved


async def read_key(
    request: Request,
    secret: Annotated[str | None, Security(_api_key_header)],
    gateway_secret: Annotated[str | None, Security(_gateway_header)],
) -> KeyView:
    return await api_key(request, secret, gateway_secret)


async def write_key(
    request: Request,
    secret: Annotated[str | None, Security(_api_key_header)],
    gateway_secret: Annotated[str | None, Security(_gateway_header)],
) -> KeyView:
    key = await api_key(request, secret, gateway_secret)
    if not key.can_write:
        raise Forbidden(_("This API key can only read; this request needs a key with the write scope."))
    return key


# For route signatures: ``key: ReadKey`` / ``key: WriteKey``.
ReadKey = Annotated[KeyView, Depends(read_key)]
WriteKey = Annotated[KeyView, Depends(write_key)]


def actor_of(key: KeyView) -> Actor:
    """Who a change made through the API is audited as: the key itself."""
    return Actor.api_key(key)
