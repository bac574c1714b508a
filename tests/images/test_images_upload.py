"""The upload pipeline: hostile and odd files are refused or cleaned, each with a clear message."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image as PILImage
from sqlmodel import select

from khala.audit.service import Actor
from khala.db import session_scope
from khala.errors import Conflict, InvalidInput, NotFound
from khala.events.models import Event
from khala.images import processing, service
from khala.images.models import Image
from khala.images.service import PLACEHOLDER_URL, image_url, store_image
from khala.images.storage import ImageStore, LocalStore

MB = 1024 * 1024
UPLOADER = Actor.system("tests")


# ------------------------------------------------------------------------------------------ helpers


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (8-bit greyscale) with ``idat`` as pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat or zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def refused(data: bytes, **kw) -> dict[str, str]:
    kw.setdefault("name", "poster.jpg")
    kw.setdefault("alt_text", "A poster")
    kw.setdefault("actor", UPLOADER)
    with session_scope(write=True) as s, pytest.raises(InvalidInput) as info:
        store_image(s, data, **kw)
    return info.value.errors


def stored(store: ImageStore, image: Image, size: str = "modal") -> PILImage.Image:
    data = store.get(service.rendition_key(image.storage_key, size))
    im = PILImage.open(BytesIO(data))
    im.load()
    return im


def upload(data: bytes, **kw) -> Image:
    kw.setdefault("name", "poster.jpg")
    kw.setdefault("alt_text", "A poster")
    kw.setdefault("actor", UPLOADER)
    with session_scope(write=True) as s:
        return store_image(s, data, **kw)


# ---------------------------------------------------------------------------------------- accepted


def test_stores_two_webp_renditions(sqlite_db, use_local: LocalStore, make_image) -> None:
    image = upload(make_image("JPEG", (3000, 2000)), name="big.jpg", alt_text="  A   red  square ")
    assert image.storage_key.startswith("images/")
    assert image.content_type == "image/webp"
    assert (image.width, image.height) == (1200, 800)
    assert image.alt_text == "A red square"
    card, modal = stored(use_local, image, "card"), stored(use_local, image, "modal")
    assert (card.format, card.size) == ("WEBP", (480, 320))
    assert (modal.format, modal.size) == ("WEBP", (1200, 800))
    with session_scope() as s:
        assert s.get(Image, image.id).name == "big.jpg"


def test_small_images_are_not_upscaled(sqlite_db, use_local: LocalStore, make_image) -> None:
    image = upload(make_image("PNG", (300, 100)))
    assert (image.width, image.height) == (300, 100)
    assert stored(use_local, image, "card").size == (300, 100)


def test_tall_images_fit_a_box(sqlite_db, use_local: LocalStore, make_image) -> None:
    image = upload(make_image("PNG", (100, 5000)))
    assert stored(use_local, image, "card").size == (19, 960)
    assert (image.width, image.height) == (48, 2400)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats(sqlite_db, use_local: LocalStore, make_image, fmt: str) -> None:
    assert upload(make_image(fmt, (640, 480))).width == 640


def test_png_renamed_jpg_is_judged_by_its_bytes(sqlite_db, use_local: LocalStore, make_image) -> None:
    png = make_image("PNG", (640, 480))
    image = upload(png, name="holiday.jpg", declared_type="image/jpeg")
    assert image.name == "holiday.jpg"
    assert stored(use_local, image).format == "WEBP"
    assert processing.process_image(png)[1] == "PNG"


def test_transparency_is_kept(sqlite_db, use_local: LocalStore, make_image) -> None:
    image = upload(make_image("PNG", (200, 200), color=(0, 0, 0, 0), mode="RGBA"))
    assert stored(use_local, image).mode == "RGBA"


def test_exif_gps_is_gone_and_orientation_applied(sqlite_db, use_local: LocalStore) -> None:
    im = PILImage.new("RGB", (300, 200), (255, 0, 0))
    exif = PILImage.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "SpyCam Industries"  # Make
    exif[0x8825] = {1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 7.0)}  # GPS IFD
    buf = BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), comment=b"shot at home")
    original = buf.getvalue()
    assert PILImage.open(BytesIO(original)).getexif().get_ifd(0x8825)[2] == (59.0, 19.0, 48.0)

    image = upload(original)
    assert (image.width, image.height) == (200, 300)  # upright
    for size in ("card", "modal"):
        raw = use_local.get(service.rendition_key(image.storage_key, size))
        out = PILImage.open(BytesIO(raw))
        assert out.size == (200, 300)
        assert dict(out.getexif()) == {}
        assert out.getexif().get_ifd(0x8825) == {}
        assert "exif" not in out.info and "icc_profile" not in out.info and "xmp" not in out.info
        assert b"SpyCam" not in raw and b"shot at home" not in raw and b"Exif" not in raw


def test_icc_profile_and_text_chunks_are_stripped(sqlite_db, use_local: LocalStore) -> None:
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<?php system($_GET['c']); ?>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = BytesIO()
    PILImage.new("RGB", (64, 64), (1, 2, 3)).save(buf, "PNG", pnginfo=info, icc_profile=icc)
    image = upload(buf.getvalue())
    raw = use_local.get(service.rendition_key(image.storage_key, "modal"))
    assert b"<?php" not in raw
    assert "icc_profile" not in PILImage.open(BytesIO(raw)).info


# -------------------------------------------------------------------------------------- polyglots


def test_polyglot_jpeg_with_trailing_payload_is_cleaned(sqlite_db, use_local: LocalStore, make_image) -> None:
    """A valid JPEG followed by HTML/JS and a ZIP archive (GIFAR-style): re-encoding drops the rest."""
    payload = b"<html><script>alert(document.cookie)</script></html>PK\x03\x04" + b"\x00" * 64
    image = upload(make_image("JPEG", (320, 240)) + payload)
    for size in ("card", "modal"):
        raw = use_local.get(service.rendition_key(image.storage_key, size))
        assert raw.startswith(b"RIFF") and raw[8:12] == b"WEBP"
        assert b"<script" not in raw and b"PK\x03\x04" not in raw


def test_polyglot_jpeg_comment_is_cleaned(sqlite_db, use_local: LocalStore, make_image) -> None:
    image = upload(make_image("JPEG", (320, 240), comment=b"<script>alert(1)</script>"))
    raw = use_local.get(service.rendition_key(image.storage_key, "card"))
    assert b"<script" not in raw


def test_polyglot_html_wrapping_an_image_is_refused(sqlite_db, use_local, make_image) -> None:
    data = b"<html><body><script>alert(1)</script><!--" + make_image("PNG", (10, 10)) + b"--></body></html>"
    errors = refused(data, name="poster.png", declared_type="image/png")
    assert errors == {"file": "This is a HTML file; only JPEG, PNG and WebP images are accepted."}


def test_gif_with_script_is_refused(sqlite_db, use_local) -> None:
    errors = refused(b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=alert(1);", name="x.gif")
    assert errors["file"] == "This is a GIF file; only JPEG, PNG and WebP images are accepted."


# ---------------------------------------------------------------------------------------- refused


def test_svg_is_refused(sqlite_db, use_local) -> None:
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script></svg>"
    )
    for name, declared in (("logo.svg", "image/svg+xml"), ("logo.png", "image/png")):
        errors = refused(svg, name=name, declared_type=declared)
        assert errors["file"].startswith("SVG files are not accepted: they can carry scripts.")
        assert "JPEG, PNG or WebP" in errors["file"]


def test_zero_byte_file_is_refused(sqlite_db, use_local) -> None:
    assert refused(b"") == {"file": "The file is empty (0 bytes). Choose an image file to upload."}


def test_50_mb_file_is_refused(sqlite_db, use_local, make_image) -> None:
    data = make_image("JPEG", (64, 64)) + b"\x00" * (50 * MB)
    assert refused(data) == {"file": "The file is 50 MB; images can be at most 10 MB."}


def test_read_upload_stops_early(sqlite_db) -> None:
    class Stream(BytesIO):
        pass

    stream = Stream(b"\xff\xd8\xff" + b"\x00" * (50 * MB))
    with pytest.raises(InvalidInput) as info:
        service.read_upload(stream, 10 * MB)
    assert info.value.errors == {"file": "The file is too large; images can be at most 10 MB."}
    assert stream.tell() <= 11 * MB  # never read the whole 50 MB
    assert service.read_upload(BytesIO(b"abc"), 10) == b"abc"


def test_20000_by_20000_image_is_refused_before_decoding(sqlite_db, use_local) -> None:
    data = png_claiming(20_000, 20_000)
    assert len(data) < 2_000
    errors = refused(data)
    assert errors["file"] == (
        "The image is 20,000 × 20,000 pixels (400 megapixels); at most 50 megapixels are accepted. "
        "Scale it down and try again."
    )


def test_real_decompression_bomb_is_refused(sqlite_db, use_local) -> None:
    """A genuine 8,000 x 8,000 PNG that compresses to a few dozen kilobytes."""
    w = h = 8_000
    data = png_claiming(w, h, zlib.compress(b"\x00" * ((w + 1) * h), 9))
    assert len(data) < 200_000
    assert "8,000 × 8,000 pixels (64 megapixels)" in refused(data)["file"]


def test_not_an_image_is_refused(sqlite_db, use_local) -> None:
    errors = refused(b"just some text, renamed to .jpg", name="poster.jpg", declared_type="image/jpeg")
    assert errors["file"] == (
        "This file is not a JPEG, PNG or WebP image (the file name does not matter; its contents do)."
    )


def test_truncated_image_is_refused(sqlite_db, use_local, make_image) -> None:
    noisy = PILImage.effect_noise((400, 400), 50).convert("RGB")
    png, jpeg = BytesIO(), BytesIO()
    noisy.save(png, "PNG")
    noisy.save(jpeg, "JPEG")
    for broken in (png.getvalue()[: len(png.getvalue()) // 2], jpeg.getvalue()[:2000]):
        assert refused(broken)["file"] == "The image could not be read: the file looks damaged or incomplete."


@pytest.mark.parametrize("alt", ["", "   ", "\n"])
def test_alt_text_is_required(sqlite_db, use_local, make_image, alt: str) -> None:
    errors = refused(make_image(), alt_text=alt)
    assert errors == {
        "alt_text": "Describe the image in a few words (alt text) for people who cannot see it."
    }


def test_every_problem_is_reported_at_once(sqlite_db, use_local) -> None:
    errors = refused(b"", name="   ", alt_text="", description="x" * 1001)
    assert set(errors) == {"name", "alt_text", "description", "file"}


def test_name_is_cleaned(sqlite_db, use_local, make_image) -> None:
    image = upload(make_image(), name="C:\\Users\\me\\..\\poster\x00\n 2025.jpg")
    assert image.name == "poster 2025.jpg"


def test_refusals_store_nothing(sqlite_db, use_local: LocalStore) -> None:
    refused(png_claiming(20_000, 20_000))
    assert not any(p.is_file() for p in use_local.root.rglob("*")) if use_local.root.exists() else True
    with session_scope() as s:
        assert s.exec(select(Image)).all() == []


def test_blobs_are_removed_when_the_row_fails(sqlite_db, use_local: LocalStore, make_image) -> None:
    with pytest.raises(InvalidInput), session_scope(write=True) as s:

        def boom() -> None:
            raise InvalidInput("database said no")

        s.flush = boom  # type: ignore[method-assign]
        store_image(s, make_image(), name="a.jpg", alt_text="a", actor=UPLOADER)
    assert not any(p.is_file() for p in use_local.root.rglob("*"))


# ------------------------------------------------------------------------- pipeline over both stores


def test_pipeline_on_each_store(db, store: ImageStore, browser, make_image) -> None:
    image = upload(make_image("JPEG", (1600, 900)))
    with session_scope() as s:
        assert s.get(Image, image.id) is not None
    for size, expected in (("card", (480, 270)), ("modal", (1200, 675))):
        url, expires_at = image_url(image, size)
        assert url != PLACEHOLDER_URL
        assert expires_at > datetime.now(UTC) + timedelta(minutes=55)
        r = browser.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/webp"
        assert PILImage.open(BytesIO(r.content)).size == expected
    # by key as well as by Image
    assert image_url(image.storage_key, "card").url == image_url(image, "card").url

    with session_scope(write=True) as s:
        service.delete_image(s, image.id, actor=UPLOADER)
    with session_scope() as s:
        assert s.get(Image, image.id) is None
    for size in service.SIZES:
        assert not store.exists(service.rendition_key(image.storage_key, size))
        assert image_url(image, size).url == PLACEHOLDER_URL


def test_missing_blob_gives_placeholder(db, store: ImageStore) -> None:
    url, expires_at = image_url("images/doesnotexist", "modal")
    assert url == PLACEHOLDER_URL
    assert expires_at > datetime.now(UTC)
    assert image_url(None).url == PLACEHOLDER_URL
    assert image_url("../../etc").url == PLACEHOLDER_URL
    with pytest.raises(ValueError, match="unknown image size"):
        image_url("images/x", "huge")  # type: ignore[arg-type]


def test_placeholder_asset_exists() -> None:
    from khala.settings import ROOT

    assert (ROOT / "assets" / PLACEHOLDER_URL.lstrip("/")).is_file()


def test_delete_image_is_refused_while_events_show_it(
    db, use_local: LocalStore, make_image, monkeypatch
) -> None:
    image = upload(make_image())
    now = datetime.now(UTC)
    with session_scope(write=True) as s:
        event = Event(slug="e1", title="E1", starts_at=now, ends_at=now, image_id=image.id)
        s.add(event)
    with (
        pytest.raises(Conflict, match=r"is the image of 1 event \(E1 \(draft\)\)"),
        session_scope(write=True) as s,
    ):
        service.delete_image(s, str(image.id), actor=UPLOADER)
    with session_scope() as s:
        assert s.get(Event, event.id).image_id == image.id
    # An event that took the image up after the check (no hook sees it here) is left without one.
    monkeypatch.setattr(service, "users_of", [])
    with session_scope(write=True) as s:
        service.delete_image(s, str(image.id), actor=UPLOADER)
    with session_scope() as s:
        assert s.get(Event, event.id).image_id is None


def test_delete_unknown_image(db, use_local) -> None:
    with session_scope(write=True) as s:
        for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
            with pytest.raises(NotFound, match=r"That image does not exist\."):
                service.delete_image(s, bad, actor=UPLOADER)


# ----------------------------------------------------------------------------------------- re-sign


def test_needs_resign() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert service.needs_resign(None)
    assert service.needs_resign(now + timedelta(minutes=4), now=now)
    assert not service.needs_resign(now + timedelta(minutes=6), now=now)
    assert not service.needs_resign((now + timedelta(minutes=6)).isoformat(), now=now)
    assert service.needs_resign("garbage", now=now)


def test_fresh_url_keeps_or_resigns(sqlite_db, use_local: LocalStore, make_image) -> None:
    image = upload(make_image())
    current = image_url(image)
    assert service.fresh_url(current, image) is current
    old = current._replace(expires_at=datetime.now(UTC) + timedelta(minutes=1))
    renewed = service.fresh_url(old, image)
    assert renewed.expires_at > old.expires_at


def test_store_outage_shows_placeholder(sqlite_db, make_image) -> None:
    class Down:
        def exists(self, key: str) -> bool:
            raise ConnectionError("blob service unreachable")

    assert image_url("images/abc", store=Down()).url == PLACEHOLDER_URL  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- odd encodings


def _save(im: PILImage.Image, fmt: str, **kw) -> bytes:
    buf = BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("label", "build", "mode"),
    [
        ("16-bit greyscale PNG", lambda: _save(PILImage.new("I;16", (300, 200), 40000), "PNG"), "RGB"),
        ("CMYK JPEG", lambda: _save(PILImage.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG"), "RGB"),
        (
            "palette PNG with transparency",
            lambda: _save(PILImage.new("P", (300, 200), 0), "PNG", transparency=0),
            "RGBA",
        ),
        ("greyscale JPEG", lambda: _save(PILImage.new("L", (300, 200), 128), "JPEG"), "RGB"),
        (
            "animated WebP (first frame kept)",
            lambda: _save(
                PILImage.new("RGB", (300, 200), (255, 0, 0)),
                "WEBP",
                save_all=True,
                append_images=[PILImage.new("RGB", (300, 200), (0, 0, 255))] * 3,
            ),
            "RGB",
        ),
    ],
)
def test_odd_encodings_are_normalized(sqlite_db, use_local: LocalStore, label, build, mode) -> None:
    image = upload(build())
    out = stored(use_local, image)
    assert out.size == (300, 200), label
    assert out.mode == mode, label
    assert getattr(out, "n_frames", 1) == 1, label
