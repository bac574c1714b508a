"""Running Reflex event handlers without a browser, as a given client.

The state tree is built from the root and the websocket's headers (where the HttpOnly session cookie
arrives) are set on the router, as Reflex does on connect. Any client can call any handler by name, so
these helpers let a test call them as anonymous, as another user, or as the owner.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex.istate.data import RouterData

from khala.accounts import auth


def state_tree(
    cookie: str | None = None,
    *,
    path: str = "/",
    query: dict[str, str] | None = None,
    ip: str = "10.5.0.1",
    extra_cookies: bool = False,
) -> rx.State:
    """A root state as a client with ``cookie`` as its session token (None: anonymous) on ``path``."""
    root = rx.State()
    headers = {"origin": "http://localhost:3000", "user-agent": "pytest"}
    if cookie is not None:
        session = f"{auth.cookie_name()}={cookie}"
        headers["cookie"] = f"other=1; {session}; theme=dark" if extra_cookies else session
    query = query or {}
    as_path = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    root.router = RouterData.from_router_data(
        {"headers": headers, "ip": ip, "pathname": path, "query": query, "asPath": as_path}
    )
    return root


def substate(root: rx.State, cls: type[rx.State]) -> Any:
    return root.get_substate(cls.get_full_name().split(".")[1:])


def run(coro_or_gen: Any) -> Any:
    """Run an async handler (coroutine or async generator) to the end; return what it returned/yielded."""

    async def go() -> Any:
        if hasattr(coro_or_gen, "__anext__"):
            return [item async for item in coro_or_gen]
        return await coro_or_gen

    return asyncio.run(go())
