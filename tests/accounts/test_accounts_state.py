"""Event handlers check the caller themselves (any client can call any handler by name).

Handlers run here without a browser: the state tree is built from the root and the websocket's headers
(where the HttpOnly cookie arrives) are set on the router, as Reflex does on connect.
"""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from accounts_helpers import STRONG, sign_in
from reflex_base.utils import format

from khala.accounts import auth, service, sessions
from khala.accounts.state import (
    AccountState,
    LoginState,
    SessionState,
    SignupState,
)
from khala.admin.state.users import UsersAdminState
from khala.ui import client
from tests.handlers import run, state_tree, substate


def _tree(
    cookie: str | None = None, *, path: str = "/account", query: dict | None = None, ip: str = "10.5.0.1"
):
    return state_tree(cookie, path=path, query=query, ip=ip, extra_cookies=True)


_sub = substate


def downloaded(spec) -> str:
    """The text of an rx.download event (a base64 data URL)."""
    args = {k._js_expr: v for k, v in spec.args} if spec is not None else {}
    if "url" not in args:  # not a download (e.g. a redirect to /login)
        return ""
    url = args["url"]._var_value
    return base64.b64decode(url.split("base64,", 1)[1]).decode()


def test_session_token_is_read_from_the_cookie_header_only() -> None:
    root = _tree("tok123")
    assert auth.session_token(_sub(root, SessionState)) == "tok123"
    assert auth.session_token(_sub(_tree(None), SessionState)) is None
    assert auth.read_cookie("a=1; khala_session=; b=2", "khala_session") is None


def test_load_session_fills_public_vars_and_never_the_token(db, make_user) -> None:
    make_user("ada@example.com", display_name="Ada")
    token = sign_in("ada@example.com")
    root = _tree(token)
    state = _sub(root, SessionState)
    run(state.load_session())
    assert state.signed_in and state.display_name == "Ada" and state.email == "ada@example.com"
    assert state.is_verified and not state.is_admin
    # What would be sent to the browser: the delta and the full state, serialised as Reflex does.
    assert token not in format.json_dumps(root.get_delta())
    assert token not in format.json_dumps(root.dict())
    anon = _sub(_tree(None), SessionState)
    run(anon.load_session())
    assert not anon.signed_in and anon.email == ""
    bad = _sub(_tree("forged-token"), SessionState)
    run(bad.load_session())
    assert not bad.signed_in


def test_require_login_redirects_anonymous_with_next(db) -> None:
    root = _tree(None, path="/account")
    spec = run(_sub(root, SessionState).require_login())
    assert spec is not None and "/login?next=/account" in str(spec)


def test_anonymous_account_handlers_change_nothing(db, make_user) -> None:
    victim = make_user("ada@example.com", display_name="Ada")
    root = _tree(None)
    state = _sub(root, AccountState)
    run(state.load())
    assert not state.loaded and state.sessions == [] and state.email == ""
    run(state.save_name({"display_name": "Hacked"}))
    run(state.change_email({"email": "evil@example.com", "password": STRONG}))
    run(
        state.change_password(
            {"current_password": STRONG, "new_password": "x" * 12, "new_password_again": "x" * 12}
        )
    )
    run(state.sign_out_everywhere())
    run(state.delete_account({"delete_password": STRONG}))
    assert downloaded(run(state.download_data())) == ""
    assert service.get_user(victim.id).display_name == "Ada"
    assert sign_in("ada@example.com")  # password unchanged, account alive


def test_signed_in_handlers_act_only_on_the_caller(db, make_user) -> None:
    ada = make_user("ada@example.com", display_name="Ada")
    bob = make_user("bob@example.com", display_name="Bob")
    root = _tree(sign_in("ada@example.com"))
    state = _sub(root, AccountState)
    run(state.load())
    assert state.loaded and state.email == "ada@example.com" and len(state.sessions) == 1
    assert state.sessions[0]["current"] == "yes"
    run(state.save_name({"display_name": "Ada L.", "user_id": str(bob.id)}))
    assert service.get_user(ada.id).display_name == "Ada L."
    assert service.get_user(bob.id).display_name == "Bob"
    data = json.loads(downloaded(run(state.download_data())))
    assert data["profile"]["email"] == "ada@example.com" and "bob@example.com" not in json.dumps(data)


