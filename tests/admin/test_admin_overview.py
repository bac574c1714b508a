"""The overview's figures: registrations per day for the last 30 days (zero-filled, local days), how full
the upcoming events are with their waiting lists, revenue per currency, mail queue health and the latest
audit entries, and the overview state that shows them (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from khala.admin.state import AdminOverviewState
from khala.admin.state.overview import _mail_health
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope, utcnow
from khala.events import catalogue
from khala.events import service as events
from khala.events.models import EventStatus
from khala.lib import money
from khala.mail.models import OutboxMessage
from khala.registrations import service as registrations
from khala.registrations import stats
from khala.registrations.models import Registration
from tests.handlers import run, state_tree, substate


def _backdate(registration_id, when: datetime) -> None:
    with session_scope(write=True) as s:
        s.execute(
            sa.update(Registration)
            .where(Registration.id == uuid.UUID(str(registration_id)))
            .values(created_at=when)
        )


def _published(make_event, title: str, packages: list[dict], **kw):
    event = make_event(title, packages=packages, status=EventStatus.draft, **kw)
    events.set_status(event.id, "published", actor=SYSTEM)
    return event, [p.id for p in catalogue.get_event(event.id).packages]


def test_registrations_per_day_counts_local_days_and_fills_the_gaps(make_event, make_user) -> None:
    _, [package] = _published(
        make_event, "Gala", [{"title": "Std", "capacity": 100, "max_per_registration": 4}]
    )
    now = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
    made = []
    for quantity in (1, 2, 3, 1):
        user = make_user()
        made.append(registrations.register(user.id, package, quantity=quantity, actor=Actor.user(user)))
    _backdate(made[0].id, datetime(2030, 6, 15, 9, 0, tzinfo=UTC))  # today
    _backdate(made[1].id, datetime(2030, 6, 14, 22, 30, tzinfo=UTC))  # 00:30 on the 15th in Stockholm
    _backdate(made[2].id, datetime(2030, 6, 13, 8, 0, tzinfo=UTC))
    _backdate(made[3].id, datetime(2030, 5, 1, 8, 0, tzinfo=UTC))  # outside the 30 days
    registrations.cancel(made[2].id, actor=SYSTEM)
    days = stats.registrations_per_day(30, timezone="Europe/Stockholm", now=now)
    assert len(days) == 30 and days[-1].day == date(2030, 6, 15) and days[0].day == date(2030, 5, 17)
    by_day = {d.day: (d.registrations, d.seats, d.cancelled) for d in days}
    assert by_day[date(2030, 6, 15)] == (2, 3, 0)
    assert by_day[date(2030, 6, 13)] == (1, 3, 1)
    assert sum(d.registrations for d in days) == 3
    utc_days = {d.day: d.registrations for d in stats.registrations_per_day(30, timezone="UTC", now=now)}
    assert utc_days[date(2030, 6, 14)] == 1 and utc_days[date(2030, 6, 15)] == 1


def test_upcoming_fill_and_revenue(make_event, make_user) -> None:
    _, [std, vip] = _published(
        make_event,
        "Soon",
        [
            {"title": "Std", "capacity": 2, "price_minor": 25000},
            {"title": "VIP", "capacity": 1, "price_minor": 99900},
        ],
        starts_in=timedelta(days=2),
    )
    _, [euro] = _published(
        make_event,
        "Later",
        [{"title": "Euro", "price_minor": 1250, "currency": "EUR"}],
        starts_in=timedelta(days=9),
    )
    make_event("Past", starts_in=timedelta(days=-3))
    make_event("Draft", status=EventStatus.draft)
    people = [make_user() for _ in range(5)]
    registrations.register(people[0].id, std, quantity=2, actor=Actor.user(people[0]))
    registrations.register(people[1].id, vip, actor=Actor.user(people[1]))
    registrations.register(people[2].id, std, quantity=2, actor=Actor.user(people[2]), waitlist=True)
    gone = registrations.register(people[3].id, euro, quantity=3, actor=Actor.user(people[3]))
    registrations.register(people[4].id, euro, quantity=2, actor=Actor.user(people[4]))
    registrations.cancel(gone.id, actor=SYSTEM)
    fill = stats.upcoming_fill()
    assert [f.title for f in fill] == ["Soon", "Later"]
    assert (fill[0].taken, fill[0].capacity, fill[0].waitlisted, fill[0].waitlisted_seats) == (3, 3, 1, 2)
    assert (fill[1].taken, fill[1].capacity, fill[1].waitlisted) == (2, None, 0)
    assert stats.revenue_by_currency() == {"EUR": 2500, "SEK": 149900}


def test_mail_health_says_what_is_wrong() -> None:
    now = utcnow()
    assert _mail_health({"queued": 0, "failed": 0}, None, now).verdict == "Healthy"
    late = _mail_health({"queued": 3, "sending": 1, "failed": 0}, now - timedelta(minutes=25), now)
    assert (late.tone, late.verdict) == ("few", "Delayed") and "oldest for 25 minutes" in late.detail
    assert _mail_health({"queued": 0, "failed": 2}, None, now).verdict == "2 failed"


def test_the_overview_state(person, make_event, make_user) -> None:
    _, token = person(admin=True)
    _, [package] = _published(make_event, "Gala", [{"title": "Std", "capacity": 4, "price_minor": 10000}])
    user = make_user()
    registrations.register(user.id, package, quantity=3, actor=Actor.user(user))
    with session_scope(write=True) as s:
        s.add(
            OutboxMessage(
                message_id="<overview@test>",
                recipient="someone@example.com",
                subject="Hello",
                template="verify_email",
                html_body="",
                text_body="",
                status="queued",
                created_at=utcnow() - timedelta(hours=1),
            )
        )
    state = substate(state_tree(token, path="/admin", ip="10.7.0.1"), AdminOverviewState)
    run(state.load())
    assert len(state.chart) == 30 and state.chart[-1]["registrations"] == 1 and state.chart_total == 1
    assert state.chart[-1]["seats"] == 3
    [row] = state.fill
    assert (row.title, row.seats, row.percent, row.tone, row.waiting) == ("Gala", "3 / 4", 75, "open", "")
    assert [(t.label, t.value) for t in state.revenue] == [("SEK", money.format_price(30000, "SEK"))]
    assert state.mail_health.verdict == "Delayed"
    assert state.latest and state.latest[0].action == "registration.created"
    assert state.latest[0].action_label == "Registration made" and state.latest[0].target.startswith(
        "Registration "
    )
    assert {t.label for t in state.tiles} >= {"Published events", "Seats sold"}
