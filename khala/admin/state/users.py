"""The users section (/admin/users): a page of accounts; grant or revoke the administrator role."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from khala.accounts import auth, service
from khala.errors import DomainError, InvalidInput

USERS_PAGE_SIZE = 50


class UsersAdminState(rx.State):
    """Administrators' view of accounts (for the admin dashboard): a page of users, grant/revoke admin.

    Each handler checks ``require_admin`` itself; a non-admin calling them by name gets nothing.
    """

    query: str = ""
    offset: int = 0
    total: int = 0
    users: list[dict[str, str]] = []
    error: str = ""

    async def _fetch(self) -> None:
        rows, self.total = await asyncio.to_thread(
            service.list_users, self.query, offset=self.offset, limit=USERS_PAGE_SIZE
        )
        self.users = [
            {
                "id": str(r.id),
                "email": r.email,
                "display_name": r.display_name,
                "is_admin": "yes" if r.is_admin else "",
                "is_verified": "yes" if r.is_verified else "",
                "created": r.created_at.strftime("%Y-%m-%d"),
            }
            for r in rows
        ]

    def _clear(self) -> None:
        self.users = []
        self.total = 0

    @rx.event
    async def load(self):
        self.error = ""
        try:
            await auth.require_admin(self)
        except DomainError as exc:
            self._clear()
            self.error = exc.message
            return None
        await self._fetch()
        return None

    @rx.event
    async def search(self, form_data: dict[str, Any]):
        self.query = str(form_data.get("query", ""))[:100]
        self.offset = 0
        return await self.load()

    @rx.event
    async def page(self, offset: int):
        self.offset = max(0, int(offset))
        return await self.load()

    @rx.event
    async def set_admin(self, user_id: str, is_admin: bool):
        self.error = ""
        try:
            actor = await auth.require_admin(self)
            await asyncio.to_thread(service.set_admin, actor, _uuid(user_id), bool(is_admin))
        except DomainError as exc:
            self.error = exc.message
            if not isinstance(exc, InvalidInput):
                self._clear()
            return
        await self._fetch()


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidInput({"user_id": "No such user."}) from exc