def test_change_password_in_handler_keeps_this_session(db, make_user) -> None:
    make_user("ada@example.com")
    mine, other = sign_in("ada@example.com"), sign_in("ada@example.com")
    state = _sub(_tree(mine), AccountState)
    run(
        state.change_password(
            {
                "current_password": STRONG,
                "new_password": "a new passphrase",
                "new_password_again": "a new passphrase",
            }
        )
    )
    assert "1 other session" in state.notice
    assert sessions.resolve_session(mine) and sessions.resolve_session(other) is None


def test_non_admin_cannot_use_admin_handlers(db, make_user) -> None:
    make_user("ada@example.com")
    bob = make_user("bob@example.com")
    for cookie in (None, sign_in("ada@example.com")):
        state = _sub(_tree(cookie), UsersAdminState)
        run(state.load())
        assert state.users == [] and state.error
        run(state.set_admin(str(bob.id), True))
        assert state.users == []
    assert not service.get_user(bob.id).is_admin


def test_admin_handlers_work_for_admins(db, make_user) -> None:
    make_user("root@example.com", admin=True)
    bob = make_user("bob@example.com")
    state = _sub(_tree(sign_in("root@example.com")), UsersAdminState)
    run(state.load())
    assert {u["email"] for u in state.users} == {"root@example.com", "bob@example.com"}
    run(state.set_admin(str(bob.id), True))
    assert state.reauth_open and not service.get_user(bob.id).is_admin  # granting asks for the password
    run(state.confirm_password({"password": STRONG}))
    assert service.get_user(bob.id).is_admin and not state.reauth_open
    run(state.search({"query": "BOB"}))
    assert [u["email"] for u in state.users] == ["bob@example.com"] and state.total == 1


def test_setvar_cannot_make_anyone_admin() -> None:
    state = _sub(_tree(None), SessionState)
    with pytest.raises(AttributeError):
        state.setvar("is_admin", True)


def test_login_handler_navigates_to_complete_with_safe_next(db, make_user) -> None:
    make_user("ada@example.com")
    root = _tree(None, path="/login", query={"next": "https://evil.example/"})
    state = _sub(root, LoginState)
    events = run(state.submit({"email": "ada@example.com", "password": STRONG}))
    (post,) = client.commands_of(events[-1])
    # A same-origin form POST to /auth/complete carries the code and the safe next path.
    assert post["kind"] == "post" and post["action"] == "/auth/complete" and post["fields"]["code"]
    assert post["fields"]["next"] == "/" and "evil" not in str(post)
    good = _sub(_tree(None, path="/login", query={"next": "/events/party?x=1"}), LoginState)
    (post,) = client.commands_of(run(good.submit({"email": "ada@example.com", "password": STRONG}))[-1])
    assert post["fields"]["next"] == "/events/party?x=1"
    events = run(state.submit({"email": "ada@example.com", "password": "wrong password!"}))
    assert state.error == sessions.SIGN_IN_FAILED


def test_signup_handler_shows_the_same_message(db, make_user) -> None:
    make_user("ada@example.com")
    state = _sub(_tree(None, path="/signup"), SignupState)
    run(state.submit({"email": "ada@example.com", "display_name": "X", "password": STRONG}))
    assert state.done_message == service.signed_up_message("ada@example.com")
    state2 = _sub(_tree(None, path="/signup", ip="10.5.0.2"), SignupState)
    run(state2.submit({"email": "x@", "display_name": "", "password": "short"}))
    assert set(state2.errors) == {"email", "display_name", "password"}


def test_user_from_cookie_header_for_http_routes(db, make_user) -> None:
    make_user("ada@example.com")
    token = sign_in("ada@example.com")
    user = asyncio.run(auth.user_from_cookie_header(f"x=1; {auth.cookie_name()}={token}"))
    assert user is not None and user.email == "ada@example.com"
    assert asyncio.run(auth.user_from_cookie_header(None)) is None
    assert asyncio.run(auth.user_from_cookie_header(f"{auth.cookie_name()}=forged")) is None


def test_signup_keeps_a_safe_next_for_signing_in_afterwards() -> None:
    state = _sub(_tree(None, path="/signup", query={"next": "/events/party"}), SignupState)
    state.clear()
    assert state.login_href == "/login?next=/events/party"
    evil = _sub(_tree(None, path="/signup", query={"next": "https://evil.example"}), SignupState)
    evil.clear()
    assert evil.login_href == "/login?next=/"
