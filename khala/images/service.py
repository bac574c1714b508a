"""Images: the upload pipeline, signed URLs with a placeholder fallback, deletion.

Plain Python (no Reflex, no web framework), blocking: call it off the event loop (``asyncio.to_thread``).

Storage layout: ``Image.storage_key`` is a base key ``images/<uuid hex>``; the renditions live at
``<base>/card.webp`` (at most 480 px wide) and ``<base>/modal.webp`` (at most 1200 px wide), both
WebP, re-encoded from the decoded pixels so no metadata of the upload survives. ``Image.width`` and
``Image.height`` are those of the modal rendition (the card has the same aspect ratio).

Upload rules, each refusal an ``InvalidInput`` with a readable message under the ``file`` field:
non-empty, at most ``settings.upload_max_bytes`` (10 MB), a JPEG, PNG or WebP by its *bytes*
(names and browser-declared types are ignored; SVG is refused), at most ``MAX_PIXELS`` pixels
(checked from the header before anything is decoded), and decodable without errors. Alt text is
required (``alt_text`` field). Animated images keep their first frame; colour profiles are
converted to sRGB; EXIF orientation is applied.

Sessions: ``store_image``/``get_image``/``delete_image`` take the caller's session;
``create_image``/``get_image_by_id``/``remove_image`` open their own (for Reflex state and API routes).
Re-signing: keep ``SignedUrl.expires_at`` next to each URL and call ``fresh_url``/``needs_resign``
(less than ``RESIGN_MARGIN`` = 5 minutes left → sign again).
"""

from __future__ import annotations

import logging
import re
import struct
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import BinaryIO, Literal

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlmodel import Session, col, select

from khala.db import session_scope
from khala.errors import InvalidInput, NotFound
from khala.images.models import Image
from khala.images.storage import ImageStore, InvalidKey, SignedUrl, check_key, get_store
from khala.settings import get_settings

log = logging.getLogger(__name__)

Size = Literal["card", "modal"]
SIZES: dict[str, tuple[int, int]] = {"card": (480, 960), "modal": (1200, 2400)}  # (max width, max height)
RENDITION_FORMAT = "webp"
RENDITION_TYPE = "image/webp"
WEBP_QUALITY = 82
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# e.g. 8660 × 5773: a 48-megapixel phone photo fits. Below Pillow's own bomb warning (89 MP).
MAX_PIXELS = 50_000_000
MAX_NAME = 120
MAX_ALT = 300
MAX_DESCRIPTION = 1000

PLACEHOLDER_URL = "/placeholder.svg"  # assets/placeholder.svg, served by Reflex as a static asset
RESIGN_MARGIN = timedelta(minutes=5)

ACCEPTED_HUMAN = "a JPEG, PNG or WebP image"

# Decoding is the memory-hungry step (a 50 MP RGBA image is 200 MB): at most two at a time.
_DECODE_SLOTS = threading.BoundedSemaphore(2)


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
            raise InvalidInput({"file": _too_large_message(None, limit)})


def store_image(
    session: Session,
    data: bytes,
    *,
    name: str,
    alt_text: str,
    description: str = "",
    declared_type: str | None = None,
    store: ImageStore | None = None,
) -> Image:
    """Validate, clean and store an uploaded image; add its ``Image`` row to ``session`` (flushed).

    ``declared_type`` (the browser's or client's claim) is only logged when it disagrees with the
    bytes; it never decides anything. The blobs are written before the row; if the row cannot be
    written they are removed again.
    """
    errors: dict[str, str] = {}
    clean_name = _clean_name(name)
    if not clean_name:
        errors["name"] = "Give the image a name."
    elif len(clean_name) > MAX_NAME:
        errors["name"] = f"The name is {len(clean_name)} characters; at most {MAX_NAME} are allowed."
    alt = " ".join((alt_text or "").split())
    if not alt:
        errors["alt_text"] = "Describe the image in a few words (alt text) for people who cannot see it."
    elif len(alt) > MAX_ALT:
        errors["alt_text"] = f"The alt text is {len(alt)} characters; at most {MAX_ALT} are allowed."
    desc = (description or "").strip()
    if len(desc) > MAX_DESCRIPTION:
        errors["description"] = (
            f"The description is {len(desc)} characters; at most {MAX_DESCRIPTION} are allowed."
        )
    try:
        renditions, source_format = process_image(data)
    except InvalidInput as exc:
        errors.update(exc.errors)
        renditions, source_format = {}, ""
    if errors:
        raise InvalidInput(errors)

    if declared_type and _declared_format(declared_type) not in (None, source_format):
        log.info("image %r declared as %r but its bytes are %s", clean_name, declared_type, source_format)

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
    data: bytes,
    *,
    name: str,
    alt_text: str,
    description: str = "",
    declared_type: str | None = None,
    store: ImageStore | None = None,
) -> Image:
    """``store_image`` in its own write transaction (for Reflex handlers and API routes, which never
    open sessions). The returned ``Image`` is detached and fully loaded."""
    with session_scope(write=True) as session:
        return store_image(
            session,
            data,
            name=name,
            alt_text=alt_text,
            description=description,
            declared_type=declared_type,
            store=store,
        )


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


