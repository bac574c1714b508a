"""Images: the upload pipeline, signed URLs with a placeholder fallback, alt-text edits, deletion.

Plain Python (no Reflex, no web framework), blocking: call it off the event loop (``asyncio.to_thread``).

Storage layout: ``Image.storage_key`` is a base key ``images/<uuid hex>``; the renditions live at
``<base>/card.webp`` (at most 480 px wide) and ``<base>/modal.webp`` (at most 1200 px wide), both
WebP, re-encoded from the decoded pixels so no metadata of the upload survives. ``Image.width`` and
``Image.height`` are those of the modal rendition (the card has the same aspect ratio).

Upload rules, each refusal an ``InvalidInput`` with a readable message under the ``file`` field:
non-empty, at most ``settings.upload_max_bytes`` (10 MB), a JPEG, PNG or WebP by its *bytes*
(names and browser-declared types are ignored; SVG is refused), at most ``processing.MAX_PIXELS`` pixels
(checked from the header before anything is decoded), and decodable without errors. Alt text is
required (``alt_text`` field). Animated images keep their first frame; colour profiles are
converted to sRGB; EXIF orientation is applied. The pixel work lives in ``khala.images.processing``.

An image that events show cannot be deleted (``users_of``, connected in ``khala/wiring.py``, says which);
``list_library`` is the admin's grid: a page of images with their card URLs and usage.

Sessions: ``store_image``/``get_image``/``delete_image`` take the caller's session;
``create_image``/``get_image_by_id``/``update_image``/``remove_image`` open their own (for Reflex state and
API routes). Changes take a keyword-only ``actor`` and write ``image.uploaded``, ``image.updated`` or
``image.deleted`` in the same transaction.
Re-signing: keep ``SignedUrl.expires_at`` next to each URL and call ``fresh_url``/``needs_resign``
(less than ``RESIGN_MARGIN`` = 5 minutes left → sign again).
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, Literal, NotRequired, TypedDict, Unpack

from sqlmodel import Session, col, func, select

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import Conflict, InvalidInput, NotFound
from khala.images.models import Image
from khala.images.processing import (
    RENDITION_FORMAT,
    RENDITION_TYPE,
    SIZES,
    declared_format,
    process_image,
    too_large_message,
)
from khala.images.storage import ImageStore, InvalidKey, SignedUrl, check_key, get_store
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id, parse_ids
from khala.lib.paging import Page, clamp_page, clamp_page_size, offset_of
from khala.lib.usage import Usage, events_phrase, merged
from khala.settings import get_settings

log = logging.getLogger(__name__)

Size = Literal["card", "modal"]
MAX_NAME = 120
MAX_ALT = 300
MAX_DESCRIPTION = 1000

PLACEHOLDER_URL = "/placeholder.svg"  # assets/placeholder.svg, served by Reflex as a static asset
RESIGN_MARGIN = timedelta(minutes=5)

NOT_FOUND = N_("That image does not exist.")
_AUDITED = ("name", "alt_text", "description")


class ImageDetails(TypedDict):
    """What a person says about an uploaded image (``store_image``/``create_image`` keywords)."""

    name: str
    alt_text: str
    description: NotRequired[str]
    declared_type: NotRequired[str | None]  # the browser's or client's claim; logged, never trusted


# ------------------------------------------------------------------------------------------ upload


def read_upload(stream: BinaryIO, max_bytes: int | None = None, *, chunk_size: int = 1 << 20) -> bytes:
    """Read an uploaded file, refusing it as soon as it exceeds ``max_bytes`` (default: settings)."""
    limit = max_bytes if max_bytes is not None else get_settings().upload_max_bytes
    buf = bytearray()
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > limit:
            raise InvalidInput({"file": too_large_message(None, limit)})


def _too_long(message: str, text: str, limit: int) -> str:
    return message % {"num": len(text), "max": limit}


def _check_name(name: str, errors: dict[str, str]) -> str:
    clean = _clean_name(name)
    if not clean:
        errors["name"] = _("Give the image a name.")
    elif len(clean) > MAX_NAME:
        errors["name"] = _too_long(
            _("The name is %(num)d characters; at most %(max)d are allowed."), clean, MAX_NAME
        )
    return clean


def _check_alt(alt_text: str, errors: dict[str, str]) -> str:
    alt = " ".join((alt_text or "").split())
    if not alt:
        errors["alt_text"] = _("Describe the image in a few words (alt text) for people who cannot see it.")
    elif len(alt) > MAX_ALT:
        errors["alt_text"] = _too_long(
            _("The alt text is %(num)d characters; at most %(max)d are allowed."), alt, MAX_ALT
        )
    return alt


def _check_description(description: str, errors: dict[str, str]) -> str:
    desc = (description or "").strip()
    if len(desc) > MAX_DESCRIPTION:
        errors["description"] = _too_long(
            _("The description is %(num)d characters; at most %(max)d are allowed."), desc, MAX_DESCRIPTION
        )
    return desc


def store_image(
    session: Session,
    data: bytes,
    *,
    actor: Actor,
    store: ImageStore | None = None,
    **details: Unpack[ImageDetails],
) -> Image:
    """Validate, clean and store an uploaded image; add its ``Image`` row to ``session`` (flushed) and
    write ``image.uploaded``.

    ``declared_type`` is only logged when it disagrees with the bytes; it never decides anything. The
    blobs are written before the row; if the row cannot be written they are removed again.
    """
    errors: dict[str, str] = {}
    clean_name = _check_name(details["name"], errors)
    alt = _check_alt(details["alt_text"], errors)
    desc = _check_description(details.get("description", ""), errors)
    try:
        renditions, source_format = process_image(data)
    except InvalidInput as exc:
        errors.update(exc.errors)
        renditions, source_format = {}, ""
    if errors:
        raise InvalidInput(errors)

    declared = details.get("declared_type")
    if declared and declared_format(declared) not in (None, source_format):
        log.info("image %r declared as %r but its bytes are %s", clean_name, declared, source_format)

    store = store or get_store()
    base = f"images/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        for size, r in renditions.items():
            key = rendition_key(base, size)
            store.put(key, r.data, RENDITION_TYPE)
            written.append(key)
        modal = renditions["modal"]
        image = Image(
            storage_key=base,
            name=clean_name,
            alt_text=alt,
            description=desc,
            content_type=RENDITION_TYPE,
            width=modal.width,
            height=modal.height,
        )
        session.add(image)
        session.flush()
        audit.record(
            session,
            actor,
            "image.uploaded",
            image,
            audit.snapshot(image, _AUDITED),
            data={"width": image.width, "height": image.height, "source_format": source_format},
        )
    except BaseException:
        for key in written:
            try:
                store.delete(key)
            except Exception:
                log.warning("could not remove blob %s after a failed upload", key, exc_info=True)
        raise
    _exists_cache.mark(written)
    return image


def create_image(
    data: bytes, *, actor: Actor, store: ImageStore | None = None, **details: Unpack[ImageDetails]
) -> Image:
    """``store_image`` in its own write transaction (for Reflex handlers and API routes, which never
    open sessions). The returned ``Image`` is detached and fully loaded."""
    with session_scope(write=True) as session:
        return store_image(session, data, actor=actor, store=store, **details)


def update_image(
    image_id: uuid.UUID | str,
    *,
    actor: Actor,
    alt_text: str | None = None,
    name: str | None = None,
    description: str | None = None,
) -> Image:
    """Change what is said about an image (the pixels stay): each given field is checked by the upload's
    rules; fields left out keep their value. Writes ``image.updated`` when something changed."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if alt_text is not None:
        values["alt_text"] = _check_alt(alt_text, errors)
    if name is not None:
        values["name"] = _check_name(name, errors)
    if description is not None:
        values["description"] = _check_description(description, errors)
    if errors:
        raise InvalidInput(errors)
    with session_scope(write=True) as session:
        image = get_image(session, image_id)
        before = audit.snapshot(image, _AUDITED)
        for field, value in values.items():
            setattr(image, field, value)
        session.add(image)
        changes = audit.diff(before, audit.snapshot(image, _AUDITED))
        if changes:
            audit.record(session, actor, "image.updated", image, changes)
        session.flush()
        return image


