"""Accounts as administrators manage them, on both databases: the list with its filters, disabling (sessions
end at once, sign-in refused, data kept) and enabling, and the last administrator who cannot be demoted or
disabled."""

from __future__ import annotations

import pytest
from sqlmodel import select

from khala.accounts import service as accounts
from khala.accounts import sessions, standing
from khala.audit.models import AuditEntry
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope
from khala.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from khala.events import catalogue
from khala.registrations import queries
from khala.registrations import service as registrations
from tests.admin.conftest import PASSWORD


def _actions(object_id) -> list[str]:
    with session_scope() as s:
        return [
            e.action for e in s.exec(select(AuditEntry).where(AuditEntry.object_id == str(object_id))).all()
        ]


def test_disabling_ends_sessions_refuses_sign_in_and_keeps_data(person, make_event) -> None:
    admin, _ = person(admin=True)
    member, token = person()
    event = make_event("Gala")
    held = registrations.register(
        member.id, catalogue.get_event(event.id).packages[0].id, actor=Actor.user(member)
    )
    assert sessions.resolve_session(token) is not None
    row = standing.disable_user(member.id, actor=Actor.user(admin), reason="spam")
    assert row.disabled_at is not None
    assert sessions.resolve_session(token) is None  # the open session ended at once
    with pytest.raises(InvalidInput) as refused:
        sessions.authenticate(member.email, PASSWORD, ip="10.7.0.2")
    assert "disabled" in str(refused.value.by_field())
    with pytest.raises(InvalidInput):  # a wrong password still says only "wrong password"
        sessions.authenticate(member.email, "not the password at all", ip="10.7.0.3")
    with session_scope() as s, pytest.raises(NotAuthenticated):
        sessions.active_user(s, member.id)
    assert queries.get_registration(held.id, viewer=SYSTEM).status == "confirmed"  # data kept
    with pytest.raises(Conflict):
        standing.disable_user(member.id, actor=Actor.user(admin))
    assert standing.list_accounts(role="disabled").items[0].id == str(member.id)

    standing.enable_user(member.id, actor=Actor.user(admin))
    code = sessions.authenticate(member.email, PASSWORD, ip="10.7.0.4")
    assert sessions.complete_login(code)[1].id == member.id
    with pytest.raises(Conflict):
        standing.enable_user(member.id, actor=Actor.user(admin))
    assert [a for a in _actions(member.id) if a.startswith("user.") and "able" in a] == [
        "user.disabled",
        "user.enabled",
    ]


def test_only_administrators_and_never_oneself(person, make_user) -> None:
    admin, _ = person(admin=True)
    member, _ = person()
    other = make_user()
    with pytest.raises(Forbidden):
        standing.disable_user(other.id, actor=Actor.user(member))
    with pytest.raises(InvalidInput):
        standing.disable_user(admin.id, actor=Actor.user(admin))
    with pytest.raises(InvalidInput):
        accounts.set_admin(admin.id, False, actor=Actor.user(admin))


def test_the_last_administrator_stays(person, make_user) -> None:
    first, _ = person(admin=True)
    second = make_user(is_admin=True)
    # two administrators: one may demote the other …
    accounts.set_admin(second.id, False, actor=Actor.user(first))
    # … but the system (the CLI) cannot take the last one away, by demotion or by disabling
    with pytest.raises(InvalidInput, match="last administrator"):
        accounts.set_admin(first.id, False, actor=SYSTEM)
    with pytest.raises(InvalidInput, match="last administrator"):
        standing.disable_user(first.id, actor=SYSTEM)
    # a disabled administrator does not count as the one left
    accounts.set_admin(second.id, True, actor=Actor.user(first))
    standing.disable_user(second.id, actor=Actor.user(first))
    with pytest.raises(InvalidInput, match="last administrator"):
        accounts.set_admin(first.id, False, actor=SYSTEM)
    standing.enable_user(second.id, actor=Actor.user(first))
    accounts.set_admin(first.id, False, actor=SYSTEM)  # now someone else is left
    assert [r.id for r in standing.list_accounts(role="admin").items] == [str(second.id)]


def test_list_accounts_searches_and_pages(make_user) -> None:
    for n in range(5):
        make_user(email=f"p{n}@example.com", display_name=f"Person {n}")
    make_user(email="asa@example.se", display_name="Åsa")
    assert standing.list_accounts("example.com", page_size=2, page=3).items[0].email.startswith("p")
    assert standing.list_accounts("example.com", page_size=2).total == 5
    assert standing.list_accounts("åsa").total == 1
    assert standing.list_accounts(role="unverified").total == 6
    with pytest.raises(InvalidInput):
        standing.list_accounts(role="wizard")
