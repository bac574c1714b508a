"""Every account change writes exactly one audit entry with its actor, in the change's own transaction
(on SQLite and PostgreSQL: ``db`` fixture)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from accounts_helpers import STRONG, link_token, sign_in
from sqlmodel import select

from khala.accounts import privacy, service, sessions, throttle
from khala.accounts.models import User
from khala.accounts.state import AccountState
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import Forbidden, InvalidInput
from tests.handlers import run, state_tree, substate

CLI = Actor.system("cli")


@pytest.fixture
def trail(db) -> Callable[[], list[AuditEntry]]:
    """trail() → the entries written since the previous call, oldest first."""
    seen: set = set()

    def new() -> list[AuditEntry]:
        with session_scope() as s:
            rows = s.exec(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)).all()
        fresh = [e for e in rows if e.id not in seen]
        seen.update(e.id for e in fresh)
        return fresh

    return new


def _one(entries: list[AuditEntry], action: str) -> AuditEntry:
    assert [e.action for e in entries] == [action], [e.action for e in entries]
    return entries[0]


def _by(entry: AuditEntry, user) -> None:
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", user.id, user.email)


def _row(email: str) -> User:
    with session_scope() as s:
        return s.exec(select(User).where(User.email == email)).one()


def test_sign_up_and_verification_are_done_by_the_new_account(trail, mailbox) -> None:
    service.sign_up("Ada@Example.com", "Ada", STRONG, ip="10.0.0.1")
    ada = _row("ada@example.com")
    signed_up = _one(trail(), "user.signed_up")
    _by(signed_up, ada)
    assert (signed_up.object_type, signed_up.object_id) == ("user", str(ada.id))
    assert signed_up.changes == {"email": "ada@example.com", "display_name": "Ada"}
    assert "argon2" not in str(signed_up.changes) + str(signed_up.data)

    # The same address again changes nothing and writes nothing.
    throttle.reset()
    service.sign_up("ada@example.com", "Mallory", STRONG, ip="10.0.0.2")
    assert trail() == []

    token = link_token(mailbox("ada@example.com")[0], "/verify")
    service.confirm_email_token(token)
    verified = _one(trail(), "user.email_verified")
    _by(verified, ada)
    assert (
        list(verified.changes) == ["email_verified_at"] and verified.changes["email_verified_at"][0] is None
    )
    service.confirm_email_token(token)  # opened again: "already confirmed", no change
    assert trail() == []


def test_sign_in_and_sign_out_form_a_security_trail(trail, make_user) -> None:
    ada = make_user("ada@example.com")
    trail()
    token = sign_in("ada@example.com", ip="10.1.2.3", user_agent="Firefox")
    signed_in = _one(trail(), "user.signed_in")
    _by(signed_in, ada)
    assert signed_in.data["ip"] == "10.1.2.3" and signed_in.data["user_agent"] == "Firefox"
    assert signed_in.data["session_id"] == str(sessions.session_id_for(token))
    assert token not in str(signed_in.data)

    with pytest.raises(InvalidInput):
        sessions.authenticate("ada@example.com", "wrong password!", ip="10.1.2.4")
    failed = _one(trail(), "user.sign_in_failed")  # a security event: nobody is proven, so the system acts
    assert (failed.actor_kind, failed.object_type, failed.object_id) == ("system", "user", str(ada.id))
    assert failed.data["ip"] == "10.1.2.4" and failed.data["reason"] == "wrong_password"
    assert "wrong password!" not in str(failed.data)

    session_id = sessions.session_id_for(token)
    sessions.sign_out(token)
    revoked = _one(trail(), "session.revoked")
    _by(revoked, ada)
    assert (revoked.object_type, revoked.object_id) == ("user_session", str(session_id))
    sessions.sign_out(token)  # already gone: nothing to revoke
    assert trail() == []

    mine, _other, _third = (sign_in("ada@example.com") for _ in range(3))
    trail()
    assert sessions.sign_out_everywhere(ada.id, actor=Actor.user(ada), except_secret=mine) == 2
    everywhere = _one(trail(), "user.signed_out_everywhere")
    _by(everywhere, ada)
    assert (everywhere.object_type, everywhere.object_id) == ("user", str(ada.id))
    assert everywhere.data == {"sessions_ended": 2}


def test_password_reset_and_change(trail, make_user, mailbox) -> None:
    ada = make_user("ada@example.com")
    sign_in("ada@example.com")
    service.request_password_reset("ada@example.com")
    assert trail()[-1].action == "user.signed_in"  # asking for a link changes nothing of the account
    service.reset_password(
        link_token(mailbox("ada@example.com")[-1], "/reset-password"), "a brand new passphrase"
    )
    reset = _one(trail(), "user.password_reset")
    _by(reset, ada)
    assert reset.changes == {} and reset.data == {"sessions_ended": 1}

    with pytest.raises(InvalidInput):
        service.change_password(ada.id, "wrong current!", "another passphrase", actor=Actor.user(ada))
    assert trail() == []
    service.change_password(
        ada.id, "a brand new passphrase", "another fine passphrase", actor=Actor.user(ada)
    )
    changed = _one(trail(), "user.password_changed")
    _by(changed, ada)
    assert changed.changes == {} and "argon2" not in str(changed.data)


def test_profile_and_email_changes(trail, make_user, mailbox) -> None:
    ada = make_user("ada@example.com", display_name="Ada")
    trail()
    service.change_display_name(ada.id, "Countess of Lovelace", actor=Actor.user(ada))
    renamed = _one(trail(), "user.profile_updated")
    _by(renamed, ada)
    assert renamed.changes == {"display_name": ["Ada", "Countess of Lovelace"]}
    service.change_display_name(ada.id, " Countess  of Lovelace ", actor=Actor.user(ada))  # same name
    assert trail() == []

    service.request_email_change(ada.id, "new@example.com", STRONG, actor=Actor.user(ada))
    requested = _one(trail(), "user.email_change_requested")
    _by(requested, ada)
    assert requested.data == {"new_email": "new@example.com"}
    service.confirm_email_token(link_token(mailbox("new@example.com")[-1], "/verify"))
    changed = _one(trail(), "user.email_changed")
    assert changed.actor_id == ada.id and changed.actor_label == "new@example.com"
    assert changed.changes["email"] == ["ada@example.com", "new@example.com"]


def test_deletion_is_one_entry_without_the_removed_data(trail, make_user) -> None:
    ada = make_user("ada@example.com", display_name="Ada Lovelace")
    trail()
    with pytest.raises(InvalidInput):
        privacy.delete_account(ada.id, "wrong password!", actor=Actor.user(ada))

    def broken(session, user_id):
        raise RuntimeError("boom")

    service.on_user_delete.append(broken)
    try:
        with pytest.raises(RuntimeError):
            privacy.delete_account(ada.id, STRONG, actor=Actor.user(ada))
    finally:
        service.on_user_delete.remove(broken)
    assert trail() == []  # refused or rolled back: no entry

    privacy.delete_account(ada.id, STRONG, actor=Actor.user(ada))
    deleted = _one(trail(), "user.deleted")
    _by(deleted, ada)
    assert list(deleted.changes) == ["deleted_at"] and deleted.changes["deleted_at"][0] is None
    assert "Lovelace" not in str(deleted.changes) + str(deleted.data)


def test_admin_rights_are_changed_by_an_admin_and_say_who(trail, make_user) -> None:
    root = make_user("root@example.com", admin=True)
    ada = make_user("ada@example.com")
    trail()
    with pytest.raises(Forbidden):
        service.set_admin(root.id, False, actor=Actor.user(ada))
    with pytest.raises(InvalidInput):
        service.set_admin(root.id, False, actor=Actor.user(root))
    assert trail() == []

    service.set_admin(str(ada.id), True, actor=Actor.user(root))
    granted = _one(trail(), "user.admin_granted")
    _by(granted, root)
    assert (granted.object_id, granted.changes) == (str(ada.id), {"is_admin": [False, True]})
    service.set_admin(ada.id, True, actor=Actor.user(root))  # already an admin: nothing changes
    assert trail() == []
    service.set_admin(ada.id, False, actor=Actor.user(root))
    revoked = _one(trail(), "user.admin_revoked")
    _by(revoked, root)
    assert revoked.changes == {"is_admin": [True, False]}


def test_create_admin_is_done_by_the_cli(trail, make_user) -> None:
    service.create_admin("root@example.com", actor=CLI)
    created = _one(trail(), "user.created_by_cli")
    assert (created.actor_kind, created.actor_id, created.actor_label) == ("system", None, "cli")
    assert created.object_id == str(_row("root@example.com").id)
    assert created.changes["is_admin"] is True and created.changes["email"] == "root@example.com"

    ada = make_user("ada@example.com", verified=False)
    trail()
    service.create_admin("ada@example.com", actor=CLI)
    promoted = _one(trail(), "user.admin_granted")
    assert promoted.actor_kind == "system" and promoted.object_id == str(ada.id)
    assert promoted.changes["is_admin"] == [False, True] and "email_verified_at" in promoted.changes
    service.create_admin("ada@example.com", actor=CLI)
    again = _one(trail(), "user.admin_setup_link_issued")
    assert again.changes == {} and again.data == {"via": "create-admin"}


def test_account_page_handlers_act_as_the_signed_in_caller(trail, make_user) -> None:
    ada = make_user("ada@example.com", display_name="Ada")
    make_user("bob@example.com")
    mine = sign_in("ada@example.com")
    trail()

    def handlers():
        return substate(state_tree(mine, path="/account", ip="10.5.0.1", extra_cookies=True), AccountState)

    run(handlers().save_name({"display_name": "Ada L.", "user_id": "someone else"}))
    _by(_one(trail(), "user.profile_updated"), ada)
    pw = {
        "current_password": STRONG,
        "new_password": "a new passphrase",
        "new_password_again": "a new passphrase",
    }
    run(handlers().change_password(pw))
    _by(_one(trail(), "user.password_changed"), ada)
    run(handlers().change_email({"email": "ada2@example.com", "password": "a new passphrase"}))
    _by(_one(trail(), "user.email_change_requested"), ada)
    run(handlers().delete_account({"delete_password": "a new passphrase"}))
    _by(_one(trail(), "user.deleted"), ada)

    # Anonymous callers change nothing and leave no trace.
    anonymous = substate(state_tree(None, path="/account", ip="10.5.0.2", extra_cookies=True), AccountState)
    run(anonymous.save_name({"display_name": "Hacked"}))
    run(anonymous.sign_out_everywhere())
    assert trail() == []
