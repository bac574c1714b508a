"""``json_response`` writes what ``JSONResponse(jsonable_encoder(content))`` writes, byte for byte."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from khala.api.http import json_response


class Colour(enum.Enum):
    red = "red"


class Status(enum.StrEnum):
    confirmed = "confirmed"


@dataclass
class Point:
    x: int
    at: datetime


class Model(BaseModel):
    id: uuid.UUID
    when: datetime | None = None


CONTENT = {
    "id": uuid.uuid4(),
    "created_at": datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=UTC),
    "naive": datetime(2026, 12, 1, 9, 30),
    "day": date(2026, 12, 1),
    "clock": time(18, 55, 3),
    "quantity": 2,
    "price": Decimal("12.50"),
    "whole": Decimal("3"),
    "ratio": 0.25,
    "status": Status.confirmed,
    "colour": Colour.red,
    "waitlist_position": None,
    "ok": True,
    "name": 'Åsa Öberg ✓ "quoted" \\ </script>',
    "items": [1, "two", (3, uuid.UUID(int=4))],
    "tags": {"x"},
    "point": Point(1, datetime(2026, 1, 1, tzinfo=UTC)),
    "model": Model(id=uuid.UUID(int=7), when=datetime(2026, 1, 2, tzinfo=UTC)),
    "nested": {"deeper": [{"id": uuid.UUID(int=9), "wait": timedelta(seconds=90)}]},
    "empty": {},
}


@pytest.mark.parametrize("content", [CONTENT, [CONTENT, CONTENT], {}, [], "text", 3, None])
def test_the_same_bytes_as_fastapis_encoder(content) -> None:
    ours = json_response(201, content, headers={"Location": "/x"})
    theirs = JSONResponse(jsonable_encoder(content), status_code=201, headers={"Location": "/x"})
    assert ours.body == theirs.body
    assert ours.status_code == 201 and ours.headers.items() == theirs.headers.items()


def test_not_a_number_is_refused_as_before() -> None:
    with pytest.raises(ValueError):
        JSONResponse(jsonable_encoder({"x": float("nan")}))
    with pytest.raises(ValueError):
        json_response(200, {"x": float("nan")})
