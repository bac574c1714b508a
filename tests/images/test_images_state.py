"""ImageUploadState: admin-only uploads, clear errors, URLs kept with their expiry and re-signed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import reflex as rx
from starlette.datastructures import Headers

from khala.accounts import auth
from khala.accounts.sessions import CurrentUser
from khala.admin.state.images import ImageUploadState
from khala.db import session_scope
from khala.errors import Forbidden, NotAuthenticated
from khala.images import service
from khala.images.models import Image


def _state() -> ImageUploadState:
    root = rx.State()
    return root.get_substate(ImageUploadState.get_full_name().split(".")[1:])


def _file(data: bytes, name: str = "poster.jpg", content_type: str = "image/jpeg") -> rx.UploadFile:
    return rx.UploadFile(
        file=BytesIO(data), path=Path(name), size=len(data), headers=Headers({"content-type": content_type})
    )


async def _drain(gen) -> list:
    return [x async for x in gen]


@pytest.fixture
def as_admin(monkeypatch: pytest.MonkeyPatch):
    async def ok(state):
        return CurrentUser(uuid.uuid4(), "admin@example.com", "Admin", is_admin=True, is_verified=True)

    monkeypatch.setattr(auth, "require_admin", ok)


def test_anonymous_upload_is_refused(
    sqlite_db, use_local, monkeypatch: pytest.MonkeyPatch, make_image
) -> None:
    async def nobody(state):
        raise NotAuthenticated("Sign in to continue.")

    monkeypatch.setattr(auth, "require_admin", nobody)
    s = _state()
    s.alt_text = "A poster"
    f = _file(make_image())
    asyncio.run(_drain(s.handle_upload([f])))
    assert s.errors == {"form": "Sign in to continue."}
    assert f.file.closed
    with session_scope() as db:
        assert db.query(Image).count() == 0


def test_non_admin_upload_is_refused(
    sqlite_db, use_local, monkeypatch: pytest.MonkeyPatch, make_image
) -> None:
    async def member(state):
        raise Forbidden("Only administrators can do that.")

    monkeypatch.setattr(auth, "require_admin", member)
    s = _state()
    asyncio.run(_drain(s.handle_upload([_file(make_image())])))
    assert s.errors == {"form": "Only administrators can do that."}


def test_admin_upload_stores_and_signs(sqlite_db, use_local, as_admin, make_image) -> None:
    s = _state()
    asyncio.run(s.set_alt_text("  A red poster "))
    events = asyncio.run(_drain(s.handle_upload([_file(make_image("PNG", (1600, 800)), "poster.jpg")])))
    assert s.errors == {}
    assert not s.uploading
    assert s.image_name == "poster.jpg"
    assert s.image_alt == "A red poster"
    assert (s.width, s.height) == (1200, 600)
    assert s.card_url.startswith("/media/images/") and "card.webp" in s.card_url
    assert s.modal_url.startswith("/media/images/") and "modal.webp" in s.modal_url
    assert not service.needs_resign(s.card_expires_at)
    assert s.alt_text == ""  # the form is ready for the next image
    assert len(events) >= 2
    with session_scope() as db:
        assert db.get(Image, uuid.UUID(s.image_id)) is not None


def test_upload_errors_are_shown_per_field(sqlite_db, use_local, as_admin) -> None:
    s = _state()
    asyncio.run(_drain(s.handle_upload([_file(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.png")])))
    assert set(s.errors) == {"file", "alt_text"}
    assert s.errors["file"].startswith("SVG files are not accepted")
    assert not s.uploading


def test_oversized_upload_is_refused(sqlite_db, use_local, as_admin) -> None:
    s = _state()
    s.alt_text = "big"
    asyncio.run(_drain(s.handle_upload([_file(b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024))])))
    assert s.errors == {"file": "The file is too large; images can be at most 10 MB."}


def test_one_file_at_a_time(sqlite_db, use_local, as_admin, make_image) -> None:
    s = _state()
    s.alt_text = "x"
    asyncio.run(_drain(s.handle_upload([_file(make_image()), _file(make_image())])))
    assert s.errors == {"file": "Choose one image file (JPEG, PNG or WebP)."}


def test_refresh_resigns_only_when_due(sqlite_db, use_local, as_admin, make_image) -> None:
    s = _state()
    s.alt_text = "x"
    asyncio.run(_drain(s.handle_upload([_file(make_image())])))
    url = s.card_url
    asyncio.run(s.refresh_urls())
    assert s.card_url == url  # plenty of time left
    s.card_expires_at = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    asyncio.run(s.refresh_urls())
    assert not service.needs_resign(s.card_expires_at)
    assert "card.webp" in s.card_url


def test_delete_then_placeholder(sqlite_db, use_local, as_admin, make_image) -> None:
    s = _state()
    s.alt_text = "x"
    asyncio.run(_drain(s.handle_upload([_file(make_image())])))
    image_id = s.image_id
    asyncio.run(s.delete_image(image_id))
    assert s.image_id == ""
    assert s.card_url == service.PLACEHOLDER_URL
    with session_scope() as db:
        assert db.query(Image).count() == 0


def test_seconds_until_resign() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert service.seconds_until_resign(now + timedelta(minutes=65), now=now) == 3600
    assert service.seconds_until_resign(now + timedelta(minutes=3), now=now) == 0
    assert service.seconds_until_resign(None) == 0
    fields = service.url_fields(None)
    assert fields["url"] == service.PLACEHOLDER_URL
    assert datetime.fromisoformat(fields["expires_at"]) > datetime.now(UTC)
