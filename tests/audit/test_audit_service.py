"""The audit trail: entries commit with the change or not at all, values are JSON-safe, lists page."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.db import session_scope


class _Colour(enum.StrEnum):
    red = "red"


class _Thing:
    __tablename__ = "thing"

    def __init__(self) -> None:
        self.id = uuid.uuid4()
        self.title = "Old"
        self.colour = _Colour.red
        self.when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_entry_commits_with_the_change_and_rolls_back_with_it(db):
    actor = audit.Actor.system("test")
    thing = _Thing()
    with session_scope(write=True) as s:
        audit.record(s, actor, "thing.created", thing, {"title": "Old"})
    with pytest.raises(RuntimeError), session_scope(write=True) as s:
        audit.record(s, actor, "thing.renamed", thing, {"title": ["Old", "New"]})
        raise RuntimeError("the change failed")
    with session_scope() as s:
        entries = audit.entries_for(s, thing)
    assert [e.action for e in entries] == ["thing.created"]
    assert entries[0].object_type == "thing" and entries[0].object_id == str(thing.id)
    assert entries[0].actor_kind == "system" and entries[0].actor_label == "test"


def test_snapshot_and_diff_keep_only_changed_fields_as_json(db):
    thing = _Thing()
    before = audit.snapshot(thing, ("title", "colour", "when", "id"))
    thing.title = "New"
    changes = audit.diff(before, audit.snapshot(thing, ("title", "colour", "when", "id")))
    assert changes == {"title": ["Old", "New"]}
    assert before["colour"] == "red" and before["when"] == "2026-01-02T03:04:00+00:00"
    user = type("U", (), {"id": uuid.uuid4(), "email": "ann@example.com"})()
    with session_scope(write=True) as s:
        audit.record(s, audit.Actor.user(user), "thing.renamed", thing, changes, data={"at": thing.when})
    with session_scope() as s:
        entry = s.exec(select(AuditEntry)).one()
    assert entry.actor_id == user.id and entry.actor_kind == "user" and entry.actor_label == "ann@example.com"
    assert entry.changes == {"title": ["Old", "New"]} and entry.data == {"at": "2026-01-02T03:04:00+00:00"}


def test_record_refuses_a_missing_actor_and_undotted_actions(db):
    with session_scope() as s:
        with pytest.raises(TypeError):
            audit.record(s, None, "thing.created", _Thing())  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            audit.record(s, audit.SYSTEM, "created", _Thing())


def test_list_entries_filters_and_pages_newest_first(db):
    a, b = _Thing(), _Thing()
    actor = audit.Actor("user", uuid.uuid4(), "x@example.com")
    with session_scope(write=True) as s:
        for i in range(5):
            audit.record(s, actor, "thing.renamed", a, {"n": [i, i + 1]})
        audit.record(s, audit.SYSTEM, "other.deleted", b)
    page = audit.list_entries(object_type="thing", object_id=a.id, page_size=2, page=2)
    assert page.total == 5 and page.pages == 3 and page.page == 2 and len(page.items) == 2
    assert audit.list_entries(action="thing.").total == 5
    assert audit.list_entries(actor_id=actor.id).total == 5
    assert audit.list_entries(actor_id="not-a-uuid").total == 0
    assert audit.list_entries(page="junk").page == 1
    assert audit.list_entries(page=99, page_size=4).page == 2
