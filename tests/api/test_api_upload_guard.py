"""An image upload through the API is refused before its body is read unless it carries a write key; with one,
it passes the upload guard (which once let only an administrator's browser cookie through)."""

from __future__ import annotations


def _post(client, headers: dict[str, str]):
    # Far above the upload limit: a refusal here must come from the key check, before the size is counted.
    big = {"content-length": str(10**9)}
    return client.post("/images", content=b"", headers=big | headers)


def test_no_key_is_401_and_a_read_key_is_403_before_the_body(client, read_headers) -> None:
    anonymous = _post(client, {})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not-authenticated"
    reader = _post(client, read_headers)
    assert reader.status_code == 403 and reader.json()["code"] == "forbidden"


def test_a_write_key_passes_the_guard_to_the_size_limit(client, write_headers) -> None:
    writer = _post(client, write_headers)
    assert writer.status_code == 413 and writer.json()["code"] == "too-large"
