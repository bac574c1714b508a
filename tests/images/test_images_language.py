"""The image rules refuse in the current language, with numbers as that language writes them; the upload guard's
problem+json and the media route's refusals follow the request; "used by" phrases too."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image as PILImage
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from khala.errors import InvalidInput
from khala.images import processing, service
from khala.images.api import limit_upload_size
from khala.lib import i18n
from khala.lib.usage import Usage, events_phrase

MB = 1024 * 1024


def _refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as info:
        processing.process_image(data)
    return info.value.errors["file"]


def _png(size: tuple[int, int]) -> bytes:
    out = BytesIO()
    PILImage.new("RGB", size, "white").save(out, format="PNG")
    return out.getvalue()


def test_refusals_in_swedish_with_swedish_numbers() -> None:
    with i18n.use_language("sv"):
        assert _refused(b"") == "Filen är tom (0 byte). Välj en bildfil att ladda upp."
        assert _refused(b"GIF89a" + b"\x00" * 32) == (
            "Det här är en GIF-fil; bara JPEG-, PNG- och WebP-bilder tas emot."
        )
        assert processing.too_large_message(int(12.5 * MB), 10 * MB) == (
            "Filen är 12,5 MB; bilder får vara högst 10 MB."
        )
        assert processing._too_many_pixels_message((20_000, 20_000)).startswith(
            "Bilden är 20\u00a0000 × 20\u00a0000 pixlar (400 megapixel); högst 50 megapixel tas emot."
        )
    assert processing.too_large_message(int(12.5 * MB), 10 * MB) == (
        "The file is 12.5 MB; images can be at most 10 MB."
    )


def test_the_image_details_in_swedish() -> None:
    errors: dict[str, str] = {}
    with i18n.use_language("sv"):
        service._check_name("", errors)
        service._check_alt("x" * (service.MAX_ALT + 1), errors)
    assert errors == {
        "name": "Ge bilden ett namn.",
        "alt_text": f"Alt-texten är {service.MAX_ALT + 1} tecken lång; högst {service.MAX_ALT} tecken är tillåtna.",
    }


def test_used_by_phrases() -> None:
    many = Usage(5, ("Gala", "Jazz", "Vernissage"))
    with i18n.use_language("sv"):
        assert events_phrase(1) == "1 evenemang" and events_phrase(3) == "3 evenemang"
        assert many.text() == "Gala, Jazz, Vernissage och 2 till"
        assert Usage(2, ("Gala", "Jazz")).text() == "Gala och Jazz"
    assert many.text() == "Gala, Jazz, Vernissage and 2 more"
    assert events_phrase(1) == "1 event" and events_phrase(3) == "3 events"


async def _upload(request):  # pragma: no cover - never reached: the guard refuses first
    return PlainTextResponse("ok")


def test_the_upload_guard_refuses_in_the_requests_language() -> None:
    inner = Starlette(routes=[Route("/_upload", _upload, methods=["POST"])])
    client = TestClient(i18n.asgi_middleware(limit_upload_size(inner, max_bytes=1000, require_admin=False)))
    r = client.post(
        "/_upload",
        files={"files": ("a.jpg", b"x" * 5000, "image/jpeg")},
        headers={"Accept-Language": "sv"},
    )
    assert r.status_code == 413 and r.headers["content-language"] == "sv"
    body = r.json()
    assert body["code"] == "too-large" and body["title"] == "För stor uppladdning"
    assert body["detail"] == "Uppladdningen är större än tillåtet; bilder får vara högst 10 MB."
