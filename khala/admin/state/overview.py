"""The overview section (/admin): catalogue and registration figures, registrations per day (a chart), how
full the upcoming events are, revenue per currency, the health of the mail queue and the latest audit
entries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx
from babel import dates as babel_dates

from khala.admin.state.audit import action_label, action_labels, object_label
from khala.admin.state.base import AdminState, StatTile, admin_only, utc
from khala.admin.state.mail import status_label as mail_status_label
from khala.audit import service as audit
from khala.events import reports
from khala.lib import dates, i18n, money
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext
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
    action_label: str = ""  # the action in words (the audit section's labels), the code shown beneath
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
        percent = 0
        seats = _("%(taken)d taken (unlimited)") % {"taken": f.taken} if f.capacity is None else _("no seats")
    tone = "soldout" if percent >= 100 else "few" if percent >= 80 else "open"
    waiting = ""
    if f.waitlisted:
        waiting = ngettext(
            "%(num)d on the waiting list (%(seats)d seats)",
            "%(num)d on the waiting list (%(seats)d seats)",
            f.waitlisted,
        ) % {"num": f.waitlisted, "seats": f.waitlisted_seats}
    return FillRow(
        f.id, f.title, dates.format_date_short(f.starts_at, f.timezone), seats, percent, tone, waiting
    )


def _audit_row(e: audit.AuditRow, labels: dict[str, str]) -> AuditRow:
    changed = ", ".join(sorted(e.changes))
    kind = object_label(e.object_type)
    return AuditRow(
        at=utc(e.at),
        actor=e.actor_label or e.actor_kind,
        action=e.action,
        action_label=action_label(e.action, labels),
        target=f"{kind} {e.object_id[:8]}" if e.object_id else kind,
        changes=changed[:120],
    )


def _mail_health(counts: dict[str, int], oldest_queued: datetime | None, now: datetime) -> MailHealth:
    waiting = counts.get("queued", 0) + counts.get("sending", 0)
    failed = counts.get("failed", 0)
    if failed:
        return MailHealth(
            "soldout",
            _("%(num)d failed") % {"num": failed},
            _("Failed mail is not retried any more: look at the outbox and retry or fix the address."),
        )
    if oldest_queued is not None and now - oldest_queued > MAIL_DELAYED:
        minutes = int((now - oldest_queued).total_seconds() // 60)
        detail = ngettext(
            "%(num)d waiting; the oldest for %(minutes)d minutes. Is the mail worker up?",
            "%(num)d waiting; the oldest for %(minutes)d minutes. Is the mail worker up?",
            waiting,
        ) % {"num": waiting, "minutes": minutes}
        return MailHealth("few", _("Delayed"), detail)
    if not waiting:
        return MailHealth("open", _("Healthy"), _("Nothing waiting."))
    return MailHealth("open", _("Healthy"), _("%(num)d waiting to be sent.") % {"num": waiting})


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
        capacity = _("of %(num)d limited seats") % {"num": catalogue.seats_capacity}
        if catalogue.unlimited_packages:
            n = catalogue.unlimited_packages
            capacity += " " + ngettext("(+%(num)d unlimited package)", "(+%(num)d unlimited packages)", n) % {
                "num": n
            }
        self.tiles = [
            StatTile(
                _("Published events"),
                str(catalogue.published),
                _("%(num)d upcoming") % {"num": catalogue.upcoming},
            ),
            StatTile(
                _("Drafts"), str(catalogue.draft), _("%(num)d cancelled") % {"num": catalogue.cancelled}
            ),
            StatTile(
                _("Seats sold"),
                str(catalogue.seats_taken),
                _("%(capacity)s, events not yet ended") % {"capacity": capacity},
            ),
            StatTile(
                _("Confirmed registrations"),
                str(regs.confirmed),
                ngettext("%(num)d seat", "%(num)d seats", regs.seats_confirmed)
                % {"num": regs.seats_confirmed},
            ),
            StatTile(
                _("On waiting lists"),
                str(regs.waitlisted),
                ngettext("%(num)d seat wanted", "%(num)d seats wanted", regs.seats_waitlisted)
                % {"num": regs.seats_waitlisted},
            ),
            StatTile(_("Cancelled registrations"), str(regs.cancelled), ""),
        ]
        self.mail_tiles = [StatTile(mail_status_label(status), str(n), "") for status, n in outbox.items()]
        locale = i18n.babel_locale()
        self.chart = [
            {
                "day": babel_dates.format_date(d.day, "d MMM", locale=locale),
                "registrations": d.registrations,
                "seats": d.seats,
                "cancelled": d.cancelled,
            }
            for d in per_day
        ]
        self.chart_total = sum(d.registrations for d in per_day)
        self.fill = [_fill_row(f) for f in fill]
        self.revenue = [
            StatTile(code, money.format_price(minor, code), _("confirmed seats at today's prices"))
            for code, minor in revenue.items()
        ]
        self.mail_health = _mail_health(outbox, oldest, now)
        labels = action_labels()
        self.latest = [_audit_row(e, labels) for e in latest.items]
        return None