def _clean_name(name: str) -> str:
    """A display name from a file name: last path component, no control characters, one-line."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return " ".join(name.split())


# -------------------------------------------------------------------------------------------- urls


def rendition_key(base_key: str, size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"unknown image size {size!r}; use one of {', '.join(SIZES)}")
    return f"{base_key}/{size}.{RENDITION_FORMAT}"


def placeholder_url(ttl: timedelta | None = None, *, now: datetime | None = None) -> SignedUrl:
    ttl = ttl or timedelta(minutes=get_settings().image_url_ttl_minutes)
    return SignedUrl(PLACEHOLDER_URL, (now or datetime.now(UTC)) + ttl)


def image_url(
    image_or_key: Image | str | None,
    size: Size = "card",
    *,
    ttl: timedelta | None = None,
    store: ImageStore | None = None,
) -> SignedUrl:
    """A read-only URL for one rendition, or the placeholder when there is no image or blob.

    ``image_or_key`` is an ``Image``, its ``storage_key`` or ``None``. The result unpacks as
    ``url, expires_at``; re-sign when ``needs_resign(expires_at)``.
    """
    if image_or_key is None:
        return placeholder_url(ttl)
    base = image_or_key.storage_key if isinstance(image_or_key, Image) else str(image_or_key)
    store = store or get_store()
    try:
        key = check_key(rendition_key(base, size))
        if not _exists_cache.exists(store, key):
            return placeholder_url(ttl)
        return store.url(key, ttl)
    except InvalidKey:
        log.warning("image key %r is not a valid storage key; showing the placeholder", base)
        return placeholder_url(ttl)
    except ValueError:
        raise
    except Exception:
        log.warning("could not sign a URL for %r; showing the placeholder", base, exc_info=True)
        return placeholder_url(ttl)


def image_urls(image_or_key: Image | str | None, *, store: ImageStore | None = None) -> dict[str, SignedUrl]:
    """Both renditions: ``{"card": SignedUrl, "modal": SignedUrl}``."""
    return {size: image_url(image_or_key, size, store=store) for size in SIZES}  # type: ignore[arg-type]


def needs_resign(
    expires_at: datetime | str | None, *, now: datetime | None = None, margin: timedelta = RESIGN_MARGIN
) -> bool:
    """True when a URL expiring at ``expires_at`` (datetime or ISO string) has less than ``margin`` left."""
    if expires_at is None or expires_at == "":
        return True
    if isinstance(expires_at, str):
        try:
            expires_at = datetime.fromisoformat(expires_at)
        except ValueError:
            return True
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return expires_at - (now or datetime.now(UTC)) < margin


def fresh_url(
    current: SignedUrl | None,
    image_or_key: Image | str | None,
    size: Size = "card",
    *,
    store: ImageStore | None = None,
) -> SignedUrl:
    """``current`` while it has more than ``RESIGN_MARGIN`` left, else a newly signed URL."""
    if current is not None and not needs_resign(current.expires_at):
        return current
    return image_url(image_or_key, size, store=store)


def absolute_url(url: str) -> str:
    """``url`` made absolute against ``settings.public_url`` (local-store and placeholder URLs are
    site-relative; REST API responses and e-mails need absolute ones). Absolute URLs are unchanged."""
    if url.startswith("/") and not url.startswith("//"):
        return get_settings().public_url + url
    return url


def url_fields(image_or_key: Image | str | None, size: Size = "card") -> dict[str, str]:
    """``{"url": …, "expires_at": ISO-8601}``: a signed URL in a shape Reflex state vars can hold."""
    url, expires_at = image_url(image_or_key, size)
    return {"url": url, "expires_at": expires_at.isoformat()}


def seconds_until_resign(
    expires_at: datetime | str | None, *, now: datetime | None = None, margin: timedelta = RESIGN_MARGIN
) -> float:
    """How long a URL expiring at ``expires_at`` can be kept before re-signing (0 when it is due now).

    A state can sleep this long in a background task and then refresh its URLs."""
    if needs_resign(expires_at, now=now, margin=margin):
        return 0.0
    exp = datetime.fromisoformat(expires_at) if isinstance(expires_at, str) else expires_at
    if exp is None:
        return 0.0
    if exp.tzinfo is None:
        exp = exp.replace(tzinfo=UTC)
    return max(0.0, (exp - margin - (now or datetime.now(UTC))).total_seconds())


class _ExistsCache:
    """Remembers blobs seen to exist for a few minutes, so a page of cards costs no round trips."""

    def __init__(self, ttl_seconds: float = 300, max_entries: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._seen: dict[tuple[int, str], float] = {}
        self._lock = threading.Lock()

    def exists(self, store: ImageStore, key: str) -> bool:
        k = (id(store), key)
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(k)
        if seen is not None and now - seen < self.ttl:
            return True
        found = store.exists(key)
        with self._lock:
            if found:
                if len(self._seen) >= self.max_entries:
                    self._seen.clear()
                self._seen[k] = now
            else:
                self._seen.pop(k, None)
        return found

    def mark(self, keys: Iterable[str]) -> None:
        """Forget what we knew about ``keys`` (a new upload or a deletion); the next check asks the store."""
        with self._lock:
            for key in keys:
                for k in [k for k in self._seen if k[1] == key]:
                    del self._seen[k]

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


_exists_cache = _ExistsCache()


# ---------------------------------------------------------------------------------- read / delete


def get_image(session: Session, image_id: uuid.UUID | str) -> Image:
    image = session.get(Image, parse_id(image_id, "image", message=NOT_FOUND))
    if image is None:
        raise NotFound(_(NOT_FOUND))
    return image


def remove_image(image_id: uuid.UUID | str, *, actor: Actor, store: ImageStore | None = None) -> None:
    """``delete_image`` in its own write transaction."""
    with session_scope(write=True) as session:
        delete_image(session, image_id, actor=actor, store=store)


def list_images(limit: int = 200) -> list[tuple[str, str]]:
    """(id, "name — alt text") of the newest images, newest first (the admin's image choices)."""
    with session_scope() as session:
        rows = session.exec(
            select(Image).order_by(col(Image.created_at).desc()).limit(max(1, min(limit, 1000)))
        ).all()
    return [(str(i.id), f"{i.name} — {i.alt_text[:60]}" if i.alt_text else i.name) for i in rows]


def get_image_by_id(image_id: uuid.UUID | str) -> Image:
    """``get_image`` in its own read transaction (detached ``Image``)."""
    with session_scope() as session:
        return get_image(session, image_id)


def delete_image(
    session: Session, image_id: uuid.UUID | str, *, actor: Actor, store: ImageStore | None = None
) -> None:
    """Delete an image nothing uses (Conflict naming the events showing it otherwise): the row and its
    blobs; writes ``image.deleted``. (Should an event take it up meanwhile, ``ON DELETE SET NULL`` leaves
    that event without an image rather than failing.)

    The row goes first (flushed); blob removal is best effort, since a leftover blob is harmless
    while a row without blobs would only show the placeholder.
    """
    image = get_image(session, image_id)
    usage = _usage(session, [image.id])[image.id]
    if usage:
        raise Conflict(
            _(
                "“%(name)s” is the image of %(events)s (%(which)s); choose another image for them before "
                "deleting it."
            )
            % {"name": image.name, "events": events_phrase(usage.count), "which": usage.text()}
        )
    base = image.storage_key
    audit.record(
        session, actor, "image.deleted", image, data={**audit.snapshot(image, _AUDITED), "storage_key": base}
    )
    session.delete(image)
    session.flush()
    store = store or get_store()
    keys = [rendition_key(base, size) for size in SIZES]
    for key in keys:
        try:
            store.delete(key)
        except Exception:
            log.warning("could not delete blob %s of image %s", key, image_id, exc_info=True)
    _exists_cache.mark(keys)


def images_by_id(image_ids: Iterable[uuid.UUID | str | None]) -> dict[str, Image]:
    """The images with these ids, keyed by their id as text (one query; unknown or malformed ids are skipped)."""
    ids = parse_ids(image_ids)
    if not ids:
        return {}
    with session_scope() as s:
        return {str(i.id): i for i in s.exec(select(Image).where(col(Image.id).in_(ids))).all()}


# ------------------------------------------------------------------------------------- the library

# Called with (session, image ids): what uses each image, as {id: Usage} (the events showing it). An image in
# use cannot be deleted; the library shows the usage. Connected in khala/wiring.py.
users_of: list[Callable[[Session, list[uuid.UUID]], Mapping[uuid.UUID, Usage]]] = []


def _usage(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Usage]:
    return merged(ids, (hook(session, ids) for hook in users_of))


@dataclass(frozen=True)
class LibraryImage:
    id: str
    name: str
    alt_text: str
    description: str
    width: int
    height: int
    created_at: datetime
    card: SignedUrl
    usage: Usage


def list_library(
    *, query: str | None = None, page: object = 1, page_size: object = 24, store: ImageStore | None = None
) -> Page[LibraryImage]:
    """One page of images, newest first, with a signed card URL and what uses each; ``query`` matches
    (part of) the name or the alt text, case-insensitively."""
    size = clamp_page_size(page_size, default=24, maximum=100)
    text = " ".join(str(query or "").split()).lower()[:100]
    conditions = []
    if text:
        conditions.append(
            func.lower(col(Image.name)).contains(text, autoescape=True)
            | func.lower(col(Image.alt_text)).contains(text, autoescape=True)
        )
    with session_scope() as s:
        total = s.exec(select(func.count()).select_from(Image).where(*conditions)).one()
        number = clamp_page(page, total, size)
        rows = s.exec(
            select(Image)
            .where(*conditions)
            .order_by(col(Image.created_at).desc(), col(Image.id))
            .offset(offset_of(number, size))
            .limit(size)
        ).all()
        usage = _usage(s, [r.id for r in rows])
    items = [
        LibraryImage(
            id=str(r.id),
            name=r.name,
            alt_text=r.alt_text,
            description=r.description,
            width=r.width,
            height=r.height,
            created_at=r.created_at,
            card=image_url(r, "card", store=store),
            usage=usage[r.id],
        )
        for r in rows
    ]
    return Page(items=items, total=total, page=number, page_size=size)
