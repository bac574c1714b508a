"""The admin dashboard's base state and what every section shares.

Any client can call any handler by name, so every handler that reads private data or changes anything starts
with ``await self._admin()`` (which calls ``auth.require_admin``) and does nothing for anyone else. The page
guards (``access``) only decide what to render: anonymous visitors are sent to sign in, signed-in
non-administrators see "Admins only". Lists keep only the current page in state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import reflex as rx

from khala.accounts import auth
from khala.accounts import service as accounts
from khala.accounts.auth import CurrentUser
from khala.errors import DomainError, Forbidden, InvalidInput, NotAuthenticated

REFUSED = "Only administrators can do that."

STATUS_LABELS = {"draft": "Draft", "published": "Published", "cancelled": "Cancelled"}
REGISTRATION_LABELS = {"confirmed": "Confirmed", "waitlisted": "Waiting list", "cancelled": "Cancelled"}


def _clip(value: object, n: int = 200) -> str:
    return str(value if value is not None else "")[:n]


def _errors(exc: DomainError) -> dict[str, str]:
    """Field name → message; errors not tied to a field go under "form"."""
    if isinstance(exc, InvalidInput):
        return {("form" if k == "__all__" else k): v for k, v in exc.errors.items()}
    return {"form": exc.message}


def _page_number(value: object) -> int:
    try:
        return max(1, min(int(str(value)), 1_000_000))
    except (TypeError, ValueError):
        return 1


def _utc(dt: Any) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else ""


def _seats(taken: int, capacity: int | None) -> str:
    return f"{taken} / {capacity}" if capacity is not None else f"{taken} / unlimited"


@dataclass
class Option:
    value: str = ""
    label: str = ""


@dataclass
class StatTile:
    label: str = ""
    value: str = ""
    note: str = ""


class AdminState(rx.State):
    """Who may see the dashboard; the sections are substates of this one."""

    access: str = ""  # "" (not checked yet) | "admin" | "denied" | "anonymous"
    admin_name: str = ""

    async def _admin(self) -> CurrentUser | None:
        """The calling administrator, or None (and ``access`` says why). Every handler starts here."""
        try:
            user = await auth.require_admin(self)
        except NotAuthenticated:
            self.access, self.admin_name = "anonymous", ""
            return None
        except Forbidden:
            self.access, self.admin_name = "denied", ""
            return None
        self.access, self.admin_name = "admin", user.display_name
        return user

    def _bounce(self):
        """What an on_load does for a non-administrator: anonymous → sign in and come back."""
        if self.access != "anonymous":
            return None
        here = self.router.url.path or "/admin"
        if self.router.url.query:
            here += "?" + self.router.url.query
        return rx.redirect("/login?next=" + quote(accounts.safe_next(here, "/admin"), safe="/"))

    @rx.event
    async def check_access(self):
        """on_load of sections whose data another state loads (users, images)."""
        await self._admin()
        return self._bounce()
