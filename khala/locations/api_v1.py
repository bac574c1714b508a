"""REST API v1 of venues: list and read them (any key); create, change and delete them (write scope)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from khala.api.auth import ReadKey, WriteKey, actor_of
from khala.api.http import IdempotencyKey, idempotent, json_response, paged
from khala.api.schemas import PREFIX, READ_ERRORS, WRITE_ERRORS, examples, problem_responses
from khala.locations import service
from khala.locations.service import Address, LocationView, address_of

router = APIRouter(tags=["locations"])
COUNTRY = r"^[A-Za-z]{2}$"

_LOC_ID = "2f4e6a8c-1b3d-4f5a-9c7e-8d0b2a4c6e13"
_INPUT_EXAMPLE = {
    "name": "SkyDome Stadium",
    "street": "1 Blue Jays Way",
    "postal_code": "M5V 1J1",
    "city": "Toronto",
    "region": "ON",
    "country": "CA",
    "latitude": 43.6414,
    "longitude": -79.3894,
}
VENUE_EXAMPLE = {
    **_INPUT_EXAMPLE,
    "address": "1 Blue Jays Way, M5V 1J1 Toronto, ON",
    "map_url": "https://www.openstreetmap.org/?mlat=43.6414&mlon=-79.3894#map=17/43.6414/-79.3894",
}
_EXAMPLE = {"id": _LOC_ID, **VENUE_EXAMPLE}


class Venue(BaseModel):
    """A venue as an event shows it (a ``Location`` without its id)."""

    model_config = examples(VENUE_EXAMPLE)

    name: str
    street: str
    postal_code: str
    city: str
    region: str
    country: str = Field(description="ISO 3166-1 alpha-2.")
    latitude: float | None
    longitude: float | None
    address: str = Field(description="Street, postal code and city, as the site shows it.")
    map_url: str = Field(
        description="OpenStreetMap: a pin at the coordinates, else a search for the address."
    )


class Location(Venue):
    model_config = examples(_EXAMPLE)

    id: UUID


class LocationList(BaseModel):
    model_config = examples({"items": [_EXAMPLE], "total": 1, "page": 1, "page_size": 50, "pages": 1})

    items: list[Location]
    total: int
    page: int
    page_size: int
    pages: int


class LocationIn(BaseModel):
    model_config = examples(_INPUT_EXAMPLE)

    name: str = Field(max_length=120)
    city: str = Field(max_length=100)
    street: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=20)
    region: str = Field(default="", max_length=100)
    country: str = Field(default="SE", pattern=COUNTRY, description="ISO 3166-1 alpha-2, e.g. SE.")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class LocationPatch(BaseModel):
    """Only the fields sent change."""

    model_config = examples({"street": "1 Blue Jays Way"}, {"latitude": None, "longitude": None})

    name: str = Field(default=None, max_length=120)  # type: ignore[assignment]  # absent = unchanged
    city: str = Field(default=None, max_length=100)  # type: ignore[assignment]
    street: str = Field(default=None, max_length=200)  # type: ignore[assignment]
    postal_code: str = Field(default=None, max_length=20)  # type: ignore[assignment]
    region: str = Field(default=None, max_length=100)  # type: ignore[assignment]
    country: str = Field(default=None, pattern=COUNTRY)  # type: ignore[assignment]
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


def venue_of(name: str, place: Address, address: str, map_url: str) -> dict[str, object]:
    """A ``Venue``: a venue's name, its address fields (of a LocationView or an EventDetail) and the two
    texts made of them."""
    return {"name": name, **address_of(place), "address": address, "map_url": map_url}


def location_of(v: LocationView) -> dict[str, object]:
    return {"id": v.id, **venue_of(v.name, v, v.address, v.map_url)}


@router.get(
    "/locations",
    response_model=LocationList,
    summary="Venues, by name",
    responses=problem_responses(*READ_ERRORS),
)
def list_locations(
    request: Request,
    response: Response,
    key: ReadKey,
    city: Annotated[str | None, Query(max_length=100, description="Only venues in this city.")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, object]:
    result = service.list_locations(city=city, page=page, page_size=page_size)
    return paged(request, response, result, page, [location_of(v) for v in result.items])


@router.get(
    "/locations/{location_id}",
    response_model=Location,
    summary="A venue",
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_location(location_id: UUID, key: ReadKey) -> dict[str, object]:
    return location_of(service.get_location(location_id))


@router.post(
    "/locations",
    status_code=201,
    response_model=Location,
    summary="Add a venue",
    responses=problem_responses(*WRITE_ERRORS),
)
def create_location(
    body: LocationIn, request: Request, key: WriteKey, idempotency_key: IdempotencyKey = None
) -> Response:
    """422 when a venue of that name already exists in that city. Audited as `location.created`."""

    def run() -> Response:
        location_id = service.create_location(actor=actor_of(key), **body.model_dump())
        content = location_of(service.get_location(location_id))
        return json_response(201, content, headers={"Location": f"{PREFIX}/locations/{location_id}"})

    return idempotent(request, key, body, run)


@router.patch(
    "/locations/{location_id}",
    response_model=Location,
    summary="Change a venue",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def update_location(location_id: UUID, body: LocationPatch, key: WriteKey) -> dict[str, object]:
    """Its events follow (search finds them by the new name and city). Audited as `location.updated`."""
    fields = {k: getattr(body, k) for k in body.model_fields_set}
    return location_of(service.update_location(location_id, actor=actor_of(key), **fields))


@router.delete(
    "/locations/{location_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a venue no event uses",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def delete_location(location_id: UUID, key: WriteKey) -> Response:
    """409 while events take place there. Audited as `location.deleted`."""
    service.delete_location(location_id, actor=actor_of(key))
    return Response(status_code=204)
