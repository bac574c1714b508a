"""Each admin action, run through its handler as a signed-in administrator, writes exactly one audit entry,
with the administrator as the actor and the right action name (on both databases)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import select
from starlette.datastructures import Headers

from khala.admin.state import (
    AdminEventsState,
    AdminMailState,
    AdminRegistrationsState,
    ImageUploadState,
    UsersAdminState,
)
from khala.audit.models import AuditEntry
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope, utcnow
from khala.events import catalogue, reports
from khala.events import service as events
from khala.events.models import EventStatus
from khala.images import service as images
from khala.mail.models import OutboxMessage
from khala.registrations import service as registrations
from tests.admin.conftest import PASSWORD
from tests.handlers import run, state_tree, substate

NEW_EVENT = {
    "title": "Hacker Gala",
    "summary": "",
    "description": "",
    "category": "",
    "venue_id": "",
    "starts_at": "2031-05-01T19:00",
    "ends_at": "",
    "timezone": "Europe/Stockholm",
    "status": "draft",
}


def _ids() -> set:
    with session_scope() as s:
        return set(s.exec(select(AuditEntry.id)).all())


class Trail:
    """The entries written since the last ``new()``."""

    def __init__(self) -> None:
        self.seen = _ids()

    def new(self) -> list[AuditEntry]:
        with session_scope() as s:
            rows = [
                e for e in s.exec(select(AuditEntry).order_by(AuditEntry.at)).all() if e.id not in self.seen
            ]
        self.seen |= {e.id for e in rows}
        return rows


@pytest.fixture
def admin(person):
    user, token = person(admin=True)
    return user, token


def _state(token: str, cls, path: str = "/admin/events"):
    return substate(state_tree(token, path=path, ip="10.7.0.1"), cls)


def _one(trail: Trail, admin_user, action: str, *, by_the_system: tuple[str, ...] = ()) -> AuditEntry:
    """Exactly one new entry by the administrator, named ``action``; anything else new is the system's own
    follow-up (named in ``by_the_system``)."""
    entries = trail.new()
    mine = [e for e in entries if e.actor_kind == "user"]
    others = sorted(e.action for e in entries if e.actor_kind != "user")
    assert [(e.action, e.actor_id, e.actor_label) for e in mine] == [
        (action, admin_user.id, admin_user.email)
    ]
    assert others == sorted(by_the_system)
    return mine[0]


def test_event_actions_are_audited_once_each_as_the_admin(admin, make_event) -> None:
    user, token = admin
    make_event("Existing")  # a category and a venue to choose
    state = _state(token, AdminEventsState)
    run(state.load())
    run(state.start_create())
    trail = Trail()

    run(state.create_venue({"name": "Stadshallen", "city": "Lund", "country": "SE"}))
    venue = _one(trail, user, "location.created")
    run(state.create_event({**NEW_EVENT, "venue_id": venue.object_id}))
    created = _one(trail, user, "event.created")
    assert state.selected.id == created.object_id

    run(state.start_edit())
    run(state.save_event({**state.edit_values, "title": "Hacker Gala 2031"}))
    assert _one(trail, user, "event.updated").changes["title"] == ["Hacker Gala", "Hacker Gala 2031"]

    run(state.add_package({"title": "Standard", "price": "100", "currency": "SEK", "capacity": "10"}))
    _one(trail, user, "package.created")

    event_id = state.selected.id
    run(state.set_status(event_id, "published"))
    _one(trail, user, "event.published")
    run(state.set_status(event_id, "draft"))
    _one(trail, user, "event.unpublished")
    run(state.set_status(event_id, "cancelled"))
    _one(trail, user, "event.cancelled")
    assert catalogue.get_event(event_id, include_unpublished=True).status == "cancelled"

    # created straight away as published: still one entry, the creation
    run(state.start_create())
    run(state.create_event({**NEW_EVENT, "title": "Open Day", "status": "published"}))
    assert _one(trail, user, "event.created").changes["status"] == "published"


def test_failed_admin_actions_write_nothing(admin, make_event) -> None:
    _, token = admin
    event = make_event("Gala")
    state = _state(token, AdminEventsState)
    run(state.load())
    trail = Trail()
    run(state.create_event({**NEW_EVENT, "title": ""}))  # a field error
    run(state.set_status(str(event.id), "archived"))  # no such status
    run(state.create_venue({"name": "", "city": ""}))
    assert trail.new() == []
    assert reports.list_events_admin().total == 1


def test_cancelling_a_registration_on_someones_behalf(admin, make_event, make_user) -> None:
    user, token = admin
    event = make_event("Gala", packages=[{"title": "Std", "capacity": 1}], status=EventStatus.draft)
    events.set_status(event.id, "published", actor=SYSTEM)
    package_id = catalogue.get_event(event.id).packages[0].id
    holder, waiting = make_user(), make_user()
    held = registrations.register(holder.id, package_id, actor=Actor.user(holder))
    registrations.register(waiting.id, package_id, actor=Actor.user(waiting), waitlist=True)
    state = _state(token, AdminRegistrationsState, "/admin/registrations")
    run(state.load())
    run(state.choose_event(str(event.id)))
    trail = Trail()
    run(state.cancel(held.id))
    entry = _one(trail, user, "registration.cancelled_by_admin", by_the_system=("registration.promoted",))
    assert entry.object_id == str(held.id)


def test_retrying_a_mail(admin) -> None:
    user, token = admin
    with session_scope(write=True) as s:
        message = OutboxMessage(
            message_id="<audit-retry@khala>",
            recipient="someone@example.com",
            subject="Hello",
            template="verify_email",
            html_body="",
            text_body="",
            status="failed",
            attempts=8,
            last_error="550",
            created_at=utcnow(),
        )
        s.add(message)
    state = _state(token, AdminMailState, "/admin/mail")
    run(state.load())
    trail = Trail()
    run(state.retry(str(message.id)))
    assert _one(trail, user, "mail.retried").object_id == str(message.id)


def test_granting_and_revoking_admin(admin, make_user) -> None:
    user, token = admin
    other = make_user()
    state = _state(token, UsersAdminState, "/admin/users")
    run(state.load())
    trail = Trail()
    run(state.set_admin(str(other.id), True))
    run(state.confirm_password({"password": PASSWORD}))  # granting asks for the password again
    assert _one(trail, user, "user.admin_granted").object_id == str(other.id)
    run(state.set_admin(str(other.id), True))  # already an admin: nothing changed, nothing written
    assert trail.new() == []
    run(state.set_admin(str(other.id), False))
    assert _one(trail, user, "user.admin_revoked").object_id == str(other.id)


def test_uploading_and_deleting_an_image(admin, image_store, png) -> None:
    user, token = admin
    state = _state(token, ImageUploadState, "/admin/images")
    run(state.set_alt_text("A red poster"))
    data = png()
    upload = rx.UploadFile(
        file=BytesIO(data),
        path=Path("poster.png"),
        size=len(data),
        headers=Headers({"content-type": "image/png"}),
    )
    trail = Trail()
    run(state.handle_upload([upload]))
    assert state.errors == {} and state.image_id
    assert _one(trail, user, "image.uploaded").object_id == state.image_id
    image_id = state.image_id
    run(state.delete_image(image_id))
    assert _one(trail, user, "image.deleted").object_id == image_id
    assert images.list_images() == []


def test_event_editor_actions_are_audited_once_each_as_the_admin(
    admin, make_event, make_user, image_store, png
):
    from khala.events import forms

    user, token = admin
    event = make_event(
        "Gala", packages=[{"title": "Std", "capacity": 1}, {"title": "Spare"}], status=EventStatus.draft
    )
    events.set_status(event.id, "published", actor=SYSTEM)
    std = catalogue.get_event(event.id).packages[0].id
    holder, waiting = make_user(), make_user()
    registrations.register(holder.id, std, actor=Actor.user(holder))
    registrations.register(waiting.id, std, actor=Actor.user(waiting), waitlist=True)
    state = _state(token, AdminEventsState)
    run(state.load())
    run(state.open_event(str(event.id)))
    trail = Trail()

    run(state.edit_package(std))
    run(state.save_package({**state.package_values, "capacity": "2"}))
    entry = _one(trail, user, "package.capacity_changed", by_the_system=("registration.promoted",))
    assert entry.changes == {"capacity": [1, 2]}
    run(state.edit_package(std))
    run(state.save_package({**state.package_values, "title": "Standard", "price": "100"}))
    assert set(_one(trail, user, "package.updated").changes) == {"title", "price_minor"}
    spare = state.selected.packages[1].id
    run(state.move_package_up(spare))
    _one(trail, user, "event.packages_reordered")
    run(state.close_package_sales(std))
    _one(trail, user, "package.sales_closed")
    run(state.remove_package(spare))
    assert _one(trail, user, "package.deleted").object_id == spare

    run(state.duplicate_event(str(event.id)))
    copy = _one(trail, user, "event.duplicated")
    assert copy.object_id == state.selected.id and copy.data["source"] == str(event.id)
    run(state.delete_event(copy.object_id))
    assert _one(trail, user, "event.deleted").object_id == copy.object_id

    run(state.start_create())
    run(state.set_inline_alt("The stage"))
    data = png()
    upload = rx.UploadFile(
        file=BytesIO(data),
        path=Path("stage.png"),
        size=len(data),
        headers=Headers({"content-type": "image/png"}),
    )
    run(state.upload_event_image([upload]))
    assert _one(trail, user, "image.uploaded").object_id == state.picked_image

    # refused changes write nothing: capacity below the seats taken, a package people registered for
    run(state.open_event(str(event.id)))
    run(state.edit_package(std))
    run(state.save_package({**state.package_values, "capacity": "1"}))
    assert "cannot be lower than 2" in state.package_edit_errors["capacity"]
    run(state.remove_package(std))
    assert trail.new() == []
    assert forms.package_form_values(std)["capacity"] == "2"


def test_venue_and_category_actions_are_audited_once_each_as_the_admin(admin, make_event) -> None:
    from khala.admin.state import AdminVenuesState

    user, token = admin
    used = make_event("Gala", venue="Cirkus", category="jazz")
    state = _state(token, AdminVenuesState, "/admin/venues")
    run(state.load())
    trail = Trail()
    run(state.save_venue({"venue_id": "", "name": "Stadshallen", "city": "Lund", "country": "SE"}))
    venue = _one(trail, user, "location.created")
    run(
        state.save_venue(
            {"venue_id": venue.object_id, "name": "Stadshallen", "city": "Malmö", "country": "SE"}
        )
    )
    assert _one(trail, user, "location.updated").changes == {"city": ["Lund", "Malmö"]}
    run(state.delete_venue(venue.object_id))
    _one(trail, user, "location.deleted")
    run(state.create_category({"name": "Food", "slug": "food"}))
    _one(trail, user, "category.created")
    run(state.edit_category("food"))
    run(state.save_category({"name": "Food & Drink", "slug": "food"}))
    assert _one(trail, user, "category.updated").changes == {"name": ["Food", "Food & Drink"]}
    run(state.delete_category("food"))
    _one(trail, user, "category.deleted")
    # in use: refused, nothing written
    run(state.delete_venue(str(used.location_id)))
    run(state.delete_category("jazz"))
    assert trail.new() == []


def test_editing_an_images_alt_text_is_audited(admin, image_store, png) -> None:
    user, token = admin
    image = images.create_image(png(), name="poster.png", alt_text="A poster", actor=SYSTEM)
    state = _state(token, ImageUploadState, "/admin/images")
    run(state.load())
    trail = Trail()
    run(state.save_alt_text(str(image.id), {"alt_text": "A red poster"}))
    assert _one(trail, user, "image.updated").changes == {"alt_text": ["A poster", "A red poster"]}
    run(state.save_alt_text(str(image.id), {"alt_text": ""}))  # required: refused, nothing written
    assert trail.new() == []
