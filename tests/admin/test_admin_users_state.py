"""The users section as an administrator uses it (both databases): filters, disabling a signed-in person
(their session ends at once), and the last administrator who stays."""

from __future__ import annotations

from khala.accounts import sessions
from khala.admin.state.users import UsersAdminState
from tests.admin.test_admin_audit import _state
from tests.handlers import run


def test_disable_ends_the_persons_session_and_filters_find_them(person) -> None:
    _, token = person(admin=True)
    member, member_token = person()
    state = _state(token, UsersAdminState, "/admin/users")
    run(state.load())
    me = next(u for u in state.users if u["is_me"] == "yes")
    assert me["is_admin"] == "yes"
    run(state.ask_disable(str(member.id)))
    assert state.confirm_disable == str(member.id)
    run(state.disable(str(member.id)))
    assert sessions.resolve_session(member_token) is None and state.confirm_disable == ""
    run(state.search({"query": "", "role": "disabled"}))
    assert [u["id"] for u in state.users] == [str(member.id)]
    run(state.search({"query": "", "role": "admin"}))
    assert [u["id"] for u in state.users] == [me["id"]]
    run(state.search({"query": "", "role": "wizard"}))  # unknown filters are ignored
    assert state.role == "" and state.total == 2


def test_an_administrator_cannot_demote_or_disable_themselves(person) -> None:
    admin, token = person(admin=True)
    state = _state(token, UsersAdminState, "/admin/users")
    run(state.load())
    run(state.set_admin(str(admin.id), False))
    assert "your own" in state.error and state.users  # the list stays
    run(state.disable(str(admin.id)))
    assert "own account" in state.error
