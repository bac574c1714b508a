"""Uploading, editing and deleting an image each write exactly one audit entry with the actor, in the
change's own transaction (on SQLite and PostgreSQL: ``db`` fixture)."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import InvalidInput, NotFound
from khala.images import service
from khala.images.models import Image

ADMIN = Actor("user", uuid.UUID("00000000-0000-4000-8000-0000000000a1"), "admin@example.com")


def _entries() -> list[AuditEntry]:
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditEntry)
                .where(AuditEntry.object_type == "image")
                .order_by(AuditEntry.at, AuditEntry.id)
            ).all()
        )


def _by_admin(entry: AuditEntry) -> None:
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", ADMIN.id, "admin@example.com")


def test_upload_edit_and_delete_are_audited_with_the_actor(db, use_local, make_image) -> None:
    image = service.create_image(
        make_image("PNG", (640, 480)),
        name="poster.png",
        alt_text="A red square",
        description="Red",
        actor=ADMIN,
    )
    [uploaded] = _entries()
    assert (uploaded.action, uploaded.object_id) == ("image.uploaded", str(image.id))
    _by_admin(uploaded)
    assert uploaded.changes == {"name": "poster.png", "alt_text": "A red square", "description": "Red"}
    assert uploaded.data == {"width": 640, "height": 480, "source_format": "PNG"}

    updated = service.update_image(str(image.id), alt_text="  A  bright red square ", actor=ADMIN)
    assert updated.alt_text == "A bright red square"
    _, edited = _entries()
    assert edited.action == "image.updated"
    _by_admin(edited)
    assert edited.changes == {"alt_text": ["A red square", "A bright red square"]}

    service.remove_image(image.id, actor=ADMIN)
    *_, deleted = _entries()
    assert [e.action for e in _entries()] == ["image.uploaded", "image.updated", "image.deleted"]
    _by_admin(deleted)
    assert deleted.object_id == str(image.id) and deleted.data["name"] == "poster.png"
    assert deleted.data["storage_key"] == image.storage_key


def test_store_image_records_in_the_callers_transaction(db, use_local, make_image) -> None:
    with pytest.raises(RuntimeError), session_scope(write=True) as s:
        service.store_image(s, make_image(), name="a.jpg", alt_text="An image", actor=ADMIN)
        raise RuntimeError("the caller's change failed")
    assert _entries() == []
    with session_scope() as s:
        assert s.exec(select(Image)).all() == []


def test_refused_changes_write_nothing(db, use_local, make_image) -> None:
    with pytest.raises(InvalidInput):
        service.create_image(b"not an image", name="x.jpg", alt_text="An image", actor=ADMIN)
    with pytest.raises(InvalidInput):
        service.create_image(make_image(), name="x.jpg", alt_text=" ", actor=ADMIN)
    assert _entries() == []

    image = service.create_image(make_image(), name="x.jpg", alt_text="An image", actor=ADMIN)
    with pytest.raises(InvalidInput) as exc:
        service.update_image(image.id, alt_text="", name="", actor=ADMIN)
    assert set(exc.value.errors) == {"alt_text", "name"}
    service.update_image(image.id, alt_text="An image", actor=ADMIN)  # the same text: nothing changes
    with pytest.raises(NotFound, match=r"That image does not exist\."):
        service.update_image("not-an-id", alt_text="An image", actor=ADMIN)
    with pytest.raises(NotFound):
        service.remove_image(uuid.uuid4(), actor=ADMIN)
    assert [e.action for e in _entries()] == ["image.uploaded"]
