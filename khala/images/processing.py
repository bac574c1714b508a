"""Image processing: check uploaded bytes and re-encode them into the card and modal renditions.

Plain Python over Pillow, no database and no store: ``process_image(data)`` either returns the WebP
renditions or raises ``InvalidInput`` with a readable message under the ``file`` field (see the rules in
``khala.images.service``), in the current language. Decoding is memory-hungry, so at most two run at a time.
"""

from __future__ import annotations

import re
import struct
import threading
from dataclasses import dataclass
from io import BytesIO

from babel.numbers import format_decimal
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from khala.errors import InvalidInput
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

SIZES: dict[str, tuple[int, int]] = {"card": (480, 960), "modal": (1200, 2400)}  # (max width, max height)
RENDITION_FORMAT = "webp"
RENDITION_TYPE = "image/webp"
WEBP_QUALITY = 82
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# e.g. 8660 × 5773: a 48-megapixel phone photo fits. Below Pillow's own bomb warning (89 MP).
MAX_PIXELS = 50_000_000

ACCEPTED_HUMAN = N_("a JPEG, PNG or WebP image")

# Decoding is the memory-hungry step (a 50 MP RGBA image is 200 MB): at most two at a time.
_DECODE_SLOTS = threading.BoundedSemaphore(2)


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
        raise InvalidInput({"file": _("The file is empty (0 bytes). Choose an image file to upload.")})
    if len(data) > limit:
        raise InvalidInput({"file": too_large_message(len(data), limit)})
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


def declared_format(declared: str) -> str | None:
    d = declared.lower().strip()
    if re.search(r"jpe?g", d):
        return "JPEG"
    if "png" in d:
        return "PNG"
    if "webp" in d:
        return "WEBP"
    return d or None


def _number(value: float, pattern: str = "#,##0.#") -> str:
    return format_decimal(value, format=pattern, locale=i18n.babel_locale())


def megabytes(n: int) -> str:
    """``n`` bytes as "10 MB" / "12.5 MB" (Swedish: "12,5 MB")."""
    return _("%(num)s MB") % {"num": _number(round(n / (1024 * 1024), 1))}


def too_large_message(size: int | None, limit: int) -> str:
    if size is None:
        return _("The file is too large; images can be at most %(limit)s.") % {"limit": megabytes(limit)}
    return _("The file is %(size)s; images can be at most %(limit)s.") % {
        "size": megabytes(size),
        "limit": megabytes(limit),
    }


def _wrong_type_message(sniffed: str | None) -> str:
    if sniffed == "SVG":
        return _(
            "SVG files are not accepted: they can carry scripts. Export the picture as %(accepted)s and upload that."
        ) % {"accepted": _(ACCEPTED_HUMAN)}
    if sniffed in ("JPEG", "PNG", "WEBP"):
        return _damaged_message()
    if sniffed:
        return _("This is a %(format)s file; only JPEG, PNG and WebP images are accepted.") % {
            "format": sniffed
        }
    return _("This file is not %(accepted)s (the file name does not matter; its contents do).") % {
        "accepted": _(ACCEPTED_HUMAN)
    }


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    limit_mp = _number(MAX_PIXELS / 1_000_000, "#,##0.###")
    if size is None:
        return _("The image has too many pixels; at most %(limit)s megapixels are accepted.") % {
            "limit": limit_mp
        }
    w, h = size
    return _(
        "The image is %(width)s × %(height)s pixels (%(megapixels)s megapixels); "
        "at most %(limit)s megapixels are accepted. Scale it down and try again."
    ) % {
        "width": _number(w),
        "height": _number(h),
        "megapixels": _number(w * h / 1_000_000, "#,##0"),
        "limit": limit_mp,
    }


def _damaged_message() -> str:
    return _("The image could not be read: the file looks damaged or incomplete.")
