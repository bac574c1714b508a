"""AzureBlobStore specifics on Azurite: private container, blob headers, SAS shape, credentials, selection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.storage.blob import UserDelegationKey

from khala.images import storage
from khala.images.storage import AzureBlobStore, BlobNotFound, LocalStore
from khala.settings import Settings

KEY = "images/feedbeef/modal.webp"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_container_is_created_private(azure_store: AzureBlobStore) -> None:
    azure_store.put(KEY, b"data", "image/webp")
    props = azure_store.client.get_container_client(azure_store.container).get_container_properties()
    assert props.public_access is None
    blob_url = azure_store.client.get_blob_client(azure_store.container, KEY).url
    r = httpx.get(blob_url)  # no SAS: anonymous read is refused
    assert r.status_code in (403, 404)
    assert r.content != b"data"


def test_existing_container_is_reused(azurite: str, azure_store: AzureBlobStore) -> None:
    azure_store.put(KEY, b"data", "image/webp")
    again = AzureBlobStore(azure_store.container, connection_string=azurite, https_only=False)
    try:
        again.put(KEY, b"data2", "image/webp")
        assert azure_store.get(KEY) == b"data2"
    finally:
        again.close()


def test_upload_sets_content_type_and_cache_headers(azure_store: AzureBlobStore) -> None:
    azure_store.put(KEY, b"data", "image/webp")
    props = azure_store.client.get_blob_client(azure_store.container, KEY).get_blob_properties()
    assert props.content_settings.content_type == "image/webp"
    assert props.content_settings.cache_control == storage.CACHE_CONTROL


def test_missing_container(azure_store: AzureBlobStore) -> None:
    assert not azure_store.exists(KEY)
    with pytest.raises(BlobNotFound):
        azure_store.get(KEY)
    azure_store.delete(KEY)


def test_sas_is_read_only_and_starts_in_the_past(azure_store: AzureBlobStore) -> None:
    azure_store.put(KEY, b"data", "image/webp")
    url, expires_at = azure_store.url(KEY)
    q = _query(url)
    assert q["sp"] == "r"
    assert q["sr"] == "b"
    now = datetime.now(UTC)
    start = datetime.fromisoformat(q["st"].replace("Z", "+00:00"))
    expiry = datetime.fromisoformat(q["se"].replace("Z", "+00:00"))
    assert expiry == expires_at
    assert now - timedelta(minutes=11) <= start <= now - timedelta(minutes=5)
    assert q["spr"] == "https,http"  # development: Azurite speaks plain HTTP


def test_https_only_sas(azurite: str, azure_store: AzureBlobStore) -> None:
    azure_store.put(KEY, b"data", "image/webp")
    strict = AzureBlobStore(azure_store.container, connection_string=azurite, https_only=True)
    try:
        url, _ = strict.url(KEY)
        assert _query(url)["spr"] == "https"
        assert httpx.get(url).status_code == 403  # the SAS refuses plain HTTP
    finally:
        strict.close()


def test_sas_for_a_tampered_permission_is_refused(azure_store: AzureBlobStore) -> None:
    azure_store.put(KEY, b"data", "image/webp")
    url, _ = azure_store.url(KEY)
    r = httpx.put(url.replace("sp=r", "sp=rw"), content=b"x", headers={"x-ms-blob-type": "BlockBlob"})
    assert r.status_code == 403
    assert azure_store.get(KEY) == b"data"


class _FakeCredential:
    def get_token(self, *scopes, **kw):  # pragma: no cover - never called: no request is made
        raise AssertionError("no network in this test")


def test_user_delegation_key_is_used_and_cached() -> None:
    store = AzureBlobStore("images", account="khalaprod", credential=_FakeCredential())
    calls: list[tuple[datetime, datetime]] = []

    def fake_key(start: datetime, expiry: datetime) -> UserDelegationKey:
        calls.append((start, expiry))
        key = UserDelegationKey()
        key.signed_oid = "00000000-0000-0000-0000-000000000001"
        key.signed_tid = "00000000-0000-0000-0000-000000000002"
        key.signed_start = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        key.signed_expiry = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        key.signed_service = "b"
        key.signed_version = "2025-01-05"
        key.value = "c2VjcmV0LWtleS1ieXRlcw=="
        return key

    store.client.get_user_delegation_key = fake_key  # type: ignore[method-assign]
    url, _ = store.url(KEY)
    assert url.startswith(f"https://khalaprod.blob.core.windows.net/images/{KEY}?")
    q = _query(url)
    assert q["skoid"] == "00000000-0000-0000-0000-000000000001"
    assert q["sp"] == "r"
    assert q["spr"] == "https"  # HTTPS-only by default
    store.url("images/other/card.webp")
    assert len(calls) == 1  # one delegation key serves many URLs
    start, expiry = calls[0]
    assert expiry - start >= timedelta(days=1)


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="tEst-only-k3y_0123456789abcdefghijKLMNOP", **kw)


@pytest.fixture
def settings_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    def apply(**kw) -> storage.ImageStore:
        monkeypatch.setattr(storage, "get_settings", lambda: _settings(tmp_path, **kw))
        storage._configured_store.cache_clear()
        return storage.get_store()

    yield apply
    storage._configured_store.cache_clear()


def test_get_store_picks_local_by_default(settings_for, tmp_path: Path) -> None:
    store = settings_for()
    assert isinstance(store, LocalStore)
    assert store.root == tmp_path / "media"


def test_get_store_picks_azure_with_a_connection_string(settings_for, azurite: str) -> None:
    store = settings_for(AZURE_STORAGE_CONNECTION_STRING=azurite, azure_container="posters")
    assert isinstance(store, AzureBlobStore)
    assert store.container == "posters"
    assert not store.https_only  # development
    assert store.default_ttl == timedelta(minutes=60)


def test_get_store_picks_azure_with_an_account(settings_for) -> None:
    store = settings_for(
        azure_storage_account="khalaprod", azure_storage_key="a2V5", image_url_ttl_minutes=15
    )
    assert isinstance(store, AzureBlobStore)
    assert store.account_name == "khalaprod"
    assert store.default_ttl == timedelta(minutes=15)


def test_production_sas_is_https_only(settings_for) -> None:
    store = settings_for(
        environment="production",
        public_url="https://khala.example",
        azure_storage_account="khalaprod",
        azure_storage_key="a2V5",
    )
    assert isinstance(store, AzureBlobStore)
    assert store.https_only
    assert _query(store.url(KEY).url)["spr"] == "https"
