"""The check-in screen as an administrator drives it (handlers, both databases): the event's door, each
answer a code can get, undo, the counts, and the door hub that pushes new counts to every open screen."""

from __future__ import annotations

import asyncio

import pytest

from khala.admin.state.checkin import ROUTE_ARG, AdminCheckinState, DoorHub
from khala.audit.service import Actor
from khala.events import catalogue
from khala.registrations import roster
from khala.registrations import service as registrations
from tests.handlers import run, state_tree, substate


@pytest.fixture
def door(make_event, make_user, person):
    event = make_event("Gala", packages=[{"title": "Standard", "capacity": 5}])
    other = make_event("Other")
    package = catalogue.get_event(event.id).packages[0].id
    ada, bea = make_user(display_name="Ada Lovelace"), make_user(display_name="Bea")
    regs = {
        "ada": registrations.register(ada.id, package, 2, actor=Actor.user(ada)),
        "bea": registrations.register(bea.id, package, actor=Actor.user(bea)),
        "other": registrations.register(
            ada.id, catalogue.get_event(other.id).packages[0].id, actor=Actor.user(ada)
        ),
    }
    admin, token = person(admin=True)
    return event, regs, admin, token


def _screen(token: str, event_id: str) -> AdminCheckinState:
    root = state_tree(token, path=f"/admin/checkin/[{ROUTE_ARG}]", query={ROUTE_ARG: str(event_id)})
    state = substate(root, AdminCheckinState)
    run(state.load())
    return state


def test_the_door_answers_every_code(door) -> None:
    event, regs, admin, token = door
    s = _screen(token, event.id)
    assert s.event_title == "Gala" and (s.seats, s.seats_in, s.tickets) == (3, 0, 2)

    run(s.check_in({"code": regs["ada"].ticket_code.lower()}))
    assert (s.result.kind, s.result.headline, s.result.name, s.result.quantity) == (
        "ok",
        "Checked in",
        "Ada Lovelace",
        2,
    )
    assert (s.seats_in, s.tickets_in, s.percent_in) == (2, 1, 67)
    assert [a.name for a in s.arrivals] == ["Ada Lovelace"]

    run(s.scanned(regs["ada"].ticket_code))  # the camera reads it again
    assert s.result.kind == "refused" and s.result.headline == "Already checked in"
    assert admin.email in s.result.detail and s.result.can_undo

    run(s.check_in({"code": "NOPE-NOPE-1"}))
    assert (s.result.kind, s.result.headline) == ("refused", "Unknown ticket")
    run(s.check_in({"code": regs["other"].ticket_code}))
    assert s.result.headline == "Another event" and "Other" in s.result.detail
    assert s.result.name == "Ada Lovelace"

    registrations.cancel(regs["bea"].id, actor=Actor.user(admin))
    run(s.check_in({"code": regs["bea"].ticket_code}))
    assert s.result.headline == "Cancelled"

    run(s.check_in({"code": regs["ada"].ticket_code}))
    run(s.undo(s.result.registration_id))
    assert s.result.kind == "undone" and s.seats_in == 0
    assert roster.door_ticket(regs["ada"].ticket_code).checked_in_at is None


def test_the_index_lists_events_and_an_unknown_event_says_so(door) -> None:
    _, _, _, token = door
    root = state_tree(token, path="/admin/checkin")
    s = substate(root, AdminCheckinState)
    run(s.load())
    assert {o.label.split(" — ")[0] for o in s.event_options} == {"Gala", "Other"}
    s = _screen(token, "00000000-0000-0000-0000-000000000000")
    assert s.event_id == "" and s.error


def test_the_hub_pushes_new_counts_to_every_door_of_the_event(door) -> None:
    event, regs, admin, _ = door
    eid = str(event.id)
    hub = DoorHub()
    delivered: list[tuple[str, int]] = []

    async def deliver(token, counts, arrivals):
        delivered.append((token, counts.seats_in))

    hub.deliver = deliver

    async def rounds():
        hub.watch("door-a", eid)
        hub.watch("door-b", eid)
        await hub.poll_once()
        await hub.fan_out()  # both screens get the first counts
        await hub.poll_once()
        assert await hub.fan_out() == 0  # nothing moved: nothing sent
        registrations.check_in(regs["ada"].ticket_code, actor=Actor.user(admin), event_id=event.id)
        moved = await hub.poll_once()
        assert moved == {eid}
        await hub.fan_out()
        hub.forget("door-b")
        registrations.check_in(regs["bea"].ticket_code, actor=Actor.user(admin), event_id=event.id)
        await hub.poll_once()
        await hub.fan_out()
        if hub._task is not None:
            hub._task.cancel()

    asyncio.run(rounds())
    assert delivered == [("door-a", 0), ("door-b", 0), ("door-a", 2), ("door-b", 2), ("door-a", 3)]
