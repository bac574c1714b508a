"""API keys (/admin/api-keys): create one with a name and a scope (the secret is shown once), see when each
was last used, revoke one. Creating a key asks for the password again (recent authentication), as granting
administrator rights does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.accounts import auth, sessions
from khala.admin.state.base import AdminState, ReauthState, admin_only, clip, utc
from khala.api import keys
from khala.api.models import SCOPES
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.lib.i18n import gettext as _
from khala.ui.client import toast


@dataclass
class KeyRowView:
    id: str = ""
    name: str = ""
    prefix: str = ""
    scope: str = ""
    created_by: str = ""
    created: str = ""
    last_used: str = ""
    revoked: str = ""


class AdminApiKeysState(ReauthState, AdminState):
    rows: list[KeyRowView] = []
    errors: dict[str, str] = {}
    new_secret: str = ""  # the secret just made: shown once, gone on the next load
    new_name: str = ""
    confirm_revoke: str = ""
    _pending: dict[str, str] = {}  # backend only: the key waiting for the password

    def _forget(self) -> None:
        self.rows, self.new_secret, self.new_name, self.confirm_revoke = [], "", "", ""
        self._pending = {}

    async def _fetch(self) -> None:
        found = await asyncio.to_thread(keys.list_keys)
        self.rows = [
            KeyRowView(
                id=k.id,
                name=k.name,
                prefix=k.prefix,
                scope=k.scope,
                created_by=k.created_by.split(":", 1)[-1],
                created=utc(k.created_at),
                last_used=utc(k.last_used_at) or _("never"),
                revoked=utc(k.revoked_at),
            )
            for k in found
        ]

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        self.errors, self.new_secret, self.new_name, self.confirm_revoke = {}, "", "", ""
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def create(self, form_data: dict[str, Any], *, actor: Actor):
        data = form_data if isinstance(form_data, dict) else {}
        name = " ".join(clip(data.get("name"), 200).split())
        scope = clip(data.get("scope"), 10)
        self.errors, self.new_secret = {}, ""
        if not name:
            self.errors = {"name": _("Give the key a name (who or what uses it).")}
            return None
        if scope not in SCOPES:
            self.errors = {"scope": _("The scope must be read or write.")}
            return None
        if not await asyncio.to_thread(sessions.recently_authenticated, auth.session_token(self)):
            self._pending, self.reauth_open, self.reauth_error = {"name": name, "scope": scope}, True, ""
            return None
        return await self._create(name, scope, actor)

    async def _create(self, name: str, scope: str, actor: Actor):
        try:
            made = await asyncio.to_thread(keys.create_key, name, scope, actor=actor)
        except DomainError as exc:
            self.errors = exc.by_field() or {"form": exc.message}
            return None
        self.new_secret, self.new_name = made.secret, made.key.name
        await self._fetch()
        return None

    async def _resume(self, actor: Actor):
        pending, self._pending = self._pending, {}
        return await self._create(pending["name"], pending["scope"], actor) if pending else None

    def _drop_pending(self) -> None:
        self._pending = {}

    @rx.event
    @admin_only
    async def dismiss_secret(self):
        self.new_secret, self.new_name = "", ""

    @rx.event
    @admin_only
    async def ask_revoke(self, key_id: str):
        self.confirm_revoke = clip(key_id, 60)

    @rx.event
    @admin_only
    async def revoke(self, key_id: str, *, actor: Actor):
        self.confirm_revoke = ""
        try:
            key = await asyncio.to_thread(keys.revoke_key, clip(key_id, 60), actor=actor)
        except DomainError as exc:
            return toast.error(exc.message)
        await self._fetch()
        return toast.success(
            _("%(name)s is revoked; requests with it are refused from now on.") % {"name": key.name}
        )
