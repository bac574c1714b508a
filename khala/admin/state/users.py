"""The users section (/admin/users): a page of accounts; grant or revoke the administrator role."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from khala.accounts import auth, service, sessions
from khala.admin.state.base import AdminState, PagedState, admin_only, clip
from khala.audit.service import Actor
from khala.errors import DomainError, InvalidInput
from khala.lib.paging import Page, offset_of

USERS_PAGE_SIZE = 50


class UsersAdminState(PagedState, AdminState):
    """Administrators' view of accounts: a page of users (newest first), search, grant/revoke admin."""

    query: str = ""
    users: list[dict[str, str]] = []
    error: str = ""
    reauth_open: bool = False  # the "confirm your password" dialog
    reauth_error: str = ""
    _pending_grant: str = ""  # backend only: the grant waiting for the password

    def _forget(self) -> None:
        self.users = []
        self._forget_page()

    def _refused(self, exc: DomainError, args: tuple[Any, ...], *, bounce: bool) -> Any:
        reply = super()._refused(exc, args, bounce=bounce)
        self.error = exc.message
        return reply

    async def _fetch(self) -> None:
        rows, total = await asyncio.to_thread(
            service.list_users,
            self.query,
            offset=offset_of(self.page, USERS_PAGE_SIZE),
            limit=USERS_PAGE_SIZE,
        )
        self._show_page(Page(rows, total, self.page, USERS_PAGE_SIZE))
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

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        """on_load: the page of accounts shown last time (search and page are kept while the tab lives)."""
        self.error = ""
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        self.error = ""
        self.query = clip(form_data.get("query"), 100)
        self.page = 1
        await self._fetch()
        return None

    # Granting admin needs the password again (recent authentication, 10 minutes per session): set_admin
    # opens the dialog and keeps the grant; confirm_password checks the password and carries it out.
    @rx.event
    @admin_only
    async def confirm_password(self, form_data: dict[str, Any], *, actor: Actor):
        password = form_data.get("password") if isinstance(form_data, dict) else None
        try:
            await auth.hashing(
                self,
                service.confirm_password,
                actor.user_id,
                clip(password, 1025),
                session_secret=auth.session_token(self),
            )
        except DomainError as exc:
            self.reauth_error = exc.by_field().get("password", exc.message)
            return None
        self.reauth_open, self.reauth_error = False, ""
        user_id, self._pending_grant = self._pending_grant, ""
        return await self._set_admin(user_id, True, actor) if user_id else None

    @rx.event
    @admin_only
    async def close_reauth(self):
        self.reauth_open, self.reauth_error, self._pending_grant = False, "", ""

    @rx.event
    @admin_only
    async def set_admin(self, user_id: str, is_admin: bool, *, actor: Actor):
        if is_admin is True and not await asyncio.to_thread(
            sessions.recently_authenticated, auth.session_token(self)
        ):
            self._pending_grant, self.reauth_open, self.reauth_error = clip(user_id, 60), True, ""
            return None
        return await self._set_admin(user_id, is_admin, actor)

    async def _set_admin(self, user_id: str, is_admin: bool, actor: Actor):
        self.error = ""
        try:
            await asyncio.to_thread(service.set_admin, clip(user_id, 60), is_admin is True, actor=actor)
        except DomainError as exc:
            self.error = exc.message
            if not isinstance(exc, InvalidInput):
                self._forget()
            return None
        await self._fetch()
        return None
