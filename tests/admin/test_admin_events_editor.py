"""The events section's editor, through its handlers as an administrator: sort the list, duplicate an
event with its packages, the Markdown description's live preview (sanitized as the public page renders
it), the image picked from the library or uploaded inline, deleting a draft (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import reflex as rx
from starlette.datastructures import Headers

from khala.admin.state import AdminEventsState
from khala.audit.service import SYSTEM, Actor
from khala.events import catalogue, forms, reports
from khala.events import service as events
from khala.events.models import EventStatus
from khala.images import service as images
from khala.registrations import service as registrations
from tests.handlers import run, state_tree, substate

NEW_EVENT = {
    "title": "Hacker Gala",
    "summary": "",
    "category": "",
    "venue_id": "",
    "starts_at": "2031-05-01T19:00",
    "ends_at": "",
    "timezone": "Europe/Stockholm",
    "status": "draft",
}


@pytest.fixture
def state(person):
    _, token = person(admin=True)
    s = substate(state_tree(token, path="/admin/events", ip="10.7.0.1"), AdminEventsState)
    run(s.load())
    return s


def test_the_list_sorts_by_a_column_and_turns_round(state, make_event) -> None:
    make_event("beta", starts_in=timedelta(days=1))
    make_event("Alpha", starts_in=timedelta(days=3))
    make_event("gamma", starts_in=timedelta(days=2))
    run(state.load())
    assert [r.title for r in state.rows] == ["Alpha", "gamma", "beta"]  # latest start first
    run(state.sort_by("title"))
    assert (state.sort_key, state.sort_desc) == ("title", False)
    assert [r.title for r in state.rows] == ["Alpha", "beta", "gamma"]
    run(state.sort_by("title"))
    assert [r.title for r in state.rows] == ["gamma", "beta", "Alpha"]
    run(state.sort_by("nonsense"))  # ignored
    assert state.sort_key == "title"
    run(state.search({"q": "a", "status": ""}))  # search and paging keep the sort
    assert [r.title for r in state.rows] == ["gamma", "beta", "Alpha"]


def test_duplicate_an_event_with_its_packages(state, make_event, make_user) -> None:
    event = make_event(
        "Gala",
        packages=[{"title": "VIP", "capacity": 2, "price_minor": 50000}, {"title": "Std", "capacity": 50}],
        status=EventStatus.draft,
    )
    events.set_status(event.id, "published", actor=SYSTEM)
    user = make_user()
    registrations.register(user.id, catalogue.get_event(event.id).packages[0].id, actor=Actor.user(user))
    reply = run(state.duplicate_event(str(event.id)))
    assert "Created the draft “Gala (copy)” with 2 package(s)." in str(reply)
    copy = state.selected
    assert (copy.title, copy.status) == ("Gala (copy)", "draft") and copy.id != str(event.id)
    assert [(p.title, p.seats) for p in copy.packages] == [("VIP", "0 / 2"), ("Std", "0 / 50")]
    assert [r.title for r in state.rows].count("Gala (copy)") == 1
    assert catalogue.get_event(event.id).packages[0].taken == 1  # the original is untouched


def test_the_description_preview_renders_sanitized_markdown(state) -> None:
    run(state.start_create())
    assert state.preview_html == ""
    run(state.preview_description("## Programme\n\n- doors **18:00**\n\n<script>alert(1)</script>"))
    assert "<h3>Programme</h3>" in state.preview_html and "<strong>18:00</strong>" in state.preview_html
    assert "<script>" not in state.preview_html and "&lt;script&gt;" in state.preview_html
    run(state.create_event({**NEW_EVENT, "description": state.description_draft}))
    detail = catalogue.get_event(state.selected.id, include_unpublished=True)
    assert detail.description.startswith("## Programme")
    run(state.start_edit())  # the edit form starts from the event's own description and its preview
    assert state.description_draft == detail.description and "<h3>Programme</h3>" in state.preview_html


def _upload(data: bytes, name: str = "poster.png") -> list[rx.UploadFile]:
    return [
        rx.UploadFile(
            file=BytesIO(data),
            path=Path(name),
            size=len(data),
            headers=Headers({"content-type": "image/png"}),
        )
    ]


def test_the_image_is_picked_from_the_library_or_uploaded_inline(state, image_store, png) -> None:
    stored = images.create_image(png(), name="library.png", alt_text="From the library", actor=SYSTEM)
    run(state.start_create())
    assert [o.label for o in state.images] == ["library.png — From the library"]
    run(state.pick_image(str(stored.id)))
    assert state.picked_image == str(stored.id) and "card.webp" in state.picked_url
    assert "Choose an image from the list" in str(run(state.pick_image("not-an-image")))
    assert state.picked_image == str(stored.id)

    run(state.upload_event_image(_upload(png())))  # no alt text yet
    assert set(state.inline_errors) == {"alt_text"} and state.picked_image == str(stored.id)
    run(state.set_inline_alt("The stage at night"))
    run(state.upload_event_image(_upload(png(), "inline.png")))
    assert state.inline_errors == {} and state.inline_alt == ""
    new_id = state.picked_image
    assert new_id != str(stored.id) and "card.webp" in state.picked_url
    assert "inline.png — The stage at night" in [o.label for o in state.images]
    run(state.create_event({**NEW_EVENT, "description": "", "image_id": new_id}))
    assert forms.event_form_values(state.selected.id)["image_id"] == new_id
    assert state.selected.image_alt == "The stage at night" and "card.webp" in state.selected.image_url


def test_delete_a_draft_nobody_registered_for(state, make_event, make_user) -> None:
    draft = make_event("Draft", status=EventStatus.draft)
    held = make_event("Held", status=EventStatus.draft)
    events.set_status(held.id, "published", actor=SYSTEM)
    user = make_user()
    registrations.register(user.id, catalogue.get_event(held.id).packages[0].id, actor=Actor.user(user))
    run(state.open_event(str(draft.id)))
    run(state.delete_event(str(draft.id)))
    assert state.selected.id == "" and [r.title for r in state.rows] == ["Held"]
    reply = run(state.delete_event(str(held.id)))
    assert "cannot be deleted. Cancel it instead." in str(reply)
    assert reports.list_events_admin().total == 1
