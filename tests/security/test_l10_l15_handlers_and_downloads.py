"""L10 (handler arguments are type-checked) and L15 (``nosniff`` on every download).

Before: ``UsersAdminState.page("abc")`` raised, ``set_admin(id, "false")`` granted admin (``bool("false")``),
``ask_delete("false")`` opened the dialog and a ``form_data`` that is not a dict crashed the handler; the
ticket ``.ics`` went out without ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from khala.accounts.state import AccountState, LoginState, SignupState
from khala.admin.state import UsersAdminState
from khala.ops.middleware import ops_middleware
from tests.handlers import run, state_tree, substate


def test_loose_arguments_are_refused_not_obeyed(db, person, make_user) -> None:
    _admin, token = person(admin=True)
    users = substate(state_tree(token, path="/admin/users"), UsersAdminState)
    run(users.go_to_page("abc"))
    assert users.page == 1
    target = make_user()
    run(users.set_admin(str(target.id), "false"))
    from khala.accounts import service

    assert not service.get_user(target.id).is_admin
    account = substate(state_tree(token, path="/account"), AccountState)
    account.ask_delete("false")
    assert account.confirm_delete is False
    login = substate(state_tree(None, path="/login"), LoginState)
    run(login.submit("not a form"))
    assert login.error  # a message, not a crash
    signup = substate(state_tree(None, path="/signup"), SignupState)
    run(signup.submit({"email": ["a@b.se"], "display_name": {"x": 1}, "password": 12345678901234}))
    assert set(signup.errors) >= {"email", "display_name", "password"}


def test_downloads_carry_nosniff() -> None:
    async def ics(request):
        return Response(
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            media_type="text/calendar",
            headers={"Content-Disposition": 'attachment; filename="ticket.ics"'},
        )

    app = ops_middleware(Starlette(routes=[Route("/tickets/x.ics", ics)]))
    r = TestClient(app).get("/tickets/x.ics")
    assert r.headers["x-content-type-options"] == "nosniff"
