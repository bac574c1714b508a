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


def _confirm(state) -> list:
    """Run ``confirm`` to its end (a background event: Reflex refuses a direct call on the instance, and
    ``async with self`` is a no-op outside the app)."""
    return run(RegistrationState.confirm.fn(state))


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
    _confirm(state)
    assert state.phase == "need_login"
    assert registration_queries.package_summary(pid).seats_left == 5


def test_unverified_user_is_asked_to_verify(make_event, person) -> None:
    event = make_event()
    _, token = person(verified=False)
    state = _sub(_tree(token), RegistrationState)
    run(state.start(_package_id(event)))
    assert state.phase == "need_verify"
    state.phase = "choose"
    _confirm(state)
    assert state.phase == "need_verify"


def test_verified_user_registers_once_even_when_confirm_is_repeated(make_event, person) -> None:
    event = make_event(packages=[{"title": "A", "capacity": 5, "max_per_registration": 3}])
    pid = _package_id(event)
    _, token = person()
    state = _sub(_tree(token), RegistrationState)
    run(state.start(pid, "99"))
    assert (state.phase, state.quantity) == ("choose", 3)  # clamped to the package's maximum
    _confirm(state)
    assert state.phase == "done" and state.ticket_code
    assert state.message.startswith("You're in")
    _confirm(state)  # a double click: nothing more happens
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
    _confirm(state)
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


def test_two_confirms_of_one_tab_at_once_take_one_seat(make_event, person, monkeypatch) -> None:
    """``confirm`` runs beside the tab's other events (a background event): the check and the switch to
    "working" happen under the tab's lock before anything is awaited, so a double click cannot sell twice."""
    import asyncio

    event = make_event(packages=[{"title": "A", "capacity": 5}])
    pid = _package_id(event)
    _, token = person()
    state = _sub(_tree(token), RegistrationState)
    run(state.start(pid))
    calls = []
    real = service.register
    monkeypatch.setattr(service, "register", lambda *a, **k: calls.append(a) or real(*a, **k))

    async def both() -> None:
        async def one() -> list:
            return [item async for item in RegistrationState.confirm.fn(state)]

        await asyncio.gather(one(), one())

    asyncio.run(both())
    assert len(calls) == 1  # the second click saw "working" and did nothing (the service never heard of it)
    assert state.phase == "done" and state.ticket_code and state.message.startswith("You're in")
    assert registration_queries.package_summary(pid).seats_left == 4
    # While a confirmation is on its way, the dialog does not switch package or quantity under it.
    state.phase = "working"
    run(state.start(pid))
    state.set_quantity(3)
    assert (state.phase, state.quantity) == ("working", 1)


def test_mail_status_looks_at_the_same_moment_share_one_query(make_event, person, monkeypatch) -> None:
    import asyncio
    import uuid

    from khala.errors import NotFound
    from khala.mail import service as mail
    from khala.registrations import state as registration_state

    event = make_event(packages=[{"title": "A", "capacity": 5}])
    pid = _package_id(event)
    regs = []
    for _ in range(3):
        user, _token = person()
        regs.append(service.register(user.id, pid, actor=Actor.user(user)))
    ids = [r.mail_message_id for r in regs]
    assert all(ids)
    queries: list[list] = []
    real = mail.delivery_statuses

    def counted(message_ids):
        queries.append(list(message_ids))
        return real(message_ids)

    monkeypatch.setattr(mail, "delivery_statuses", counted)
    looks = registration_state._StatusLooks()

    async def many():
        return await asyncio.gather(*(looks.status(i) for i in [*ids, ids[0]]), return_exceptions=True)

    found = asyncio.run(many())
    assert len(queries) == 1 and sorted(queries[0], key=str) == sorted({uuid.UUID(i) for i in ids}, key=str)
    assert [str(s.id) for s in found] == [*ids, ids[0]]
    assert all(s == mail.delivery_status(s.id) for s in found)
    with pytest.raises(NotFound):  # an unknown message, as mail.delivery_status says
        asyncio.run(looks.status(str(uuid.uuid4())))
