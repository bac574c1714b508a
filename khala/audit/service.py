"""The audit trail: ``record(session, actor, action, obj, changes)`` inside the caller's transaction.

Every service function that changes data on behalf of someone takes a keyword-only ``actor`` and calls
``record`` in the same session, so an entry exists exactly when the change committed (pretix's
``log_action``, Zulip's ``RealmAuditLog``)::

    with session_scope(write=True) as s:
        before = audit.snapshot(event, ("status",))
        event.status = EventStatus.published
        audit.record(s, actor, "event.published", event, audit.diff(before, audit.snapshot(event, ("status",))))

Actors are a signed-in user (``Actor.user(user)``), an API key (``Actor.api_key(key)``) or the system
(``Actor.system("mail worker")``). Values are stored JSON-safe: UUIDs and enums as strings, datetimes in ISO 8601.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol, TypedDict, Unpack

from sqlalchemy import func
from sqlmodel import Session, select

from khala.audit.models import AuditEntry
from khala.db import session_scope, utcnow
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of

ActorKind = Literal["user", "api_key", "system"]


class _HasId(Protocol):
    id: Any


@dataclass(frozen=True)
class Actor:
    """Who a change is made on behalf of. Plain data: safe to pass across threads and layers."""

    kind: ActorKind
    id: uuid.UUID | None = None
    label: str = ""

    @classmethod
    def user(cls, user: Any) -> Actor:
        """A person: anything with ``id`` and ``email`` (a User row, a session's view of it), or a bare id."""
        raw = user if isinstance(user, uuid.UUID | str) else user.id
        uid = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
        return cls("user", uid, str(getattr(user, "email", "") or "")[:254])

    @classmethod
    def api_key(cls, key: Any) -> Actor:
        kid = key.id if isinstance(key.id, uuid.UUID) else uuid.UUID(str(key.id))
        return cls("api_key", kid, str(getattr(key, "name", "") or "")[:254])

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls("system", None, what[:254])

    @property
    def user_id(self) -> uuid.UUID | None:
        """The user's id when the actor is a person, else None."""
        return self.id if self.kind == "user" else None

    def __str__(self) -> str:
        return f"{self.kind}:{self.label or self.id or ''}"


SYSTEM = Actor.system()


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it (UUID, enum, datetime, set and tuple included)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``obj``, JSON-safe: take one before and one after a change, then ``diff``."""
    return {f: jsonable(getattr(obj, f, None)) for f in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [before, after]}`` for each field whose value differs."""
    changes: dict[str, list[Any]] = {}
    for key in dict.fromkeys([*before, *after]):
        old, new = jsonable(before.get(key)), jsonable(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def object_type_of(obj: object) -> str:
    name = getattr(obj, "__tablename__", None) or type(obj).__name__
    return str(name).lower()[:40]


class EntryOptions(TypedDict, total=False):
    """The keyword options of ``record`` and ``values``."""

    object_type: str | None  # instead of obj's table name
    object_id: object  # instead of obj's id
    data: Mapping[str, Any] | None  # context that is not a change
    at: datetime | None  # default: now


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: _HasId | None = None,
    changes: Mapping[str, Any] | None = None,
    **options: Unpack[EntryOptions],
) -> AuditEntry:
    """Add one entry to ``session`` (the change's own transaction; nothing is committed here).

    ``obj`` names what changed (its table name and id); ``object_type``/``object_id`` override that.
    ``changes`` maps field names to ``[before, after]`` (see ``diff``), or to a single value for a creation.
    """
    entry = AuditEntry(**values(actor, action, obj, changes, **options))
    session.add(entry)
    return entry


def values(
    actor: Actor,
    action: str,
    obj: _HasId | None = None,
    changes: Mapping[str, Any] | None = None,
    **options: Unpack[EntryOptions],
) -> dict[str, Any]:
    """The column values of the entry ``record`` adds, for a caller that writes it with its own INSERT in
    its own transaction (the registration hot path, in the statement that takes the seat)."""
    if not isinstance(actor, Actor):
        raise TypeError(f"actor must be an audit Actor, not {type(actor).__name__}")
    if unknown := set(options) - set(EntryOptions.__annotations__):
        raise TypeError(f"unknown audit options: {', '.join(sorted(unknown))}")
    if not action or "." not in action:
        raise ValueError(f"audit action {action!r} must be a dotted name such as 'event.published'")
    object_type = options.get("object_type")
    if object_type is None:
        object_type = object_type_of(obj) if obj is not None else ""
    object_id = options.get("object_id")
    if object_id is None and obj is not None:
        object_id = getattr(obj, "id", None)
    return {
        "id": uuid.uuid4(),
        "at": options.get("at") or utcnow(),
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "action": action[:80],
        "object_type": object_type[:40],
        "object_id": "" if object_id is None else str(object_id)[:64],
        "changes": jsonable(dict(changes or {})),
        "data": jsonable(dict(options.get("data") or {})),
    }


# ---------------------------------------------------------------- reading the trail


@dataclass(frozen=True)
class AuditRow:
    id: str
    at: datetime
    actor_kind: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    changes: dict[str, Any]
    data: dict[str, Any]


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(
        id=str(e.id),
        at=e.at,
        actor_kind=e.actor_kind,
        actor_id=str(e.actor_id or ""),
        actor_label=e.actor_label,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        changes=dict(e.changes or {}),
        data=dict(e.data or {}),
    )


def list_entries(
    *,
    object_type: str | None = None,
    object_id: object = None,
    actor_id: object = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: object = 1,
    page_size: object = 50,
) -> Page[AuditRow]:
    """Newest first, filtered by object, actor or action (an action ending in ``.`` is a prefix), by who
    acted as they were called then (``actor``: part of the label, case-insensitive, or the kind ``system`` /
    ``api_key``), and by time (``since`` inclusive, ``until`` exclusive)."""
    size = clamp_page_size(page_size)
    conditions = []
    if actor:
        who = actor.strip().lower()[:254]
        if who in ("system", "api_key"):
            conditions.append(AuditEntry.actor_kind == who)
        else:
            conditions.append(func.lower(AuditEntry.actor_label).contains(who, autoescape=True))
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    if object_type:
        conditions.append(AuditEntry.object_type == object_type)
    if object_id is not None and object_id != "":
        conditions.append(AuditEntry.object_id == str(object_id))
    if actor_id is not None and actor_id != "":
        try:
            conditions.append(AuditEntry.actor_id == uuid.UUID(str(actor_id)))
        except ValueError:
            return Page(items=[], total=0, page=1, page_size=size)
    if action:
        if action.endswith("."):
            conditions.append(AuditEntry.action.startswith(action, autoescape=True))
        else:
            conditions.append(AuditEntry.action == action)
    with session_scope() as s:
        total = s.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
        number = clamp_page(page, total, size)
        rows = s.exec(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset(offset_of(number, size))
            .limit(size)
        ).all()
        return Page(items=[_row(e) for e in rows], total=total, page=number, page_size=size)


def entries_for(session: Session, obj: _HasId) -> list[AuditEntry]:
    """Every entry about ``obj``, oldest first (inside a caller's session; for tests and exports)."""
    return list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.object_type == object_type_of(obj), AuditEntry.object_id == str(obj.id))
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
    )


def actions_in_use(limit: int = 300) -> list[str]:
    """The action names the trail holds, sorted (for the audit page's filter)."""
    with session_scope() as s:
        rows = s.exec(select(AuditEntry.action).distinct().order_by(AuditEntry.action).limit(limit)).all()
    return [str(a) for a in rows]
