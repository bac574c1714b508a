"""System (/admin/system): this process's health report (``khala.ops.health.check``), as ``/readyz`` gives it
with the metrics token: each check with its detail and time, and the process facts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import reflex as rx

from khala.admin.state.base import AdminState, admin_only, utc
from khala.ops import health


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
            CheckView(c.name.capitalize(), c.ok, c.detail, f"{c.seconds * 1000:.1f} ms")
            for c in report.checks
        ]
        self.facts = [FactView(k.replace("_", " ").capitalize(), str(v)) for k, v in report.info.items()]
        self.checked_at = utc(datetime.now(UTC))
        return None
