"""LocalStore and the /media route: signatures, expiry, path traversal, missing files, headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from khala.images import storage
from khala.images.storage import LocalStore

KEY = "images/abc123/card.webp"
DATA = b"RIFF....WEBPVP8 pretend"


def _parts(url: str) -> tuple[str, str, str]:
    u = urlsplit(url)
    q = parse_qs(u.query)
    return u.path, q["exp"][0], q["sig"][0]


@pytest.fixture
def stored(use_local: LocalStore) -> LocalStore:
    use_local.put(KEY, DATA, "image/webp")
    return use_local


def test_url_shape(stored: LocalStore) -> None:
    url, expires_at = stored.url(KEY)
    path, exp, sig = _parts(url)
    assert path == f"/media/{KEY}"
    assert int(exp) == int(expires_at.timestamp())
    assert len(sig) == 43  # base64url of a 32-byte HMAC-SHA256, unpadded


def test_file_lives_under_media_root(stored: LocalStore) -> None:
    assert (stored.root / KEY).read_bytes() == DATA


def test_serves_with_headers(stored: LocalStore, media_app) -> None:
    url, _ = stored.url(KEY)
    r = media_app.get(url)
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["content-type"] == "image/webp"
    assert r.headers["x-content-type-options"] == "nosniff"
    cc = r.headers["cache-control"]
    assert cc.startswith("private, max-age=")
    max_age = int(cc.split("max-age=")[1].split(",")[0])
    assert 3500 < max_age <= 3900  # never cached past the URL's expiry
    assert "etag" in r.headers
    head = media_app.head(url)
    assert head.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p, e, s: (p, e, s[:-1] + ("A" if s[-1] != "A" else "B")),  # flipped signature
        lambda p, e, s: (p, str(int(e) + 3600), s),  # extended expiry
        lambda p, e, s: (p.replace("card", "modal"), e, s),  # signature of another key
        lambda p, e, s: (p, e, ""),  # empty signature
        lambda p, e, s: (p, e + ".0", s),  # a different spelling of the same expiry
        lambda p, e, s: (p, "abc", s),  # garbage expiry
        lambda p, e, s: (p, e, s[:-1] + "é"),  # non-ASCII signature
        lambda p, e, s: (p, "9" * 40, s),  # absurd expiry
        lambda p, e, s: (p, e, s * 50),  # absurd signature
    ],
)
def test_tampered_urls_are_forbidden(stored: LocalStore, media_app, tamper) -> None:
    stored.put(KEY.replace("card", "modal"), DATA, "image/webp")
    path, exp, sig = tamper(*_parts(stored.url(KEY).url))
    r = media_app.get(path, params={"exp": exp, "sig": sig})
    assert r.status_code == 403
    assert DATA not in r.content
    assert "expired" in r.text


def test_missing_query_is_forbidden(stored: LocalStore, media_app) -> None:
    assert media_app.get(f"/media/{KEY}").status_code == 403


def test_other_secret_is_forbidden(stored: LocalStore, media_app, tmp_path: Path) -> None:
    other = LocalStore(stored.root, secret_key="another-secret-key-of-sufficient-length-1234")
    assert media_app.get(other.url(KEY).url).status_code == 403


def test_expiry(stored: LocalStore, media_app) -> None:
    url, expires_at = stored.url(KEY, timedelta(seconds=1))
    assert media_app.get(url).status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and datetime.now(UTC) < expires_at:
        time.sleep(0.05)
    assert media_app.get(url).status_code == 403


def test_verify_is_exact() -> None:
    s = LocalStore("/nonexistent", secret_key="k" * 40)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    exp = int((now + timedelta(minutes=1)).timestamp())
    sig = s.sign(KEY, exp)
    assert s.verify(KEY, str(exp), sig, now=now)
    assert not s.verify(KEY, str(exp), sig, now=now + timedelta(minutes=1))  # exactly at expiry
    assert not s.verify(KEY, None, sig, now=now)
    assert not s.verify(KEY, str(exp), None, now=now)
    assert not s.verify(KEY, f" {exp}", sig, now=now)


def test_missing_file_is_404(use_local: LocalStore, media_app) -> None:
    url, _ = use_local.url("images/nothere/card.webp")
    r = media_app.get(url)
    assert r.status_code == 404


def test_directory_is_404(stored: LocalStore, media_app) -> None:
    url, _ = stored.url("images/abc123")
    assert media_app.get(url).status_code == 404


@pytest.mark.parametrize("name", ["notes.html", "logo.svg", "data.json", "noextension"])
def test_only_raster_image_types_are_served(stored: LocalStore, media_app, name: str) -> None:
    (stored.root / "images" / "abc123" / name).write_text("<script>alert(1)</script>")
    url, _ = stored.url(f"images/abc123/{name}")
    r = media_app.get(url)
    assert r.status_code == 404
    assert "script" not in r.text


@pytest.mark.parametrize(
    "raw_path",
    [
        "/media/../secret_key",
        "/media/%2e%2e/secret_key",
        "/media/images/%2e%2e/%2e%2e/secret_key",
        "/media/images/..%2f..%2fsecret_key",
        "/media/%2fetc%2fpasswd",
        "/media//etc/passwd",
        "/media/images%5c..%5c..%5csecret_key",
        "/media/images/abc123/card.webp%00.png",
    ],
)
def test_path_traversal(stored: LocalStore, media_app, raw_path: str) -> None:
    secret = stored.root.parent / "secret_key"
    secret.write_text("TOP-SECRET")
    # even a correctly signed traversal key (as if the secret had leaked) never leaves the root
    from urllib.parse import unquote

    key = unquote(raw_path.removeprefix("/media/"))
    exp = int(time.time()) + 600
    r = media_app.get(raw_path, params={"exp": exp, "sig": stored.sign(key, exp)})
    assert r.status_code in (403, 404)
    assert "TOP-SECRET" not in r.text


def test_symlink_out_of_root_is_refused(stored: LocalStore, media_app, tmp_path: Path) -> None:
    outside = tmp_path / "outside.webp"
    outside.write_bytes(b"outside")
    link = stored.root / "images" / "abc123" / "link.webp"
    link.symlink_to(outside)
    r = media_app.get(stored.url("images/abc123/link.webp").url)
    assert r.status_code == 404
    assert b"outside" not in r.content


def test_route_answers_404_when_azure_is_configured(media_app, azure_store) -> None:
    storage.use_store(azure_store)
    try:
        local = LocalStore("/nonexistent", secret_key="k" * 40)
        assert media_app.get(local.url(KEY).url).status_code == 404
    finally:
        storage.use_store(None)


def test_delete_tidies_empty_folders(stored: LocalStore) -> None:
    stored.delete(KEY)
    assert not (stored.root / "images" / "abc123").exists()
    assert stored.root.exists()


def test_base_url_prefix(tmp_path: Path) -> None:
    s = LocalStore(tmp_path, secret_key="k" * 40, base_url="http://localhost:8000/")
    assert s.url(KEY).url.startswith(f"http://localhost:8000/media/{KEY}?exp=")


def test_absolute_url() -> None:
    from khala.images.service import absolute_url
    from khala.settings import get_settings

    base = get_settings().public_url
    assert absolute_url("/media/a.webp?exp=1&sig=x") == f"{base}/media/a.webp?exp=1&sig=x"
    assert absolute_url("/placeholder.svg") == f"{base}/placeholder.svg"
    assert (
        absolute_url("https://acct.blob.core.windows.net/x?sig=1")
        == "https://acct.blob.core.windows.net/x?sig=1"
    )
    assert absolute_url("//evil.example/x") == "//evil.example/x"
