"""L5: signing out clears the tab's private state and drops its Reflex client token.

Before: ``sign_out`` reset only ``SessionState``; the tab kept its client token (sessionStorage survives the
navigation) and hydrate sent back every loaded substate: ticket codes, the session list, admin lists.
"""

from __future__ import annotations

from khala.accounts.state import AccountState, SessionState
from khala.registrations.state import TicketRow, TicketsState
from khala.ui import client
from tests.handlers import run, state_tree, substate


def _posts(reply) -> list[dict]:
    """The form POSTs a handler's reply asks the browser for (khala/ui/client.py commands)."""
    events = reply if isinstance(reply, list) else [reply]
    return [c for e in events if e is not None for c in client.commands_of(e) if c["kind"] == "post"]


def test_sign_out_forgets_every_loaded_state_and_the_tab_token(db, person) -> None:
    _user, token = person()
    root = state_tree(token, path="/account")
    account = substate(root, AccountState)
    run(account.load())
    assert account.sessions and account.email
    tickets = substate(root, TicketsState)
    tickets.upcoming = [TicketRow(id="r1", ticket_code="SECRET-CODE-1")]
    reply = run(substate(root, SessionState).sign_out())
    assert account.sessions == [] and account.email == "" and tickets.upcoming == []
    # The POST to /auth/signout drops the tab's client token first (client_effects.js: sessionStorage).
    (post,) = _posts(reply)
    assert post["action"] == "/auth/signout" and post["forget_tab"] is True


def test_deleting_the_account_and_signing_out_everywhere_forget_it_too(db, person) -> None:
    _user, token = person()
    root = state_tree(token, path="/account")
    account = substate(root, AccountState)
    run(account.load())
    reply = run(account.sign_out_everywhere())
    assert account.email == "" and [p["forget_tab"] for p in _posts(reply)] == [True]
