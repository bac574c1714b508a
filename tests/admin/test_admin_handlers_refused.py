"""Every event handler of every admin state refuses anonymous clients and signed-in non-administrators.

Any client can call any handler by name, so this test does what a hostile client could: it finds every
subclass of ``AdminState`` by introspection (every module of ``khala.admin.state`` is imported first), and
calls every name in ``cls.event_handlers`` with plausible arguments built from the handler's own signature
(the ids of real rows, a filled-in form, a real image file). Each call must be refused (a toast, or for the
on_loads a trip to sign in / the "Admins only" page), send nothing private to the browser and change nothing
in the database: every table's rows, ``audit_entry`` included, are compared before and after each call.

A handler added later is covered without touching this file; one whose parameter has no plausible value
here fails with a message saying which value to add. The last test runs the same calls as an administrator
and checks they do change things, so the arguments are not simply wrong.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
import sqlalchemy as sa
from reflex_base.utils import format
from sqlmodel import SQLModel
from starlette.datastructures import Headers

import khala.admin.state as admin_state_package
import khala.models  # noqa: F401  (every table in SQLModel.metadata)
from khala.admin.state.base import ADMIN_ONLY, REFUSED, AdminState
from khala.admin.state.events import EventEditView
from khala.api import keys
from khala.audit.service import SYSTEM, Actor
from khala.db import session_scope, utcnow
from khala.events import catalogue
from khala.events import service as events
from khala.events.models import EventStatus
from khala.images import service as images
from khala.mail.models import OutboxMessage
from khala.registrations import service as registrations
from tests.admin.conftest import PASSWORD
from tests.handlers import run, state_tree, substate

# Columns a refused call may touch: resolving the caller's session records when it was last seen.
VOLATILE = {"user_session": {"last_seen_at"}}


def admin_states() -> list[type[AdminState]]:
    """AdminState and every subclass, after importing every module of the package (mixins excluded)."""
    for module in pkgutil.walk_packages(admin_state_package.__path__, admin_state_package.__name__ + "."):
        importlib.import_module(module.name)
    found: list[type[AdminState]] = []
    stack: list[type[AdminState]] = [AdminState]
    while stack:
        cls = stack.pop()
        if cls not in found and not cls._mixin:
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.get_full_name())


STATES = admin_states()


def test_the_enumeration_finds_every_section() -> None:
    names = {cls.__name__ for cls in STATES}
    assert {
        "AdminState",
        "AdminOverviewState",
        "AdminEventsState",
        "AdminRegistrationsState",
        "AdminMailState",
        "UsersAdminState",
        "ImageUploadState",
    } <= names
    assert sum(len(cls.event_handlers) for cls in STATES) >= 40


@pytest.mark.parametrize("cls", STATES, ids=lambda c: c.__name__)
def test_every_handler_is_guarded(cls: type[AdminState]) -> None:
    unguarded = [
        name
        for name, handler in cls.event_handlers.items()
        if name != "setvar" and not getattr(handler.fn, ADMIN_ONLY, None)
    ]
    assert unguarded == [], f"{cls.__name__}: wrap these handlers in @admin_only: {unguarded}"


@dataclass
class World:
    event_id: str
    holder: str
    waiting: str
    mail: str
    user_id: str
    image_id: str
    venue_id: str
    png: bytes
    private: tuple[str, ...]
    package_id: str = ""
    key_id: str = ""


@pytest.fixture
def world(make_event, make_user, image_store, png) -> World:
    event = make_event("Gala", packages=[{"title": "Std", "capacity": 1}], status=EventStatus.draft)
    events.set_status(event.id, "published", actor=SYSTEM)
    package_id = catalogue.get_event(event.id).packages[0].id
    holder = make_user(email="holder@example.com", display_name="Hidden Holder")
    waiting = make_user(email="waiting@example.com", display_name="Hidden Waiting")
    held = registrations.register(holder.id, package_id, actor=Actor.user(holder))
    queued = registrations.register(waiting.id, package_id, actor=Actor.user(waiting), waitlist=True)
    image = images.create_image(png(), name="poster.png", alt_text="A poster", actor=SYSTEM)
    with session_scope(write=True) as s:
        mail = OutboxMessage(
            message_id="<refused-test@khala>",
            recipient="someone@example.com",
            subject="Hello",
            template="verify_email",
            html_body="",
            text_body="",
            status="failed",
            attempts=8,
            last_error="550 no such user",
            created_at=utcnow(),
        )
        s.add(mail)
    return World(
        event_id=str(event.id),
        holder=str(held.id),
        waiting=str(queued.id),
        mail=str(mail.id),
        user_id=str(waiting.id),
        image_id=str(image.id),
        venue_id=str(event.location_id),
        png=png(),
        private=("Hidden Holder", "holder@example.com", "someone@example.com", "waiting@example.com"),
        package_id=package_id,
        key_id=keys.create_key("Door tablet", "write", actor=SYSTEM).key.id,
    )


def _form(w: World) -> dict[str, str]:
    """One form with every field any admin form reads, filled in as an administrator would."""
    return {
        # event
        "title": "Hacker Gala",
        "summary": "A night of talks",
        "description": "Talks and music.",
        "category": "",
        "venue_id": w.venue_id,
        "image_id": w.image_id,
        "starts_at": "2031-05-01T19:00",
        "ends_at": "",
        "timezone": "Europe/Stockholm",
        "status": "published",
        # package
        "price": "100",
        "currency": "SEK",
        "capacity": "10",
        "max_per_registration": "2",
        "sales_opens_at": "",
        "sales_closes_at": "",
        "perks": "A drink",
        # venue
        "name": "Stranger Hall",
        "city": "Nowhere",
        "street": "Main street 1",
        "postal_code": "123 45",
        "country": "SE",
        # an image's alt text
        "alt_text": "A red poster",
        # the administrator's password (granting admin asks for it again)
        "password": PASSWORD,
        # searches
        "q": "",
        "recipient": "",
        "query": "",
    }


def _upload(w: World) -> list[rx.UploadFile]:
    return [
        rx.UploadFile(
            file=BytesIO(w.png),
            path=Path("poster.png"),
            size=len(w.png),
            headers=Headers({"content-type": "image/png"}),
        )
    ]


def _argument(cls: type, handler_name: str, name: str, w: World) -> Any:
    values: dict[str, Any] = {
        "event_id": w.event_id,
        "registration_id": w.holder,
        "message_id": w.mail,
        "user_id": w.user_id,
        "image_id": w.image_id,
        "package_id": w.package_id,
        "key_id": w.key_id,
        "venue_id": w.venue_id,
        "slug": "music",  # the world's category
        "status": "cancelled",
        "is_admin": True,
        "page": 2,
        "value": "A red poster",
        "form_data": _form(w),
        "files": _upload(w),
    }
    if name not in values:
        pytest.fail(f"{cls.__name__}.{handler_name}: add a plausible value for parameter {name!r}")
    return values[name]


def _calls(cls: type[AdminState], w: World) -> list[tuple[str, list[Any]]]:
    """(handler name, positional arguments) for every handler of ``cls`` (setvar: once per var)."""
    calls = []
    for name, handler in cls.event_handlers.items():
        if name == "setvar":
            calls += [(name, [var, "x"]) for var in cls.base_vars]
            continue
        params = [p for p in handler._parameters if p != "self"]
        calls.append((name, [_argument(cls, name, p, w) for p in params]))
    return calls


def _forge(state: Any, w: World) -> None:
    """What a tab that was once an administrator's could still hold: ids of rows to act on."""
    if hasattr(state, "selected"):
        state.selected = EventEditView(id=w.event_id, title="Gala")
    if "event_id" in type(state).base_vars:
        state.event_id = w.event_id
    if "image_id" in type(state).base_vars:
        state.image_id = w.image_id


