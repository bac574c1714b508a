"""The mail section as an administrator uses it (both databases): the outbox by kind, a message's rendered
view with its one-time links hidden, and an announcement that is previewed before anything is sent."""

from __future__ import annotations

from sqlmodel import select

from khala.admin.state.mail import AdminAnnounceState, AdminMailState
from khala.audit.service import Actor
from khala.db import session_scope
from khala.events import catalogue
from khala.mail import reports as mail_reports
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from khala.registrations import service as registrations
from tests.admin.test_admin_audit import _state
from tests.handlers import run


def test_a_message_as_rendered_without_its_one_time_link(person) -> None:
    _, token = person(admin=True)
    reference = mail.new_reference()
    with session_scope(write=True) as s:
        message = mail.enqueue(
            s,
            to="ada@example.com",
            subject="Reset your password",
            template="password_reset",
            context={"display_name": "Ada", "reset_path": f"/reset-password?token={mail.sealed(reference)}"},
        )
    state = _state(token, AdminMailState, "/admin/mail")
    run(state.load())
    run(state.search({"status": "", "recipient": "", "template": "password_reset"}))
    assert [r.id for r in state.rows] == [str(message.id)] and state.rows[0].template == "Password reset"
    run(state.view_message(str(message.id)))
    assert state.view_open and state.shown.subject == "Reset your password"
    assert (
        mail_reports.HIDDEN_LINK in state.shown.html and mail.link_secret(reference) not in state.shown.html
    )
    assert "Ada" in state.shown.text
    run(state.close_view())
    assert not state.view_open
    run(state.view_message("00000000-0000-0000-0000-000000000000"))
    assert state.error


def test_an_announcement_is_previewed_then_sent_to_one_package(person, make_event, make_user) -> None:
    _, token = person(admin=True)
    event = make_event(
        "Gala", packages=[{"title": "Standard", "capacity": 5}, {"title": "VIP", "capacity": 5}]
    )
    standard, vip = (p.id for p in catalogue.get_event(event.id).packages)
    ada, bea = make_user(display_name="Ada"), make_user(display_name="Bea")
    registrations.register(ada.id, standard, actor=Actor.user(ada))
    registrations.register(bea.id, vip, actor=Actor.user(bea))
    state = _state(token, AdminAnnounceState, "/admin/mail")
    run(state.load())
    assert [o.label.split(" — ")[0] for o in state.event_options] == ["Gala"]
    run(state.send())  # nothing previewed yet
    assert "Preview" in state.errors["form"]
    run(state.preview({"subject": "", "body": ""}))
    assert set(state.errors) == {"event_id", "subject", "body"} and not state.previewing
    run(state.choose_event(str(event.id)))
    assert [o.label for o in state.package_options] == ["Standard", "VIP"]
    run(state.preview({"subject": "VIP lounge", "body": "Upstairs.\n\nFrom 19:00.", "package_id": vip}))
    assert state.previewing and state.preview_people == 1 and state.preview_sample == "Bea"
    assert "Upstairs." in state.preview_html and "From 19:00." in state.preview_html
    with session_scope() as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.template == "announcement")).all() == []
    run(state.edit())
    assert not state.previewing and state.subject == "VIP lounge"  # the draft is kept for editing
    run(state.preview({"subject": "VIP lounge", "body": "Upstairs.", "package_id": vip}))
    run(state.send())
    with session_scope() as s:
        sent = s.exec(select(OutboxMessage).where(OutboxMessage.template == "announcement")).all()
    assert [m.recipient for m in sent] == [bea.email] and not state.previewing
