"""M7: administrators' sessions are short, and granting admin asks for the password again.

Before: 14 days idle / 90 days absolute for everyone, and ``set_admin`` needed nothing but the session.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from khala.accounts import passwords, sessions
from khala.accounts.models import UserSession
from khala.admin.state import UsersAdminState
from khala.db import session_scope, utcnow
from tests.handlers import run, state_tree, substate
from tests.security.conftest import PASSWORD


def _age(token: str, *, idle: timedelta, age: timedelta) -> None:
    with session_scope(write=True) as s:
        s.exec(
            update(UserSession)
            .where(UserSession.token_hash == passwords.hash_secret(token))
            .values(last_seen_at=utcnow() - idle, created_at=utcnow() - age)
        )


def test_admin_sessions_end_after_30_idle_minutes_or_12_hours(db, person) -> None:
    _admin, token = person(admin=True)
    _member, member_token = person()
    _age(token, idle=timedelta(minutes=31), age=timedelta(hours=1))
    _age(member_token, idle=timedelta(minutes=31), age=timedelta(hours=1))
    assert sessions.resolve_session(token) is None  # the admin signs in again
    assert sessions.resolve_session(member_token) is not None  # a member's session lives on
    _admin2, token2 = person(admin=True)
    _age(token2, idle=timedelta(minutes=1), age=timedelta(hours=13))
    assert sessions.resolve_session(token2) is None


def test_granting_admin_needs_the_password_again(db, person, make_user) -> None:
    _admin, token = person(admin=True)
    target = make_user()
    state = substate(state_tree(token, path="/admin/users"), UsersAdminState)
    run(state.set_admin(str(target.id), True))
    assert state.reauth_open and not _is_admin(target.id)
    run(state.confirm_password({"password": "not the password!"}))
    assert state.reauth_error and not _is_admin(target.id)
    run(state.confirm_password({"password": PASSWORD}))
    assert _is_admin(target.id) and not state.reauth_open
    # Within ten minutes the same session is not asked again; another session of the same admin is.
    second = make_user()
    run(state.set_admin(str(second.id), True))
    assert _is_admin(second.id)
    code = sessions.authenticate(_admin.email, PASSWORD, ip="10.45.0.1")
    other_token, _ = sessions.complete_login(code)
    third = make_user()
    elsewhere = substate(state_tree(other_token, path="/admin/users"), UsersAdminState)
    run(elsewhere.set_admin(str(third.id), True))
    assert elsewhere.reauth_open and not _is_admin(third.id)
    # "false" from a malformed call never grants (L10).
    run(elsewhere.set_admin(str(third.id), "false"))
    assert not _is_admin(third.id)


def _is_admin(user_id) -> bool:
    from khala.accounts import service

    return service.get_user(user_id).is_admin