def process_image(data: bytes) -> tuple[dict[str, Rendition], str]:
    """Check ``data`` and re-encode it into the card and modal renditions.

    Returns ``({"card": Rendition, "modal": Rendition}, source_format)`` where ``source_format``
    is ``"JPEG"``, ``"PNG"`` or ``"WEBP"``. Raises ``InvalidInput`` (field ``file``) on refusal.
    """
    limit = get_settings().upload_max_bytes
    if not data:
        raise InvalidInput({"file": "The file is empty (0 bytes). Choose an image file to upload."})
    if len(data) > limit:
        raise InvalidInput({"file": _too_large_message(len(data), limit)})
    sniffed = sniff_format(data)
    if sniffed not in ACCEPTED_FORMATS:
        raise InvalidInput({"file": _wrong_type_message(sniffed)})

    # Our own pixel check (below Pillow's warning threshold) guards the decode; Pillow's own
    # DecompressionBombError still stops absurd headers at open. No warnings.catch_warnings here:
    # it changes process-wide filters and is not thread-safe.
    with _DECODE_SLOTS:
        try:
            im = PILImage.open(BytesIO(data), formats=ACCEPTED_FORMATS)
        except UnidentifiedImageError:
            raise InvalidInput({"file": _wrong_type_message(sniffed)}) from None
        except PILImage.DecompressionBombError:
            raise InvalidInput({"file": _too_many_pixels_message(peek_size(data))}) from None
        except (OSError, SyntaxError, ValueError):
            raise InvalidInput({"file": _damaged_message()}) from None
        with im:
            source_format = im.format or sniffed
            width, height = im.size
            if width < 1 or height < 1:
                raise InvalidInput({"file": _damaged_message()})
            if width * height > MAX_PIXELS:
                raise InvalidInput({"file": _too_many_pixels_message((width, height))})
            try:
                if source_format == "JPEG":
                    # decode at 1/2, 1/4 or 1/8 scale when that still covers the modal size
                    side = SIZES["modal"][0]
                    im.draft("RGB", (side, side))
                im.load()
                pixels = _normalize(im)
            except PILImage.DecompressionBombError:
                raise InvalidInput({"file": _too_many_pixels_message((width, height))}) from None
            except (OSError, SyntaxError, ValueError, EOFError):
                raise InvalidInput({"file": _damaged_message()}) from None

        renditions: dict[str, Rendition] = {}
        source = pixels
        for size in ("modal", "card"):  # card from modal: cheaper, same result
            max_w, max_h = SIZES[size]
            target = _fit(source.size, max_w, max_h)
            resized = source if target == source.size else source.resize(target, PILImage.Resampling.LANCZOS)
            renditions[size] = Rendition(_encode(resized), *resized.size)
            source = resized
    return {"card": renditions["card"], "modal": renditions["modal"]}, source_format


def sniff_format(data: bytes) -> str | None:
    """The format named by the file's first bytes (not by its name): JPEG, PNG, WEBP, or others we refuse."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif", b"ftypmsf1"):
        return "HEIC/AVIF"
    if head.startswith(b"%PDF"):
        return "PDF"
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text:
        return "SVG"
    if text.startswith(b"<"):
        return "HTML"
    return None


def peek_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG, PNG or WebP header without decoding (``None`` if not found)."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                w = int.from_bytes(data[24:27], "little") + 1
                h = int.from_bytes(data[27:30], "little") + 1
                return w, h
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
        if data.startswith(b"\xff\xd8"):
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    return None
                marker = data[i + 1]
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                    i += 2
                    continue
                length = struct.unpack(">H", data[i + 2 : i + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                    return w, h
                i += 2 + length
    except struct.error:
        return None
    return None


def _normalize(im: PILImage.Image) -> PILImage.Image:
    """Upright, sRGB, 8-bit RGB(A) pixels with no metadata attached (first frame of animations)."""
    try:
        upright = ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 — a broken EXIF block must not block the image itself
        upright = im.copy()
    icc = im.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA", "CMYK", "L"):
        upright = _to_srgb(upright, icc)
    if upright.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        upright = upright.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in upright.info
    out = upright.convert("RGBA" if has_alpha else "RGB")
    if has_alpha and out.getchannel("A").getextrema() == (255, 255):
        out = out.convert("RGB")
    out.info = {}
    return out


def _to_srgb(im: PILImage.Image, icc: bytes) -> PILImage.Image:
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(BytesIO(icc))
        dst = ImageCms.createProfile("sRGB")
        mode = "RGBA" if im.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(im, src, dst, outputMode=mode)
        return converted if converted is not None else im
    except Exception:  # noqa: BLE001 — a bad profile: keep the pixels as they are
        return im


def _fit(size: tuple[int, int], max_w: int, max_h: int) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, max_w / w, max_h / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _encode(im: PILImage.Image) -> bytes:
    buf = BytesIO()
    im.info = {}
    im.save(buf, "WEBP", quality=WEBP_QUALITY, method=4, exif=b"", xmp=b"", icc_profile=b"")
    return buf.getvalue()


def _clean_name(name: str) -> str:
    """A display name from a file name: last path component, no control characters, one-line."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return " ".join(name.split())


