"""System (/admin/system): this process's health report (``khala.ops.health.check``), as ``/readyz`` gives it
with the metrics token: each check with its detail and time, and the process facts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import reflex as rx

from khala.admin.state.base import AdminState, admin_only, utc
from khala.lib.i18n import gettext as _
from khala.lib.i18n import pgettext
from khala.ops import health


def _check_name(name: str) -> str:
    names = {
        "database": _("Database"),
        "migrations": _("Migrations"),
        "redis": "Redis",
        "images": pgettext("health check", "Images"),
        "frontend": pgettext("health check", "Frontend"),
    }
    return names.get(name, name.capitalize())


def _fact_name(name: str) -> str:
    names = {
        "environment": _("Environment"),
        "workers": _("Workers"),
        "pid": _("Pid"),
        "started_at": _("Started at"),
        "uptime_seconds": _("Uptime seconds"),
    }
    return names.get(name, name.replace("_", " ").capitalize())


@dataclass
class CheckView:
    name: str = ""
    ok: bool = False
    detail: str = ""
    ms: str = ""


@dataclass
class FactView:
    name: str = ""
    value: str = ""


class AdminSystemState(AdminState):
    healthy: bool = False
    checks: list[CheckView] = []
    facts: list[FactView] = []
    checked_at: str = ""

    def _forget(self) -> None:
        self.checks, self.facts, self.checked_at = [], [], ""

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        report = await asyncio.to_thread(health.check, include_frontend=True)
        self.healthy = report.ok
        self.checks = [
            CheckView(_check_name(c.name), c.ok, c.detail, f"{c.seconds * 1000:.1f} ms")
            for c in report.checks
        ]
        self.facts = [FactView(_fact_name(k), str(v)) for k, v in report.info.items()]
        self.checked_at = utc(datetime.now(UTC))
        return None
