"""The image library at /admin/images: a page of images with signed card URLs, alt text editable (and
required), where each image is used, and deletion refused while events show it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import reflex as rx
from starlette.datastructures import Headers

from khala.admin.state import ImageUploadState
from khala.audit.service import SYSTEM
from khala.errors import Conflict
from khala.events import forms
from khala.images import service as images
from tests.handlers import run, state_tree, substate


@pytest.fixture
def library(person, image_store):
    _, token = person(admin=True)
    state = substate(state_tree(token, path="/admin/images", ip="10.7.0.1"), ImageUploadState)
    run(state.load())
    return state


def _upload(data: bytes, name: str = "poster.png") -> list[rx.UploadFile]:
    return [
        rx.UploadFile(
            file=BytesIO(data),
            path=Path(name),
            size=len(data),
            headers=Headers({"content-type": "image/png"}),
        )
    ]


def test_the_library_shows_each_image_with_its_usage(library, make_event, png) -> None:
    used = images.create_image(png(), name="gala.png", alt_text="The stage", actor=SYSTEM)
    images.create_image(png((400, 300)), name="spare.png", alt_text="A spare", actor=SYSTEM)
    event = make_event("Gala", image_id=used.id)
    make_event("Encore", image_id=used.id, status="draft", starts_in=timedelta(days=5))
    run(library.load())
    cards = {c.name: c for c in library.cards}
    assert list(cards) == ["spare.png", "gala.png"]  # newest first
    gala = cards["gala.png"]
    assert gala.used and gala.usage_count == 2 and gala.usage == "Gala and Encore (draft)"
    assert gala.url.startswith("/media/images/") and "card.webp" in gala.url
    assert not images.needs_resign(gala.expires_at)
    assert cards["spare.png"].size == "400 × 300 px" and not cards["spare.png"].used
    run(library.search({"q": "STAGE"}))  # the alt text is searched too
    assert [c.name for c in library.cards] == ["gala.png"]
    assert forms.event_form_values(event.id)["image_id"] == str(used.id)


def test_alt_text_is_edited_on_the_card_and_required(library, png) -> None:
    image = images.create_image(png(), name="gala.png", alt_text="The stage", actor=SYSTEM)
    run(library.load())
    run(library.save_alt_text(str(image.id), {"alt_text": "   "}))
    assert library.card_errors == {
        str(image.id): "Describe the image in a few words (alt text) for people who cannot see it."
    }
    assert images.get_image_by_id(image.id).alt_text == "The stage"
    run(library.save_alt_text(str(image.id), {"alt_text": "  Dancers   on the stage "}))
    assert library.card_errors == {}
    assert library.cards[0].alt_text == "Dancers on the stage"
    assert images.get_image_by_id(image.id).alt_text == "Dancers on the stage"


def test_an_image_in_use_cannot_be_deleted(library, make_event, png) -> None:
    image = images.create_image(png(), name="gala.png", alt_text="The stage", actor=SYSTEM)
    make_event("Gala", image_id=image.id)
    reply = run(library.delete_image(str(image.id)))
    assert "“gala.png” is the image of 1 event (Gala); choose another image" in str(reply)
    with pytest.raises(Conflict):
        images.remove_image(image.id, actor=SYSTEM)
    assert images.get_image_by_id(image.id).name == "gala.png"
    spare = images.create_image(png(), name="spare.png", alt_text="A spare", actor=SYSTEM)
    run(library.load())
    run(library.delete_image(str(spare.id)))
    assert [c.name for c in library.cards] == ["gala.png"]


def test_an_upload_appears_first_in_the_library(library, png) -> None:
    images.create_image(png(), name="old.png", alt_text="Old", actor=SYSTEM)
    run(library.set_alt_text("A red poster"))
    run(library.handle_upload(_upload(png(), "new.png")))
    assert library.errors == {}
    assert [c.name for c in library.cards] == ["new.png", "old.png"] and library.total == 2
