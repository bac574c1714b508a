"""The admin overview's figures about registrations: registrations per day, how full the upcoming events are
(waiting lists included), and revenue per currency. Read-only; administrators only (the caller checks).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from khala.db import session_scope, utcnow
from khala.events.models import Event, EventStatus, Package
from khala.lib import dates
from khala.registrations.models import Registration, RegistrationStatus

MAX_DAYS = 366


@dataclass(frozen=True)
class DayCount:
    day: date  # in the time zone asked for
    registrations: int  # made that day (whatever became of them)
    seats: int
    cancelled: int  # of those, cancelled since


def _utc_hour(session: Session) -> sa.ColumnElement[str]:
    """The registration's creation time cut to the hour, in UTC, as text ("2026-12-01 18")."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", col(Registration.created_at)), "YYYY-MM-DD HH24")
    return sa.func.strftime("%Y-%m-%d %H", col(Registration.created_at))


def registrations_per_day(
    days: int = 30, *, timezone: str | None = None, now: datetime | None = None
) -> list[DayCount]:
    """One entry per day for the last ``days`` days (today last, zero-filled), days as in ``timezone``
    (default: settings.default_timezone). Counted in SQL per UTC hour, so at most 24 rows a day are read;
    in a zone whose offset is not whole hours a registration near midnight may count for the day before."""
    days = max(1, min(int(days), MAX_DAYS))
    zone = dates.zone(timezone or dates.default_timezone())
    now = now or utcnow()
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    with session_scope() as s:
        hour = _utc_hour(s)
        cancelled = sa.case((col(Registration.status) == RegistrationStatus.cancelled.value, 1), else_=0)
        rows = s.exec(
            select(
                hour,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(Registration.quantity), 0),
                sa.func.coalesce(sa.func.sum(cancelled), 0),
            )
            .where(col(Registration.created_at) >= since)
            .group_by(hour)
        ).all()
    counts: dict[date, list[int]] = {first + timedelta(days=i): [0, 0, 0] for i in range(days)}
    for text, n, seats, gone in rows:
        at = datetime.strptime(str(text), "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone).date()
        if at in counts:
            bucket = counts[at]
            bucket[0] += int(n)
            bucket[1] += int(seats)
            bucket[2] += int(gone)
    return [DayCount(day, *values) for day, values in counts.items()]


@dataclass(frozen=True)
class EventFill:
    id: str
    title: str
    starts_at: datetime
    timezone: str
    taken: int
    capacity: int | None  # None: at least one package is unlimited (or there are none)
    waitlisted: int  # registrations on its waiting lists
    waitlisted_seats: int


def upcoming_fill(limit: int = 8, *, now: datetime | None = None) -> list[EventFill]:
    """The next ``limit`` published events that have not started, soonest first: seats taken against
    capacity and the waiting list."""
    now = now or utcnow()
    with session_scope() as s:
        upcoming = s.exec(
            select(Event)
            .where(col(Event.status) == EventStatus.published.value, col(Event.starts_at) > now)
            .order_by(col(Event.starts_at), col(Event.id))
            .limit(max(1, min(int(limit), 100)))
        ).all()
        ids: list[uuid.UUID] = [e.id for e in upcoming]
        waiting = {
            event_id: (int(n), int(seats))
            for event_id, n, seats in s.exec(
                select(
                    Registration.event_id,
                    sa.func.count(),
                    sa.func.coalesce(sa.func.sum(Registration.quantity), 0),
                )
                .where(
                    col(Registration.event_id).in_(ids),
                    col(Registration.status) == RegistrationStatus.waitlisted.value,
                )
                .group_by(Registration.event_id)
            ).all()
        }
    return [
        EventFill(
            id=str(e.id),
            title=e.title,
            starts_at=e.starts_at,
            timezone=e.timezone,
            taken=e.seats_taken,
            capacity=e.seats_capacity,
            waitlisted=waiting.get(e.id, (0, 0))[0],
            waitlisted_seats=waiting.get(e.id, (0, 0))[1],
        )
        for e in upcoming
    ]


def revenue_by_currency() -> dict[str, int]:
    """Confirmed seats times their package's price, in minor units per currency (currencies with none are
    left out), by currency code. Registrations keep no price of their own, so this is at today's prices."""
    with session_scope() as s:
        rows = s.exec(
            select(Package.currency, sa.func.sum(Registration.quantity * Package.price_minor))
            .join(Package, col(Package.id) == col(Registration.package_id))
            .where(col(Registration.status) == RegistrationStatus.confirmed.value)
            .group_by(Package.currency)
            .order_by(Package.currency)
        ).all()
    return {str(currency): int(total) for currency, total in rows if total}
