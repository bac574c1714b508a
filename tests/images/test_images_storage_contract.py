"""One contract, both stores: what every ImageStore must do (LocalStore and AzureBlobStore on Azurite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from khala.errors import InvalidInput
from khala.images import storage
from khala.images.storage import BlobNotFound, ImageStore, SignedUrl

KEY = "images/0123abcd/card.webp"
DATA = b"RIFF\x10\x00\x00\x00WEBPVP8 not really an image but bytes are bytes"


def test_is_an_image_store(store: ImageStore) -> None:
    assert isinstance(store, ImageStore)


def test_put_get_exists_delete(store: ImageStore) -> None:
    assert not store.exists(KEY)
    store.put(KEY, DATA, "image/webp")
    assert store.exists(KEY)
    assert store.get(KEY) == DATA
    store.put(KEY, DATA + b"!", "image/webp")  # overwrite
    assert store.get(KEY) == DATA + b"!"
    store.delete(KEY)
    assert not store.exists(KEY)
    store.delete(KEY)  # deleting a missing key is not an error


def test_get_missing_raises_blob_not_found(store: ImageStore) -> None:
    with pytest.raises(BlobNotFound):
        store.get("images/missing/card.webp")


def test_read_through_signed_url(store: ImageStore, browser) -> None:
    store.put(KEY, DATA, "image/webp")
    signed = store.url(KEY)
    assert isinstance(signed, SignedUrl)
    url, expires_at = signed  # unpacks as (url, expires_at)
    now = datetime.now(UTC)
    # default lifetime: 60 minutes (rounded up to a 5-minute grid)
    assert timedelta(minutes=60) <= expires_at - now <= timedelta(minutes=65, seconds=5)
    r = browser.get(url)
    assert r.status_code == 200, r.text
    assert r.content == DATA
    assert r.headers["content-type"] == "image/webp"
    assert "max-age=" in r.headers["cache-control"]


def test_url_is_stable_within_a_grid_step(store: ImageStore) -> None:
    """Pages rendered a few seconds apart get the same URL, so the browser cache works."""
    store.put(KEY, DATA, "image/webp")
    t = datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC)
    assert store.url(KEY, now=t) == store.url(KEY, now=t + timedelta(seconds=20))


def test_custom_ttl(store: ImageStore, browser) -> None:
    store.put(KEY, DATA, "image/webp")
    url, expires_at = store.url(KEY, timedelta(minutes=2))
    assert (
        timedelta(minutes=1, seconds=55) < expires_at - datetime.now(UTC) <= timedelta(minutes=2, seconds=1)
    )
    assert browser.get(url).status_code == 200


def test_expired_url_is_refused(store: ImageStore, browser) -> None:
    store.put(KEY, DATA, "image/webp")
    url, expires_at = store.url(KEY, timedelta(minutes=10), now=datetime.now(UTC) - timedelta(hours=1))
    assert expires_at < datetime.now(UTC)
    r = browser.get(url)
    assert r.status_code == 403
    assert DATA not in r.content


def test_write_with_read_url_is_refused(store: ImageStore, browser) -> None:
    store.put(KEY, DATA, "image/webp")
    url, _ = store.url(KEY)
    r = browser.request("PUT", url, content=b"overwritten", headers={"x-ms-blob-type": "BlockBlob"})
    assert r.status_code in (403, 405)
    r = browser.request("DELETE", url)
    assert r.status_code in (403, 405)
    assert store.get(KEY) == DATA


def test_url_for_deleted_blob_is_404(store: ImageStore, browser) -> None:
    store.put(KEY, DATA, "image/webp")
    url, _ = store.url(KEY)
    store.delete(KEY)
    assert browser.get(url).status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "../secret",
        "images/../../etc/passwd",
        "/etc/passwd",
        "images//x.webp",
        "images/./x.webp",
        "",
        "a\\b",
        "é.webp",
    ],
)
def test_unsafe_keys_are_refused(store: ImageStore, key: str) -> None:
    for op in (
        lambda: store.put(key, DATA, "image/webp"),
        lambda: store.get(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.url(key),
    ):
        with pytest.raises(InvalidInput):
            op()


def test_get_store_override(store: ImageStore) -> None:
    assert storage.get_store() is store
