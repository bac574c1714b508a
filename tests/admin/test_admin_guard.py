"""``@admin_only``: the admin is resolved inside the call, handed to the handler as an audit Actor, and what
Reflex reads of the handler (signature, type hints, coroutine-ness) is the handler's own."""

from __future__ import annotations

import inspect

import pytest
from sqlmodel import select

from khala.accounts.models import User
from khala.admin.state import AdminEventsState, AdminMailState, AdminRegistrationsState
from khala.admin.state.base import ADMIN_ONLY, REFUSED, admin_only, page_number
from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope
from khala.events import catalogue
from khala.events import service as events
from khala.events.models import EventStatus
from khala.registrations import queries
from khala.registrations import service as registrations
from tests.handlers import run, state_tree, substate


def _tree(cookie: str | None = None, path: str = "/admin/registrations"):
    return state_tree(cookie, path=path, ip="10.7.0.1")


def test_reflex_sees_the_handlers_own_signature_without_actor() -> None:
    handler = AdminRegistrationsState.event_handlers["cancel"]
    assert list(handler._parameters) == ["self", "registration_id"]
    assert list(inspect.signature(handler.fn).parameters) == ["self", "registration_id"]
    assert "actor" not in handler._get_type_hints() and handler._get_type_hints()["registration_id"] is str
    assert handler._is_coroutine_function and getattr(handler.fn, ADMIN_ONLY)
    # the frontend call spec: one positional argument, bound to the handler's own parameter name
    spec = AdminRegistrationsState.cancel("abc")
    assert [arg[0]._js_expr for arg in spec.args] == ["registration_id"]
    # the paged list's handler is each section's own (a mixin, not a shared parent state)
    assert (
        AdminMailState.event_handlers["go_to_page"].fn is not AdminEventsState.event_handlers["go_to_page"].fn
    )
    assert getattr(AdminMailState.event_handlers["go_to_page"].fn, ADMIN_ONLY)


def test_the_guard_only_accepts_async_handlers_with_a_keyword_only_actor() -> None:
    with pytest.raises(TypeError):

        @admin_only
        def sync(self) -> None: ...

    with pytest.raises(TypeError):

        @admin_only
        async def positional(self, actor) -> None: ...


def test_page_numbers_from_the_client_are_checked() -> None:
    assert [page_number(v) for v in ("abc", None, "", "3", 3.9, -4, True, [2], "9" * 40)] == [
        1,
        1,
        1,
        3,
        1,
        1,
        1,
        1,
        1_000_000,
    ]


def _world(make_event, make_user):
    event = make_event("Gala", packages=[{"title": "Std", "capacity": 1}], status=EventStatus.draft)
    events.set_status(event.id, "published", actor=audit.SYSTEM)
    package_id = catalogue.get_event(event.id).packages[0].id
    holder = make_user(display_name="Holder")
    reg = registrations.register(holder.id, package_id, actor=Actor.user(holder))
    return str(event.id), reg.id


def _admin_entries() -> list[AuditEntry]:
    with session_scope() as s:
        return list(
            s.exec(select(AuditEntry).where(AuditEntry.action == "registration.cancelled_by_admin")).all()
        )


def test_the_admin_is_the_actor_even_when_the_client_sends_another(make_event, make_user, person) -> None:
    _, reg_id = _world(make_event, make_user)
    stranger, stranger_token = person()
    admin, admin_token = person(admin=True)
    # a non-admin who forges an actor is still refused
    state = substate(_tree(stranger_token), AdminRegistrationsState)
    reply = run(state.cancel(reg_id, actor=Actor.user(admin)))
    assert REFUSED in str(reply) and state.access == "denied"
    assert queries.get_registration(reg_id, viewer=Actor.system()).status == "confirmed"
    # the admin's call records the admin, whatever actor the payload named
    state = substate(_tree(admin_token), AdminRegistrationsState)
    run(state.cancel(reg_id, actor=Actor.user(stranger)))
    [entry] = _admin_entries()
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", admin.id, admin.email)


def test_the_admin_is_resolved_inside_every_call(make_event, make_user, person) -> None:
    """A state that once passed the check keeps nothing: rights revoked meanwhile refuse the next call."""
    event_id, reg_id = _world(make_event, make_user)
    admin, token = person(admin=True)
    state = substate(_tree(token), AdminRegistrationsState)
    run(state.load())
    run(state.choose_event(event_id))
    assert state.access == "admin" and state.total == 1
    with session_scope(write=True) as s:
        s.get(User, admin.id).is_admin = False
    reply = run(state.cancel(reg_id))
    assert REFUSED in str(reply) and state.access == "denied" and state.rows == []
    assert queries.get_registration(reg_id, viewer=Actor.system()).status == "confirmed"


def test_go_to_page_with_junk_through_reflexs_own_payload_handling(make_event, person) -> None:
    """The payload goes through Reflex's type conversion (which gives up on "abc" for an ``int``) and the
    handler still gets a page it can use."""
    from reflex_base.event.processor.base_state_processor import _prepare_event_payload

    for i in range(3):
        make_event(f"Event {i}")
    _, token = person(admin=True)
    state = substate(_tree(token, "/admin/events"), AdminEventsState)
    run(state.load())
    handler = AdminEventsState.event_handlers["go_to_page"]
    for junk in ("abc", None, {"x": 1}, "2"):
        payload = _prepare_event_payload(handler, {"page": junk})
        assert run(handler.fn(state, **payload)) is None
        assert state.page == 1 and state.total == 3
