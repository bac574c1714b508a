"""One id parser: a UUID, or NotFound with a message a person can read; the batch form skips junk."""

from __future__ import annotations

import uuid

import pytest

from khala.errors import NotFound
from khala.lib.ids import parse_id, parse_ids

ID = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")


@pytest.mark.parametrize("value", [ID, str(ID), f"  {ID}\n", str(ID).upper(), ID.hex, f"{{{ID}}}", ID.urn])
def test_accepts_every_spelling_of_a_uuid(value: object) -> None:
    assert parse_id(value, "event") == ID


@pytest.mark.parametrize(
    "value", ["", "nope", "1234", str(ID)[:-1], f"{ID}x", None, 42, 1.5, b"bytes", object()]
)
def test_anything_else_is_not_found_with_a_readable_message(value: object) -> None:
    with pytest.raises(NotFound) as exc:
        parse_id(value, "package")
    assert exc.value.message == "We could not find that package."
    assert exc.value.status == 404 and exc.value.code == "not-found"


def test_a_domain_may_keep_its_own_wording() -> None:
    with pytest.raises(NotFound, match=r"^That image does not exist\.$"):
        parse_id("junk", "image", message="That image does not exist.")


def test_a_fallback_is_written_where_it_is_used() -> None:
    """The pattern callers with a fallback use (a slug, an RFC Message-ID): catch NotFound at the call."""

    def event_key(key: str) -> uuid.UUID | str:
        try:
            return parse_id(key, "event")
        except NotFound:
            return key

    assert event_key(str(ID)) == ID and event_key("jazz-night") == "jazz-night"


def test_parse_ids_keeps_valid_ids_in_order_without_repeats_and_respects_the_limit() -> None:
    other = uuid.uuid4()
    values = [str(ID), None, "", "junk", other, str(ID).upper(), 7]
    assert parse_ids(values) == [ID, other]
    assert parse_ids(values, limit=1) == [ID]
    assert parse_ids([]) == [] and parse_ids(["x", None]) == []
    assert parse_ids(str(uuid.uuid4()) for _ in range(10)).__len__() == 10
