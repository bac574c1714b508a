"""L5: signing out clears the tab's private state and drops its Reflex client token.

Before: ``sign_out`` reset only ``SessionState``; the tab kept its client token (sessionStorage survives the
navigation) and hydrate sent back every loaded substate: ticket codes, the session list, admin lists.
"""

from __future__ import annotations

from khala.accounts.state import AccountState, SessionState
from khala.registrations.state import TicketRow, TicketsState
from tests.handlers import run, state_tree, substate


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
    script = str(reply)
    assert 'sessionStorage.removeItem("token")' in script and '"/auth/signout"' in script


def test_deleting_the_account_and_signing_out_everywhere_forget_it_too(db, person) -> None:
    _user, token = person()
    root = state_tree(token, path="/account")
    account = substate(root, AccountState)
    run(account.load())
    reply = run(account.sign_out_everywhere())
    assert account.email == "" and 'sessionStorage.removeItem("token")' in str(reply)