def _declared_format(declared: str) -> str | None:
    d = declared.lower().strip()
    if re.search(r"jpe?g", d):
        return "JPEG"
    if "png" in d:
        return "PNG"
    if "webp" in d:
        return "WEBP"
    return d or None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"


def _too_large_message(size: int | None, limit: int) -> str:
    what = f"The file is {_mb(size)}" if size is not None else "The file is too large"
    return f"{what}; images can be at most {_mb(limit)}."


def _wrong_type_message(sniffed: str | None) -> str:
    if sniffed == "SVG":
        return (
            "SVG files are not accepted: they can carry scripts. "
            f"Export the picture as {ACCEPTED_HUMAN} and upload that."
        )
    if sniffed in ("JPEG", "PNG", "WEBP"):
        return _damaged_message()
    if sniffed:
        return f"This is a {sniffed} file; only JPEG, PNG and WebP images are accepted."
    return f"This file is not {ACCEPTED_HUMAN} (the file name does not matter; its contents do)."


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    limit_mp = MAX_PIXELS / 1_000_000
    if size is None:
        return f"The image has too many pixels; at most {limit_mp:g} megapixels are accepted."
    w, h = size
    return (
        f"The image is {w:,} × {h:,} pixels ({w * h / 1_000_000:,.0f} megapixels); "
        f"at most {limit_mp:g} megapixels are accepted. Scale it down and try again."
    )


def _damaged_message() -> str:
    return "The image could not be read: the file looks damaged or incomplete."


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


def _parse_id(image_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(image_id, uuid.UUID):
        return image_id
    try:
        return uuid.UUID(str(image_id))
    except ValueError:
        raise NotFound("That image does not exist.") from None


def get_image(session: Session, image_id: uuid.UUID | str) -> Image:
    image = session.get(Image, _parse_id(image_id))
    if image is None:
        raise NotFound("That image does not exist.")
    return image


def remove_image(image_id: uuid.UUID | str, *, store: ImageStore | None = None) -> None:
    """``delete_image`` in its own write transaction."""
    with session_scope(write=True) as session:
        delete_image(session, image_id, store=store)


def list_images(limit: int = 200) -> list[tuple[str, str]]:
    """(id, "name — alt text") of the newest images, newest first (the admin's image choices)."""
    from sqlmodel import col, select

    with session_scope() as session:
        rows = session.exec(
            select(Image).order_by(col(Image.created_at).desc()).limit(max(1, min(limit, 1000)))
        ).all()
    return [(str(i.id), f"{i.name} — {i.alt_text[:60]}" if i.alt_text else i.name) for i in rows]


def get_image_by_id(image_id: uuid.UUID | str) -> Image:
    """``get_image`` in its own read transaction (detached ``Image``)."""
    with session_scope() as session:
        return get_image(session, image_id)


def delete_image(session: Session, image_id: uuid.UUID | str, *, store: ImageStore | None = None) -> None:
    """Delete the row (events showing it fall back to no image: ``ON DELETE SET NULL``) and its blobs.

    The row goes first (flushed); blob removal is best effort, since a leftover blob is harmless
    while a row without blobs would only show the placeholder.
    """
    image = get_image(session, image_id)
    base = image.storage_key
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
    ids = []
    for raw in {i for i in image_ids if i}:
        try:
            ids.append(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError:
            continue
    if not ids:
        return {}
    with session_scope() as s:
        return {str(i.id): i for i in s.exec(select(Image).where(col(Image.id).in_(ids))).all()}
