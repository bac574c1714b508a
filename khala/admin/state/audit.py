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

from khala.admin.state.base import AdminState, Option, PagedState, admin_only, clip
from khala.audit import service as audit
from khala.lib.i18n import N_, pgettext
from khala.lib.i18n import gettext as _

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
# What the audit page names things by (N_: translated where shown, in the admin's language).
OBJECT_LABELS = {
    "event": N_("Event"),
    "package": N_("Package"),
    "registration": N_("Registration"),
    "user": N_("Account"),
    "location": N_("Venue"),
    "category": N_("Category"),
    "image": N_("Image"),
    "outboxmessage": N_("Mail"),
    "api_key": N_("API key"),
}
ACTOR_KINDS = {"user": N_("Person"), "api_key": N_("API key"), "system": N_("System")}


def action_labels() -> dict[str, str]:
    """What each audit action means, in the current language (the admin's); the trail keeps the dotted code."""
    return {
        "api_key.created": pgettext("audit", "API key created"),
        "api_key.revoked": pgettext("audit", "API key revoked"),
        "category.created": pgettext("audit", "Category created"),
        "category.updated": pgettext("audit", "Category updated"),
        "category.deleted": pgettext("audit", "Category deleted"),
        "event.created": pgettext("audit", "Event created"),
        "event.updated": pgettext("audit", "Event updated"),
        "event.published": pgettext("audit", "Event published"),
        "event.unpublished": pgettext("audit", "Event unpublished"),
        "event.cancelled": pgettext("audit", "Event cancelled"),
        "event.deleted": pgettext("audit", "Event deleted"),
        "event.duplicated": pgettext("audit", "Event duplicated"),
        "event.packages_reordered": pgettext("audit", "Packages reordered"),
        "event.announced": pgettext("audit", "Mail to ticket holders"),
        "image.uploaded": pgettext("audit", "Image uploaded"),
        "image.updated": pgettext("audit", "Image updated"),
        "image.deleted": pgettext("audit", "Image deleted"),
        "location.created": pgettext("audit", "Venue created"),
        "location.updated": pgettext("audit", "Venue updated"),
        "location.deleted": pgettext("audit", "Venue deleted"),
        "mail.retried": pgettext("audit", "Mail queued again"),
        "package.created": pgettext("audit", "Package created"),
        "package.updated": pgettext("audit", "Package updated"),
        "package.deleted": pgettext("audit", "Package deleted"),
        "package.capacity_changed": pgettext("audit", "Package capacity changed"),
        "package.sales_closed": pgettext("audit", "Package sales closed"),
        "registration.created": pgettext("audit", "Registration made"),
        "registration.waitlisted": pgettext("audit", "Put on the waiting list"),
        "registration.promoted": pgettext("audit", "Moved up from the waiting list"),
        "registration.cancelled": pgettext("audit", "Registration cancelled"),
        "registration.cancelled_by_admin": pgettext("audit", "Registration cancelled by an administrator"),
        "registration.confirmation_resent": pgettext("audit", "Confirmation sent again"),
        "registration.checked_in": pgettext("audit", "Checked in"),
        "registration.check_in_undone": pgettext("audit", "Check-in undone"),
        "session.revoked": pgettext("audit", "Session ended"),
        "user.signed_up": pgettext("audit", "Signed up"),
        "user.signed_in": pgettext("audit", "Signed in"),
        "user.sign_in_failed": pgettext("audit", "Sign-in failed"),
        "user.locked_out": pgettext("audit", "Locked out (too many attempts)"),
        "user.signed_out_everywhere": pgettext("audit", "Signed out everywhere"),
        "user.email_verified": pgettext("audit", "E-mail address confirmed"),
        "user.email_change_requested": pgettext("audit", "E-mail change requested"),
        "user.email_changed": pgettext("audit", "E-mail address changed"),
        "user.password_changed": pgettext("audit", "Password changed"),
        "user.password_reset": pgettext("audit", "Password reset"),
        "user.profile_updated": pgettext("audit", "Profile updated"),
        "user.locale_changed": pgettext("audit", "Language changed"),
        "user.admin_granted": pgettext("audit", "Made an administrator"),
        "user.admin_revoked": pgettext("audit", "Administrator role revoked"),
        "user.admin_setup_link_issued": pgettext("audit", "Administrator set-up link issued"),
        "user.created_by_cli": pgettext("audit", "Account created from the command line"),
        "user.created_for_registration": pgettext("audit", "Account created for a registration"),
        "user.disabled": pgettext("audit", "Account disabled"),
        "user.enabled": pgettext("audit", "Account enabled"),
        "user.deleted": pgettext("audit", "Account deleted"),
        "user.calendar_feed_created": pgettext("audit", "Calendar address made"),
        "user.calendar_feed_replaced": pgettext("audit", "Calendar address replaced"),
        "user.calendar_feed_revoked": pgettext("audit", "Calendar address turned off"),
    }


def action_label(action: str, labels: dict[str, str] | None = None) -> str:
    """The words for ``action``; an action without words here shows as its code."""
    return (labels if labels is not None else action_labels()).get(action, action)


def object_label(object_type: str) -> str:
    return _(OBJECT_LABELS[object_type]) if object_type in OBJECT_LABELS else object_type


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
    action_label: str = ""
    object_type: str = ""
    object_label: str = ""
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


def _kind(actor_kind: str) -> str:
    return _(ACTOR_KINDS[actor_kind]) if actor_kind in ACTOR_KINDS else actor_kind


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
    action_options: list[Option] = []  # the actions in use, with their words
    rows: list[AuditRowView] = []
    error: str = ""

    def _forget(self) -> None:
        self.rows, self.actions, self.action_options = [], [], []
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
        labels = action_labels()
        self.rows = [
            AuditRowView(
                id=e.id,
                at=e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                actor=e.actor_label or (e.actor_id[:8] if e.actor_id else _kind(e.actor_kind)),
                actor_kind=_kind(e.actor_kind),
                action=e.action,
                action_label=action_label(e.action, labels),
                object_type=e.object_type,
                object_label=object_label(e.object_type),
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
        labels = action_labels()
        self.action_options = sorted(
            (Option(a, action_label(a, labels)) for a in self.actions), key=lambda o: o.label.casefold()
        )
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