def _snapshot() -> dict[str, list[str]]:
    tables = {}
    with session_scope() as s:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, set())]
            rows = s.execute(sa.select(*columns)).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables


def _call(state: Any, name: str, args: list[Any]) -> Any:
    if name == "setvar":
        # As Reflex runs it: setvar calls set_<var> and drops what it returns (a guarded setter is a
        # coroutine, so it never runs); a var without a setter raises.
        with contextlib.suppress(AttributeError):
            state.setvar(*args)
        return "setvar"
    return run(getattr(state, name)(*args))


def _assert_refused(cls: type[AdminState], name: str, reply: Any, access: str, expected: str) -> None:
    where = f"{cls.__name__}.{name}"
    if name == "setvar":
        return  # checked by the caller: the var kept its value
    assert access == expected, f"{where}: access is {access!r}"
    how = getattr(cls.event_handlers[name].fn, ADMIN_ONLY)
    if not how["bounce"]:
        assert REFUSED in str(reply), f"{where} did not say no: {reply!r}"
    elif expected == "anonymous":
        assert "/login?next=" in str(reply), f"{where} did not send the visitor to sign in: {reply!r}"
    else:
        assert reply in (None, []), f"{where}: {reply!r}"  # the page shows "Admins only"


@pytest.fixture(params=["anonymous", "member"])
def caller(request: pytest.FixtureRequest, person) -> tuple[str, str | None]:
    if request.param == "anonymous":
        return "anonymous", None
    _, token = person()
    return "denied", token


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.parametrize("cls", STATES, ids=lambda c: c.__name__)
def test_every_handler_refuses_and_changes_nothing(cls, world: World, caller) -> None:
    expected, token = caller
    before = _snapshot()
    for name, args in _calls(cls, world):
        root = state_tree(token, path="/admin/events", ip="10.7.0.1")
        state = substate(root, cls)
        _forge(state, world)
        reply = _call(state, name, args)
        _assert_refused(cls, name, reply, substate(root, AdminState).access, expected)
        if name == "setvar":
            assert getattr(state, args[0]) != args[1], f"{cls.__name__}.setvar set {args[0]!r}"
        sent = format.json_dumps(root.get_delta())
        leaked = [p for p in world.private if p in sent]
        assert not leaked, f"{cls.__name__}.{name} sent {leaked} to a refused client"
        assert _snapshot() == before, f"{cls.__name__}.{name} changed the database for a refused client"


def test_the_same_calls_do_change_things_for_an_administrator(world: World, person) -> None:
    """The arguments above are ones an administrator's calls act on (else the refusals prove little)."""
    _, token = person(admin=True)
    changed = []
    for cls in STATES:
        before = _snapshot()
        for name, args in _calls(cls, world):
            if name == "setvar":
                continue
            root = state_tree(token, path="/admin/events", ip="10.7.0.1")
            state = substate(root, cls)
            _forge(state, world)
            _call(state, name, args)
            assert substate(root, AdminState).access == "admin"
        if _snapshot() != before:
            changed.append(cls.__name__)
    assert {
        "AdminEventsState",
        "AdminRegistrationsState",
        "AdminMailState",
        "UsersAdminState",
        "ImageUploadState",
    } <= set(changed)
