"""Each action of the door, users, mail and API-key sections, run through its handler as a signed-in
administrator, writes exactly one audit entry with the administrator as the actor (on both databases)."""

from __future__ import annotations

from khala.admin.state.api_keys import AdminApiKeysState
from khala.admin.state.audit import AdminAuditState
from khala.admin.state.checkin import ROUTE_ARG, AdminCheckinState
from khala.admin.state.mail import AdminAnnounceState
from khala.admin.state.registrations import AdminRegistrationsState
from khala.admin.state.users import UsersAdminState
from khala.audit.service import Actor
from khala.events import catalogue
from khala.registrations import service as registrations
from tests.admin.conftest import PASSWORD
from tests.admin.test_admin_audit import Trail, _one, _state
from tests.handlers import run, state_tree, substate


def test_door_actions_are_audited_once_each(person, make_event, make_user) -> None:
    user, token = person(admin=True)
    event = make_event("Gala", packages=[{"title": "Standard", "capacity": 5}])
    holder = make_user(display_name="Holder")
    held = registrations.register(
        holder.id, catalogue.get_event(event.id).packages[0].id, actor=Actor.user(holder)
    )
    trail = Trail()

    regs = _state(token, AdminRegistrationsState, "/admin/registrations")
    run(regs.load())
    run(regs.resend(held.id))
    _one(trail, user, "registration.confirmation_resent")

    root = state_tree(
        token, path=f"/admin/checkin/[{ROUTE_ARG}]", query={ROUTE_ARG: str(event.id)}, ip="10.7.0.1"
    )
    door = substate(root, AdminCheckinState)
    run(door.load())
    run(door.check_in({"code": held.ticket_code}))
    _one(trail, user, "registration.checked_in")
    run(door.undo(held.id))
    _one(trail, user, "registration.check_in_undone")
    run(door.scanned(held.ticket_code))
    _one(trail, user, "registration.checked_in")
    run(door.scanned(held.ticket_code))  # refused: nothing written
    assert trail.new() == []

    announce = _state(token, AdminAnnounceState, "/admin/mail")
    run(announce.load())
    run(announce.choose_event(str(event.id)))
    run(announce.preview({"subject": "Doors at 18:00", "body": "See you!", "package_id": ""}))
    assert announce.previewing and announce.preview_people == 1 and "See you!" in announce.preview_html
    assert trail.new() == []  # a preview sends nothing
    run(announce.send())
    entry = _one(trail, user, "event.announced")
    assert entry.data["recipients"] == 1 and announce.sent_note == "Queued for 1 ticket holder."


def test_user_and_api_key_actions_are_audited_once_each(person, make_user) -> None:
    user, token = person(admin=True)
    other = make_user(email="other@example.com")
    trail = Trail()

    users = _state(token, UsersAdminState, "/admin/users")
    run(users.load())
    run(users.disable(str(other.id)))
    _one(trail, user, "user.disabled")
    assert next(u for u in users.users if u["id"] == str(other.id))["disabled"] == "yes"
    run(users.enable(str(other.id)))
    _one(trail, user, "user.enabled")
    run(users.disable(str(user.id)))  # oneself: refused
    assert trail.new() == [] and "own account" in users.error

    api = _state(token, AdminApiKeysState, "/admin/api-keys")
    run(api.load())
    run(api.create({"name": "Box office", "scope": "write"}))
    assert api.reauth_open and trail.new() == []  # creating a key asks for the password again
    run(api.confirm_password({"password": PASSWORD}))
    created = _one(trail, user, "api_key.created")
    assert api.new_secret.startswith("khala_") and api.rows[0].name == "Box office"
    run(api.revoke(created.object_id))
    _one(trail, user, "api_key.revoked")
    run(api.load())
    assert api.new_secret == ""  # shown once
    assert api.rows[0].revoked != ""


def test_the_audit_log_shows_each_step_and_filters(person, make_event, make_user) -> None:
    user, token = person(admin=True)
    event = make_event("Gala")
    holder = make_user()
    held = registrations.register(
        holder.id, catalogue.get_event(event.id).packages[0].id, actor=Actor.user(holder)
    )
    registrations.check_in(held.ticket_code, actor=Actor.user(user), event_id=event.id)

    log = substate(state_tree(token, path="/admin/audit", ip="10.7.0.1"), AdminAuditState)
    run(log.load())
    actions = [r.action for r in log.rows]
    assert "registration.checked_in" in actions and "registration.created" in actions
    assert "registration.checked_in" in log.actions
    run(log.search({"actor": user.email.upper(), "action": "", "object_type": "", "object_id": ""}))
    assert {r.action for r in log.rows} <= {"registration.checked_in", "user.signed_in"}
    run(log.search({"action": "registration.", "object_type": "registration", "object_id": held.id}))
    assert [r.action for r in log.rows] == ["registration.checked_in", "registration.created"]
    assert log.rows[0].changes[0].field == "checked_in_at"
    run(log.search({"since": "2999-01-01"}))
    assert log.rows == [] and log.total == 0
    run(log.search({"until": "2000-01-01"}))
    assert log.total == 0
    run(log.clear_filters())
    assert log.total >= 3

    # an event's own history, as its "History" link opens it
    query = {"object_type": "event", "object_id": str(event.id)}
    history = substate(state_tree(token, path="/admin/audit", query=query, ip="10.7.0.1"), AdminAuditState)
    run(history.load())
    assert history.rows and {r.object_id for r in history.rows} == {str(event.id)}
