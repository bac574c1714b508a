"""The overview section (/admin): catalogue and registration figures, registrations per day (a chart), how
full the upcoming events are, revenue per currency, the health of the mail queue and the latest audit
entries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, StatTile, admin_only, utc
from khala.audit import service as audit
from khala.events import reports
from khala.lib import dates, money
from khala.mail import reports as mail_reports
from khala.registrations import queries as registrations
from khala.registrations import stats

CHART_DAYS = 30
UPCOMING = 8
AUDIT_ROWS = 8
MAIL_DELAYED = timedelta(minutes=10)  # a queued mail older than this means the worker is behind


@dataclass
class FillRow:
    id: str = ""
    title: str = ""
    when: str = ""
    seats: str = ""  # "12 / 50" or "12 taken (unlimited)"
    percent: int = 0  # of the capacity taken (0 when unlimited)
    tone: str = "open"  # open | few | soldout
    waiting: str = ""  # "3 on the waiting list (5 seats)" or ""


@dataclass
class AuditRow:
    at: str = ""
    actor: str = ""
    action: str = ""
    target: str = ""
    changes: str = ""


@dataclass
class MailHealth:
    tone: str = "open"  # open | few | soldout
    verdict: str = ""
    detail: str = ""


def _fill_row(f: stats.EventFill) -> FillRow:
    if f.capacity:
        percent = min(100, round(100 * f.taken / f.capacity))
        seats = f"{f.taken} / {f.capacity}"
    else:
        percent, seats = 0, f"{f.taken} taken (unlimited)" if f.capacity is None else "no seats"
    tone = "soldout" if percent >= 100 else "few" if percent >= 80 else "open"
    waiting = ""
    if f.waitlisted:
        waiting = f"{f.waitlisted} on the waiting list ({f.waitlisted_seats} seats)"
    return FillRow(
        f.id, f.title, dates.format_date_short(f.starts_at, f.timezone), seats, percent, tone, waiting
    )


def _audit_row(e: audit.AuditRow) -> AuditRow:
    changed = ", ".join(sorted(e.changes))
    return AuditRow(
        at=utc(e.at),
        actor=e.actor_label or e.actor_kind,
        action=e.action,
        target=f"{e.object_type} {e.object_id[:8]}" if e.object_id else e.object_type,
        changes=changed[:120],
    )


def _mail_health(counts: dict[str, int], oldest_queued: datetime | None, now: datetime) -> MailHealth:
    waiting = counts.get("queued", 0) + counts.get("sending", 0)
    failed = counts.get("failed", 0)
    if failed:
        return MailHealth(
            "soldout",
            f"{failed} failed",
            "Failed mail is not retried any more: look at the outbox and retry or fix the address.",
        )
    if oldest_queued is not None and now - oldest_queued > MAIL_DELAYED:
        minutes = int((now - oldest_queued).total_seconds() // 60)
        return MailHealth(
            "few", "Delayed", f"{waiting} waiting; the oldest for {minutes} minutes. Is the mail worker up?"
        )
    return MailHealth("open", "Healthy", f"{waiting} waiting to be sent." if waiting else "Nothing waiting.")


def _oldest_queued() -> datetime | None:
    first = mail_reports.list_outbox(status="queued", per_page=1)
    if not first.total:
        return None
    last_page = mail_reports.list_outbox(status="queued", page=first.total, per_page=1)
    return last_page.items[0].created_at if last_page.items else None


class AdminOverviewState(AdminState):
    tiles: list[StatTile] = []
    mail_tiles: list[StatTile] = []
    chart: list[dict[str, Any]] = []  # {"day": "1 Dec", "registrations": n, "seats": n, "cancelled": n}
    chart_total: int = 0
    fill: list[FillRow] = []
    revenue: list[StatTile] = []
    mail_health: MailHealth = MailHealth()
    latest: list[AuditRow] = []

    def _forget(self) -> None:
        self.tiles, self.mail_tiles, self.chart, self.chart_total = [], [], [], 0
        self.fill, self.revenue, self.latest = [], [], []
        self.mail_health = MailHealth()

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        now = datetime.now(UTC)
        catalogue, regs, outbox, per_day, fill, revenue, oldest, latest = await asyncio.gather(
            asyncio.to_thread(reports.catalogue_stats),
            asyncio.to_thread(registrations.registration_stats),
            asyncio.to_thread(mail_reports.outbox_stats),
            asyncio.to_thread(stats.registrations_per_day, CHART_DAYS, now=now),
            asyncio.to_thread(stats.upcoming_fill, UPCOMING, now=now),
            asyncio.to_thread(stats.revenue_by_currency),
            asyncio.to_thread(_oldest_queued),
            asyncio.to_thread(audit.list_entries, page_size=AUDIT_ROWS),
        )
        capacity = f"of {catalogue.seats_capacity} limited seats"
        if catalogue.unlimited_packages:
            capacity += f" (+{catalogue.unlimited_packages} unlimited package(s))"
        self.tiles = [
            StatTile("Published events", str(catalogue.published), f"{catalogue.upcoming} upcoming"),
            StatTile("Drafts", str(catalogue.draft), f"{catalogue.cancelled} cancelled"),
            StatTile("Seats sold", str(catalogue.seats_taken), capacity + ", events not yet ended"),
            StatTile("Confirmed registrations", str(regs.confirmed), f"{regs.seats_confirmed} seats"),
            StatTile("On waiting lists", str(regs.waitlisted), f"{regs.seats_waitlisted} seats wanted"),
            StatTile("Cancelled registrations", str(regs.cancelled), ""),
        ]
        self.mail_tiles = [StatTile(status.capitalize(), str(n), "") for status, n in outbox.items()]
        self.chart = [
            {
                "day": f"{d.day.day} {d.day:%b}",
                "registrations": d.registrations,
                "seats": d.seats,
                "cancelled": d.cancelled,
            }
            for d in per_day
        ]
        self.chart_total = sum(d.registrations for d in per_day)
        self.fill = [_fill_row(f) for f in fill]
        self.revenue = [
            StatTile(code, money.format_price(minor, code), "confirmed seats at today's prices")
            for code, minor in revenue.items()
        ]
        self.mail_health = _mail_health(outbox, oldest, now)
        self.latest = [_audit_row(e) for e in latest.items]
        return None
