"""Check-in at the door, on both databases: every refusal (unknown code, another event, cancelled, waiting
list, cancelled event, repeated), undoing a check-in, what a code names (who let it in, when), and the live
counts every door screen shows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from khala.audit.models import AuditEntry
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events import catalogue
from khala.events import service as events
from khala.registrations import roster
from khala.registrations import service as registrations


@pytest.fixture
def door(make_event, make_user):
    event = make_event(
        "Gala", packages=[{"title": "Standard", "capacity": 2}, {"title": "VIP", "capacity": 2}]
    )
    other = make_event("Other")
    standard, vip = (p.id for p in catalogue.get_event(event.id).packages)
    a, b, c, d = (make_user(display_name=n) for n in ("Ada", "Bea", "Cid", "Dag"))
    admin = make_user(email="door@example.com", is_admin=True)
    regs = {
        "ada": registrations.register(a.id, standard, 2, actor=Actor.user(a)),
        "bea": registrations.register(b.id, vip, actor=Actor.user(b)),
        "cid": registrations.register(c.id, vip, actor=Actor.user(c)),
        "dag": registrations.register(d.id, standard, actor=Actor.user(d), waitlist=True),
        "elsewhere": registrations.register(
            a.id, catalogue.get_event(other.id).packages[0].id, actor=Actor.user(a)
        ),
    }
    registrations.cancel(regs["cid"].id, actor=Actor.user(c))
    return event, other, Actor.user(admin), regs


def test_each_refusal_says_why(door) -> None:
    event, other, at_the_door, regs = door
    with pytest.raises(NotFound, match="No ticket has that code"):
        registrations.check_in("ZZZZZZZZZZ", actor=at_the_door, event_id=event.id)
    with pytest.raises(InvalidInput):
        registrations.check_in("  ", actor=at_the_door, event_id=event.id)
    with pytest.raises(Conflict, match="another event"):
        registrations.check_in(regs["elsewhere"].ticket_code, actor=at_the_door, event_id=event.id)
    with pytest.raises(Conflict, match="cancelled"):
        registrations.check_in(regs["cid"].ticket_code, actor=at_the_door, event_id=event.id)
    with pytest.raises(Conflict, match="waiting list"):
        registrations.check_in(regs["dag"].ticket_code, actor=at_the_door, event_id=event.id)
    # read as printed or spoken: lower case, spaces, dashes
    code = regs["ada"].ticket_code
    done = registrations.check_in(f"{code[:5].lower()}-{code[5:]}", actor=at_the_door, event_id=event.id)
    assert done.registration.id == regs["ada"].id
    with pytest.raises(Conflict, match="already checked in"):
        registrations.check_in(code, actor=at_the_door, event_id=event.id)
    events.set_status(other.id, "cancelled", actor=SYSTEM)
    with pytest.raises(Conflict, match="cancelled"):
        registrations.check_in(regs["elsewhere"].ticket_code, actor=at_the_door, event_id=other.id)


def test_what_a_code_names_and_who_let_it_in(door) -> None:
    event, _, at_the_door, regs = door
    assert roster.door_ticket("nothing-like-it") is None
    assert roster.door_ticket("") is None
    before = roster.door_ticket(regs["ada"].ticket_code.lower())
    assert (before.holder_name, before.package_title, before.quantity, before.checked_in_at) == (
        "Ada",
        "Standard",
        2,
        None,
    )
    assert before.event_id == str(event.id) and before.checked_in_by == ""
    registrations.check_in(regs["ada"].ticket_code, actor=at_the_door, event_id=event.id)
    after = roster.door_ticket(regs["ada"].ticket_code)
    assert after.checked_in_at is not None and after.checked_in_by == "door@example.com"
    assert roster.door_ticket(regs["cid"].ticket_code).status == "cancelled"


def test_undo_lets_the_ticket_in_again_and_is_audited(door) -> None:
    event, _, at_the_door, regs = door
    code = regs["bea"].ticket_code
    registrations.check_in(code, actor=at_the_door, event_id=event.id)
    registrations.undo_check_in(regs["bea"].id, actor=at_the_door)
    assert roster.door_ticket(code).checked_in_at is None
    with pytest.raises(Conflict, match="not checked in"):
        registrations.undo_check_in(regs["bea"].id, actor=at_the_door)
    with pytest.raises(NotFound):
        registrations.undo_check_in("00000000-0000-0000-0000-000000000000", actor=at_the_door)
    registrations.check_in(code, actor=at_the_door, event_id=event.id)  # admits again
    with session_scope() as s:
        trail = [
            e.action
            for e in s.exec(
                select(AuditEntry).where(AuditEntry.object_id == regs["bea"].id).order_by(AuditEntry.at)
            ).all()
        ]
    assert trail[-3:] == [
        "registration.checked_in",
        "registration.check_in_undone",
        "registration.checked_in",
    ]


def test_live_counts_per_event_and_package(door) -> None:
    event, other, at_the_door, regs = door
    counts = roster.door_counts([str(event.id), str(other.id)])
    gala = counts[str(event.id)]
    assert (gala.tickets, gala.seats, gala.tickets_in, gala.seats_in) == (2, 3, 0, 0)
    assert [(p.title, p.seats, p.seats_in) for p in gala.packages] == [("Standard", 2, 0), ("VIP", 1, 0)]
    version = gala.version
    registrations.check_in(regs["ada"].ticket_code, actor=at_the_door, event_id=event.id)
    gala = roster.door_counts([str(event.id)])[str(event.id)]
    assert (gala.tickets_in, gala.seats_in) == (1, 2) and gala.version != version
    assert gala.packages[0].seats_in == 2
    arrivals = roster.recent_arrivals(event.id)
    assert [(a.holder_name, a.quantity) for a in arrivals] == [("Ada", 2)]
    registrations.undo_check_in(regs["ada"].id, actor=at_the_door)
    assert roster.door_counts([str(event.id)])[str(event.id)].seats_in == 0
    assert roster.door_counts([]) == {}
    empty = roster.door_counts([str(other.id)])[str(other.id)]
    assert (empty.tickets, empty.seats_in) == (1, 0)
