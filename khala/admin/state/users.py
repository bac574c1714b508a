"""The users section (/admin/users): accounts searched and filtered; grant or revoke the administrator role
(never one's own, never the last administrator's); disable an account (its sessions end at once, it cannot
sign in, its data stays) or enable it again."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from khala.accounts import auth, service, sessions, standing
from khala.admin.state.base import AdminState, PagedState, ReauthState, admin_only, clip, page_number
from khala.audit.service import Actor
from khala.errors import DomainError, InvalidInput
from khala.lib.i18n import gettext as _
from khala.ui.client import toast

USERS_PAGE_SIZE = 50
ROLE_FILTERS = {"", "admin", "disabled", "unverified"}


class UsersAdminState(PagedState, ReauthState, AdminState):
    """Administrators' view of accounts: a page of users (newest first), search, roles, disabling."""

    query: str = ""
    role: str = ""
    users: list[dict[str, str]] = []
    error: str = ""
    confirm_disable: str = ""  # the account whose "Disable" waits for a second click
    _pending_grant: str = ""  # backend only: the grant waiting for the password

    def _forget(self) -> None:
        self.users, self.confirm_disable = [], ""
        self._forget_page()

    def _refused(self, exc: DomainError, args: tuple[Any, ...], *, bounce: bool) -> Any:
        reply = super()._refused(exc, args, bounce=bounce)
        self.error = exc.message
        return reply

    async def _fetch(self, me: str = "") -> None:
        result = await asyncio.to_thread(
            standing.list_accounts, self.query, role=self.role, page=self.page, page_size=USERS_PAGE_SIZE
        )
        self._show_page(result)
        self.users = [
            {
                "id": r.id,
                "email": r.email,
                "display_name": r.display_name,
                "is_admin": "yes" if r.is_admin else "",
                "is_verified": "yes" if r.is_verified else "",
                "disabled": "yes" if r.disabled_at else "",
                "is_me": "yes" if r.id == me else "",
                "created": r.created_at.strftime("%Y-%m-%d"),
            }
            for r in result.items
        ]

    @rx.event
    @admin_only(bounce=True)
    async def load(self, *, actor: Actor):
        """on_load: the page of accounts shown last time (search and page are kept while the tab lives)."""
        self.error, self.confirm_disable = "", ""
        await self._fetch(str(actor.id))
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any], *, actor: Actor):
        data = form_data if isinstance(form_data, dict) else {}
        self.error, self.confirm_disable = "", ""
        self.query = clip(data.get("query"), 100)
        role = clip(data.get("role"), 20)
        self.role = role if role in ROLE_FILTERS else ""
        self.page = 1
        await self._fetch(str(actor.id))
        return None

    @rx.event
    @admin_only
    async def go_to_page(self, page: int, *, actor: Actor):
        self.page = page_number(page)
        await self._fetch(str(actor.id))
        return None

    # Granting admin needs the password again (recent authentication, 10 minutes per session): set_admin
    # opens the dialog and keeps the grant; ReauthState.confirm_password checks the password, _resume grants.
    async def _resume(self, actor: Actor):
        user_id, self._pending_grant = self._pending_grant, ""
        return await self._set_admin(user_id, True, actor) if user_id else None

    def _drop_pending(self) -> None:
        self._pending_grant = ""

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
        await self._fetch(str(actor.id))
        return None

    @rx.event
    @admin_only
    async def ask_disable(self, user_id: str):
        self.confirm_disable = clip(user_id, 60)

    @rx.event
    @admin_only
    async def disable(self, user_id: str, *, actor: Actor):
        """Disable an account: its sessions end now, sign-in is refused, its registrations stay."""
        self.error, self.confirm_disable = "", ""
        try:
            row = await asyncio.to_thread(standing.disable_user, clip(user_id, 60), actor=actor)
        except DomainError as exc:
            self.error = exc.message
            return toast.error(exc.message)
        await self._fetch(str(actor.id))
        return toast.success(_("%(email)s is disabled; its sessions have ended.") % {"email": row.email})

    @rx.event
    @admin_only
    async def enable(self, user_id: str, *, actor: Actor):
        self.error, self.confirm_disable = "", ""
        try:
            row = await asyncio.to_thread(standing.enable_user, clip(user_id, 60), actor=actor)
        except DomainError as exc:
            self.error = exc.message
            return toast.error(exc.message)
        await self._fetch(str(actor.id))
        return toast.success(_("%(email)s can sign in again.") % {"email": row.email})
