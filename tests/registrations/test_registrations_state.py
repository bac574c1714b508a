"""Registration handlers check the caller themselves: any client can call any handler by name.

Handlers run without a browser: the state tree is built from the root with the websocket's headers (where
the HttpOnly session cookie arrives) set on the router, as Reflex does on connect.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from khala.accounts import passwords, sessions
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.events.models import Package
from khala.registrations import queries as registration_queries
from khala.registrations import service
from khala.registrations.state import RegistrationState, TicketsState
from tests.handlers import run, state_tree, substate

PASSWORD = "correct horse battery staple"


def _tree(cookie: str | None = None, *, path: str = "/events/x", query: dict | None = None):
    return state_tree(cookie, path=path, query=query, ip="10.9.0.1")


_sub = substate


@pytest.fixture
def person(make_user):
    """make a user with a password; verified unless told; returns (user, session token)."""

    def make(verified: bool = True):
        user = make_user(
            password_hash=passwords.hash_password(PASSWORD), email_verified_at=utcnow() if verified else None
        )
        code = sessions.authenticate(user.email, PASSWORD, ip="10.9.0.1")
        token, _ = sessions.complete_login(code, user_agent="pytest", ip="10.9.0.1")
        return user, token

    return make


def _package_id(event) -> str:
    with session_scope() as s:
        return str(
            s.exec(
                select(Package.id).where(Package.event_id == event.id).order_by(col(Package.position))
            ).first()
        )


def test_anonymous_confirm_is_refused_and_takes_nothing(make_event) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5}])
    pid = _package_id(event)
    state = _sub(_tree(), RegistrationState)
    run(state.start(pid))
    assert state.phase == "need_login" and state.dialog_open
    assert "/login?next=" in state.login_href and pid in state.login_href
    # A hostile client skips the dialog and calls confirm directly.
    state.phase = "choose"
    run(state.confirm())
    assert state.phase == "need_login"
    assert registration_queries.package_summary(pid).seats_left == 5


def test_unverified_user_is_asked_to_verify(make_event, person) -> None:
    event = make_event()
    _, token = person(verified=False)
    state = _sub(_tree(token), RegistrationState)
    run(state.start(_package_id(event)))
    assert state.phase == "need_verify"
    state.phase = "choose"
    run(state.confirm())
    assert state.phase == "need_verify"


def test_verified_user_registers_once_even_when_confirm_is_repeated(make_event, person) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5, "max_per_registration": 3}])
    pid = _package_id(event)
    _, token = person()
    state = _sub(_tree(token), RegistrationState)
    run(state.start(pid, "99"))
    assert (state.phase, state.quantity) == ("choose", 3)  # clamped to the package's maximum
    run(state.confirm())
    assert state.phase == "done" and state.ticket_code
    assert state.message.startswith("You're in")
    run(state.confirm())  # a double click: nothing more happens
    assert registration_queries.package_summary(pid).seats_left == 2
    # Opening the dialog again says so instead of selling twice.
    run(state.start(pid))
    assert state.phase == "done" and "already" in state.message


def test_sold_out_offers_the_waiting_list(make_event, person) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 1}])
    pid = _package_id(event)
    first, _ = person()
    service.register(first.id, pid, actor=Actor.user(first))
    _, token = person()
    state = _sub(_tree(token), RegistrationState)
    run(state.start(pid))
    assert state.waitlist and state.phase == "choose"
    run(state.confirm())
    assert state.phase == "done" and "waiting list" in state.message and "number 1" in state.message


def test_resume_after_sign_in_reopens_the_same_package_with_the_quantity(make_event, person) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5, "max_per_registration": 4}])
    pid = _package_id(event)
    _, token = person()
    root = _tree(token, path=f"/events/{event.slug}", query={"register": pid, "qty": "2"})
    state = _sub(root, RegistrationState)
    spec = run(state.resume())
    assert spec is not None
    run(state.start(pid, "2"))
    assert (state.phase, state.quantity, state.package_id) == ("choose", 2, pid)


def test_tickets_cancel_is_only_for_the_owner(make_event, person) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5}])
    pid = _package_id(event)
    owner, owner_token = person()
    reg = service.register(owner.id, pid, actor=Actor.user(owner))
    _, other_token = person()

    anon = _sub(_tree(path="/tickets"), TicketsState)
    assert run(anon.load()) is not None  # redirected to sign in
    assert anon.upcoming == []
    anon.confirm_id = reg.id  # a hostile client sets the id and calls cancel
    run(anon.cancel())
    assert anon.error
    other = _sub(_tree(other_token, path="/tickets"), TicketsState)
    run(other.load())
    assert other.upcoming == []
    other.confirm_id = reg.id
    run(other.cancel())
    assert "could not find" in other.error.lower()
    assert registration_queries.get_registration(reg.id, viewer=Actor.user(owner.id)).status == "confirmed"

    mine = _sub(_tree(owner_token, path="/tickets"), TicketsState)
    run(mine.load())
    assert [t.ticket_code for t in mine.upcoming] == [reg.ticket_code]
    assert mine.upcoming[0].qr.startswith("data:image/svg+xml")
    mine.ask_cancel(reg.id)
    assert mine.confirm_id == reg.id
    run(mine.cancel())
    assert mine.notice.startswith("Cancelled") and mine.upcoming == []
    assert registration_queries.package_summary(pid).seats_left == 5
