"""The audit log (/admin/audit): every entry with who acted, what they did, to what, and the fields that
changed; filtered by actor, action, object and date. ``?object_type=event&object_id=<id>`` is an event's own
history (the events and registrations sections link to it)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, PagedState, admin_only, clip
from khala.audit import service as audit

AUDIT_PAGE_SIZE = 50
OBJECT_TYPES = (
    "event",
    "package",
    "registration",
    "user",
    "location",
    "category",
    "image",
    "outboxmessage",
    "api_key",
)
ACTOR_KINDS = {"user": "Person", "api_key": "API key", "system": "System"}


@dataclass
class ChangeView:
    field: str = ""
    before: str = ""
    after: str = ""


@dataclass
class AuditRowView:
    id: str = ""
    at: str = ""
    actor: str = ""
    actor_kind: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    changes: list[ChangeView] | None = None
    data: str = ""


def _short(value: Any, n: int = 80) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= n else text[: n - 1] + "…"


def _changes(changes: dict[str, Any]) -> list[ChangeView]:
    out = []
    for name, value in list(changes.items())[:12]:
        if isinstance(value, list) and len(value) == 2:
            out.append(ChangeView(name, _short(value[0]), _short(value[1])))
        else:
            out.append(ChangeView(name, "", _short(value)))
    return out


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class AdminAuditState(PagedState, AdminState):
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: str = ""  # YYYY-MM-DD (UTC), inclusive
    until: str = ""  # YYYY-MM-DD (UTC), inclusive
    actions: list[str] = []
    rows: list[AuditRowView] = []
    error: str = ""

    def _forget(self) -> None:
        self.rows, self.actions = [], []
        self._forget_page()

    async def _fetch(self) -> None:
        since, until = _day(self.since), _day(self.until)
        result = await asyncio.to_thread(
            audit.list_entries,
            object_type=self.object_type or None,
            object_id=self.object_id or None,
            action=self.action or None,
            actor=self.actor or None,
            since=datetime.combine(since, datetime.min.time(), UTC) if since else None,
            until=datetime.combine(until, datetime.min.time(), UTC) + timedelta(days=1) if until else None,
            page=self.page,
            page_size=AUDIT_PAGE_SIZE,
        )
        self._show_page(result)
        self.rows = [
            AuditRowView(
                id=e.id,
                at=e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                actor=e.actor_label or (e.actor_id[:8] if e.actor_id else ACTOR_KINDS.get(e.actor_kind, "")),
                actor_kind=ACTOR_KINDS.get(e.actor_kind, e.actor_kind),
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                changes=_changes(e.changes),
                data=", ".join(f"{k}: {_short(v, 60)}" for k, v in list(e.data.items())[:6]),
            )
            for e in result.items
        ]

    def _take(self, values: dict[str, Any]) -> None:
        self.actor = clip(values.get("actor"), 254).strip()
        action = clip(values.get("action"), 80).strip()
        self.action = action
        kind = clip(values.get("object_type"), 40).strip()
        self.object_type = kind if kind in OBJECT_TYPES else ""
        self.object_id = clip(values.get("object_id"), 64).strip()
        self.since = clip(values.get("since"), 10) if _day(clip(values.get("since"), 10)) else ""
        self.until = clip(values.get("until"), 10) if _day(clip(values.get("until"), 10)) else ""

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        """on_load: the filters come from the query string (an event's "History" link); none → everything."""
        self.error = ""
        self._take(dict(self.router.url.query_parameters))  # a fresh visit shows everything
        self.page = 1
        self.actions = await asyncio.to_thread(audit.actions_in_use)
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        self._take(form_data if isinstance(form_data, dict) else {})
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def clear_filters(self):
        self._take({})
        self.page = 1
        await self._fetch()
        return None
