"""L12: register/cancel loops are rate limited per user (each one mails a confirmation with QR and .ics).

Before: a script could register and cancel in a loop, growing the outbox and spending the SMTP quota.
"""

from __future__ import annotations

from sqlmodel import col, select

from khala.accounts import throttle
from khala.db import session_scope
from khala.events.models import Package
from khala.registrations.state import RegistrationState, TicketsState
from tests.handlers import run, state_tree, substate


def test_register_and_cancel_loops_are_limited_per_user(db, person, make_event) -> None:
    _user, cookie = person()
    event = make_event(packages=[{"title": "A", "capacity": 50}])
    with session_scope() as s:
        package_id = str(
            s.exec(
                select(Package.id).where(Package.event_id == event.id).order_by(col(Package.position))
            ).first()
        )
    limit = throttle.registration_changes_by_user.items[0].amount
    outcomes = []
    for _ in range(limit):  # register, cancel, register, … until the hour's budget is used up
        reg = substate(state_tree(cookie, path=f"/events/{event.slug}"), RegistrationState)
        reg.package_id, reg.phase = package_id, "choose"
        run(RegistrationState.confirm.fn(reg))  # a background event: its function, run to its end
        outcomes.append(reg.phase)
        if reg.phase != "done":
            break
        tickets = substate(state_tree(cookie, path="/tickets"), TicketsState)
        run(tickets.load())
        if not tickets.upcoming:
            break
        tickets.confirm_id = tickets.upcoming[0].id
        run(tickets.cancel())
        outcomes.append("cancelled" if not tickets.error else tickets.error)
    # The budget covers both kinds of change; the next registration is refused with the wait.
    reg = substate(state_tree(cookie, path=f"/events/{event.slug}"), RegistrationState)
    reg.package_id, reg.phase = package_id, "choose"
    run(RegistrationState.confirm.fn(reg))
    assert reg.phase == "error" and "many times" in reg.message, (outcomes, reg.message)
