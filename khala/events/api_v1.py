"""REST API v1 of events: the catalogue (any key) and categories.

The list is the site's catalogue search (``events.catalogue.search_events``: the same filters, sorts and
pages); an event comes with its packages and their live availability. A list answer is rendered once (JSON,
its ETag, a gzip copy) and remembered for a second by filters, page, language and what the key may see
(``events.totals.answer``): a hit is answered on the event loop without a query; its seat counts are at most a
second old, and any change this process writes is seen at once.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, StringConstraints, TypeAdapter
from starlette.concurrency import run_in_threadpool

from khala.api.auth import ReadKey, WriteKey, actor_of
from khala.api.http import VARY, IdempotencyKey, envelope, etag_of, idempotent, json_response, page_headers
from khala.api.schemas import PREFIX, READ_ERRORS, WRITE_ERRORS, IsoDatetime, examples, problem_responses
from khala.events import catalogue, commands, totals
from khala.events import service as rules
from khala.events.catalogue import EventCard, EventDetail, PackageView
from khala.lib.i18n import get_language
from khala.locations.api_v1 import VENUE_EXAMPLE, Venue, venue_of

router = APIRouter()

_EVT_ID = "0d3c8f2e-4b7a-4f5e-9c1d-2a6b8e0f4c37"
_PKG_ID = "6c0f0a4e-3a51-4b0e-9d43-0f9e3e1c2a10"
_IMG_ID = "3a7d5c1e-9f2b-4d8a-8e6c-0b1f2d3e4a59"

SalesState = Literal["open", "not_yet", "closed", "event_past", "event_cancelled"]


class Category(BaseModel):
    model_config = examples({"slug": "music", "name": "Music"})

    slug: str
    name: str


class EventSummary(BaseModel):
    model_config = examples(
        {
            "id": _EVT_ID,
            "slug": "starcraft-event",
            "title": "Starcraft Event",
            "summary": "Pro players live on the big screen.",
            "starts_at": "2026-12-12T18:00:00Z",
            "ends_at": "2026-12-12T22:00:00Z",
            "timezone": "Europe/Stockholm",
            "venue": "SkyDome Stadium",
            "city": "Toronto",
            "category": {"slug": "gaming", "name": "Gaming"},
            "image_id": _IMG_ID,
            "min_price_minor": 10000,
            "currency": "SEK",
            "seats_left": 120,
            "sold_out": False,
        }
    )

    id: UUID
    slug: str
    title: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    timezone: str = Field(description="The event's IANA time zone: show its times in it.")
    venue: str
    city: str
    category: Category | None
    image_id: UUID | None = Field(description="See GET /images/{id} for its URL.")
    min_price_minor: int | None = Field(description="The cheapest package, in minor units (öre, cents).")
    currency: str
    seats_left: int | None = Field(description="Over every package; null = unlimited.")
    sold_out: bool


class EventList(BaseModel):
    model_config = examples(
        {
            "items": [EventSummary.model_config["json_schema_extra"]["examples"][0]],
            "total": 1,
            "page": 1,
            "page_size": 24,
            "pages": 1,
        }
    )

    items: list[EventSummary]
    total: int = Field(description="Events matching the filters, over every page.")
    page: int
    page_size: int
    pages: int


class Package(BaseModel):
    model_config = examples(
        {
            "id": _PKG_ID,
            "title": "Standard",
            "description": "General admission.",
            "perks": ["Free coat check"],
            "price_minor": 10000,
            "currency": "SEK",
            "capacity": 200,
            "taken": 80,
            "seats_left": 120,
            "sold_out": False,
            "max_per_registration": 10,
            "sales_opens_at": None,
            "sales_closes_at": "2026-12-12T17:00:00Z",
            "sales_state": "open",
            "position": 0,
        }
    )

    id: UUID
    title: str
    description: str
    perks: list[str]
    price_minor: int
    currency: str
    capacity: int | None = Field(description="null = unlimited.")
    taken: int
    seats_left: int | None
    sold_out: bool
    max_per_registration: int
    sales_opens_at: datetime | None
    sales_closes_at: datetime | None
    sales_state: SalesState
    position: int


class Event(BaseModel):
    model_config = examples(
        {
            "id": _EVT_ID,
            "slug": "starcraft-event",
            "title": "Starcraft Event",
            "summary": "Pro players live on the big screen.",
            "description": "Doors at **17:30**.",
            "status": "published",
            "starts_at": "2026-12-12T18:00:00Z",
            "ends_at": "2026-12-12T22:00:00Z",
            "timezone": "Europe/Stockholm",
            "category": {"slug": "gaming", "name": "Gaming"},
            "image_id": _IMG_ID,
            "venue": VENUE_EXAMPLE,
            "min_price_minor": 10000,
            "currency": "SEK",
            "seats_left": 120,
            "sold_out": False,
            "packages": [Package.model_config["json_schema_extra"]["examples"][0]],
        }
    )

    id: UUID
    slug: str
    title: str
    summary: str
    description: str = Field(description="Markdown.")
    status: Literal["draft", "published", "cancelled"]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    category: Category | None
    image_id: UUID | None
    venue: Venue | None
    min_price_minor: int | None
    currency: str
    seats_left: int | None
    sold_out: bool
    packages: list[Package]


def _category(slug: str, name: str) -> dict[str, str] | None:
    return {"slug": slug, "name": name} if slug else None


def summary_of(c: EventCard) -> dict[str, object]:
    return {
        "id": c.id,
        "slug": c.slug,
        "title": c.title,
        "summary": c.summary,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "timezone": c.timezone,
        "venue": c.venue,
        "city": c.city,
        "category": _category(c.category_slug, c.category_name),
        "image_id": c.image_id,
        "min_price_minor": c.min_price_minor,
        "currency": c.currency,
        "seats_left": c.seats_left,
        "sold_out": c.sold_out,
    }


def package_of(p: PackageView) -> dict[str, object]:
    return {
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "perks": list(p.perks),
        "price_minor": p.price_minor,
        "currency": p.currency,
        "capacity": p.capacity,
        "taken": p.taken,
        "seats_left": p.seats_left,
        "sold_out": p.sold_out,
        "max_per_registration": p.max_per_registration,
        "sales_opens_at": p.opens_at,
        "sales_closes_at": p.closes_at,
        "sales_state": p.sales_state,
        "position": p.position,
    }


def event_of(d: EventDetail) -> dict[str, object]:
    venue = venue_of(d.venue, d, d.address, d.map_url) if d.venue or d.city else None
    return {
        "id": d.id,
        "slug": d.slug,
        "title": d.title,
        "summary": d.summary,
        "description": d.description,
        "status": d.status,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "timezone": d.timezone,
        "category": _category(d.category_slug, d.category_name),
        "image_id": d.image_id,
        "venue": venue,
        "min_price_minor": d.min_price_minor,
        "currency": d.currency,
        "seats_left": d.seats_left,
        "sold_out": d.sold_out,
        "packages": [package_of(p) for p in d.packages],
    }


_EVENT_LIST = TypeAdapter(EventList)  # what FastAPI validates and dumps a response_model with
GZIP_MINIMUM = 1000  # as the app's GZipMiddleware: smaller bodies go uncompressed


@dataclass(frozen=True)
class _ListAnswer:
    body: bytes  # the JSON, as FastAPI would render it through EventList
    gzipped: bytes | None  # the same, compressed (None: too small to be worth it)
    etag: str  # of the uncompressed body (what ETagMiddleware would give it)
    total: int
    pages: int


def _render_list(wanted: int, **search: object) -> _ListAnswer:
    result = catalogue.search_events(**search)  # type: ignore[arg-type]
    content = envelope(result, wanted, [summary_of(c) for c in result.items])
    body = _EVENT_LIST.dump_json(_EVENT_LIST.validate_python(content))
    return _ListAnswer(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MINIMUM else None,
        etag=etag_of(body),
        total=result.total,
        pages=result.pages,
    )


@router.get(
    "/events",
    response_model=EventList,
    tags=["events"],
    summary="Search the catalogue",
    responses=problem_responses(*READ_ERRORS),
)
async def list_events(
    request: Request,
    response: Response,
    key: ReadKey,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in title, summary, venue or city.")
    ] = None,
    category: Annotated[str | None, Query(max_length=60, description="A category slug.")] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    date_from: Annotated[IsoDatetime | None, Query(description="Events that end after this.")] = None,
    date_to: Annotated[IsoDatetime | None, Query(description="Events that start before this.")] = None,
    price: Annotated[Literal["free", "paid"] | None, Query()] = None,
    sort: Annotated[Literal["date", "price", "popularity"], Query()] = "date",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=catalogue.MAX_PAGE_SIZE)] = 24,
) -> Response:
    """Published events; without a date range only those that have not ended, soonest first."""
    search = {
        "text": q,
        "category": category,
        "city": city,
        "date_from": date_from,
        "date_to": date_to,
        "price": price,
    }
    # Everything the answer depends on, as given (equal parameters, equal answer). Every key sees the same
    # published catalogue today; what a key may see is in it all the same, so no answer reaches a key that
    # should not see it.
    remembered_as = (
        "api.v1.events",
        key.can_write,
        get_language(),
        *search.values(),
        sort,
        page,
        page_size,
    )
    answer: _ListAnswer | None = totals.recall(remembered_as)
    if answer is None:  # read and render off the event loop; concurrent askers of the same answer wait for it
        build = partial(_render_list, page, sort=sort, page=page, page_size=page_size, **search)
        answer = await run_in_threadpool(totals.answer, remembered_as, build)
    headers = {"ETag": answer.etag}
    body = answer.body
    if answer.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        # Compressed once, when rendered; the GZipMiddleware passes an encoded body through untouched.
        body = answer.gzipped
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = f"{VARY}, Accept-Encoding"
    out = Response(body, media_type="application/json", headers=headers)
    page_headers(request, out, page, answer.pages, answer.total)
    out.headers.raw.extend(response.headers.raw)  # the rate limit's (a returned Response keeps only its own)
    return out


@router.get(
    "/events/{event_id}",
    response_model=Event,
    tags=["events"],
    summary="An event with its packages and live availability",
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_event(
    event_id: Annotated[str, Path(min_length=1, max_length=120, description="The event's id or its slug.")],
    key: ReadKey,
) -> dict[str, object]:
    """Drafts are visible to write keys only."""
    return event_of(catalogue.get_event(event_id, include_unpublished=key.can_write))


@router.get(
    "/categories",
    response_model=list[Category],
    tags=["categories"],
    summary="Every category, by name",
    responses=problem_responses(*READ_ERRORS),
)
def list_categories(key: ReadKey) -> list[dict[str, str]]:
    return [{"slug": slug, "name": name} for slug, name in catalogue.list_categories()]


# ---------------------------------------------------------------------------------------------------------
# Writing (write scope): the admin dashboard's services and rules, audited with the key as actor.

_STATUS = Literal["draft", "published", "cancelled"]
Perk = Annotated[str, StringConstraints(max_length=rules.MAX_PERK)]
_LOC_ID = "2f4e6a8c-1b3d-4f5a-9c7e-8d0b2a4c6e13"


class EventIn(BaseModel):
    model_config = examples(
        {
            "title": "Starcraft Event",
            "starts_at": "2026-12-12T18:00:00+01:00",
            "ends_at": "2026-12-12T22:00:00+01:00",
            "timezone": "Europe/Stockholm",
            "summary": "Pro players live on the big screen.",
            "description": "Doors at **17:30**.",
            "category": "gaming",
            "location_id": _LOC_ID,
            "status": "draft",
        }
    )

    title: str = Field(max_length=rules.MAX_TITLE)
    starts_at: IsoDatetime
    ends_at: IsoDatetime | None = Field(default=None, description="Default: two hours after the start.")
    timezone: str | None = Field(default=None, max_length=64, description="IANA name; default: the site's.")
    summary: str = Field(default="", max_length=rules.MAX_SUMMARY)
    description: str = Field(default="", max_length=rules.MAX_DESCRIPTION, description="Markdown.")
    category: str | None = Field(
        default=None, max_length=60, description="A category slug (GET /categories)."
    )
    location_id: UUID | None = None
    image_id: UUID | None = None
    status: _STATUS = "draft"
    slug: str | None = Field(default=None, max_length=80, description="Default: made from the title.")


class EventPatch(BaseModel):
    """Only the fields sent change; the status changes through PUT /events/{event_id}/status."""

    model_config = examples({"title": "Starcraft Finals", "ends_at": None}, {"location_id": _LOC_ID})

    title: str = Field(default=None, max_length=rules.MAX_TITLE)  # type: ignore[assignment]  # absent = unchanged
    starts_at: IsoDatetime = Field(default=None)  # type: ignore[assignment]
    ends_at: IsoDatetime | None = Field(default=None, description="null: two hours after the start.")
    timezone: str = Field(default=None, max_length=64)  # type: ignore[assignment]
    summary: str = Field(default=None, max_length=rules.MAX_SUMMARY)  # type: ignore[assignment]
    description: str = Field(default=None, max_length=rules.MAX_DESCRIPTION)  # type: ignore[assignment]
    category: str | None = Field(default=None, max_length=60, description="A slug; null: no category.")
    location_id: UUID | None = None
    image_id: UUID | None = None


class StatusIn(BaseModel):
    model_config = examples({"status": "published"}, {"status": "cancelled"})

    status: _STATUS


class PackageIn(BaseModel):
    model_config = examples(
        {
            "title": "Standard",
            "price_minor": 10000,
            "currency": "SEK",
            "capacity": 200,
            "max_per_registration": 10,
            "perks": ["Free coat check"],
        }
    )

    title: str = Field(max_length=rules.MAX_TITLE)
    price_minor: int = Field(default=0, ge=0, le=10**12, description="In minor units (öre, cents).")
    currency: str | None = Field(default=None, max_length=3, description="ISO 4217; default: the site's.")
    description: str = Field(default="", max_length=rules.MAX_PACKAGE_DESCRIPTION)
    perks: list[Perk] = Field(default_factory=list, max_length=rules.MAX_PERKS)
    capacity: int | None = Field(default=None, ge=0, le=10**9, description="null: unlimited.")
    max_per_registration: int = Field(default=10, ge=1, le=10_000)
    sales_opens_at: IsoDatetime | None = None
    sales_closes_at: IsoDatetime | None = None


class PackagePatch(BaseModel):
    """Only the fields sent change. The capacity cannot go below the seats taken; more capacity moves the
    waiting list up."""

    model_config = examples(
        {"capacity": 250}, {"title": "Early bird", "sales_closes_at": "2026-11-30T23:00:00Z"}
    )

    title: str = Field(default=None, max_length=rules.MAX_TITLE)  # type: ignore[assignment]
    price_minor: int = Field(default=None, ge=0, le=10**12)  # type: ignore[assignment]
    currency: str = Field(default=None, max_length=3)  # type: ignore[assignment]
    description: str = Field(default=None, max_length=rules.MAX_PACKAGE_DESCRIPTION)  # type: ignore[assignment]
    perks: list[Perk] = Field(default=None, max_length=rules.MAX_PERKS)  # type: ignore[assignment]
    capacity: int | None = Field(default=None, ge=0, le=10**9)
    max_per_registration: int = Field(default=None, ge=1, le=10_000)  # type: ignore[assignment]
    sales_opens_at: IsoDatetime | None = None
    sales_closes_at: IsoDatetime | None = None


def _sent(body: BaseModel) -> dict[str, object]:
    return {k: getattr(body, k) for k in body.model_fields_set}


def _created(location: str, content: dict[str, object]) -> Response:
    return json_response(201, content, headers={"Location": location})


@router.post(
    "/events",
    status_code=201,
    response_model=Event,
    tags=["events"],
    summary="Create an event",
    responses=problem_responses(*WRITE_ERRORS),
)
def create_event(
    body: EventIn, request: Request, key: WriteKey, idempotency_key: IdempotencyKey = None
) -> Response:
    """The admin's rules, with a message per field (422). Audited as `event.created`."""

    def run() -> Response:
        detail = commands.create_event(actor=actor_of(key), **body.model_dump())
        return _created(f"{PREFIX}/events/{detail.id}", event_of(detail))

    return idempotent(request, key, body, run)


@router.patch(
    "/events/{event_id}",
    response_model=Event,
    tags=["events"],
    summary="Change an event's details",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def update_event(event_id: UUID, body: EventPatch, key: WriteKey) -> dict[str, object]:
    """Audited as `event.updated` with the before and after of each changed field."""
    return event_of(commands.update_event(event_id, actor=actor_of(key), **_sent(body)))


@router.put(
    "/events/{event_id}/status",
    response_model=Event,
    tags=["events"],
    summary="Publish, unpublish or cancel an event",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def set_status(event_id: UUID, body: StatusIn, key: WriteKey) -> dict[str, object]:
    """Cancelling mails every ticket holder; a cancelled event stays cancelled (409), and an event someone
    holds seats for cannot go back to draft (409). Audited as `event.published` / `unpublished` / `cancelled`."""
    return event_of(commands.set_status(event_id, body.status, actor=actor_of(key)))


@router.delete(
    "/events/{event_id}",
    status_code=204,
    response_class=Response,
    tags=["events"],
    summary="Delete an event nobody registered for",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def delete_event(event_id: UUID, key: WriteKey) -> Response:
    """409 once anyone has registered: cancel it instead. Audited as `event.deleted`."""
    commands.delete_event(event_id, actor=actor_of(key))
    return Response(status_code=204)


@router.post(
    "/events/{event_id}/packages",
    status_code=201,
    response_model=Package,
    tags=["events"],
    summary="Add a package (ticket tier) to an event",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def add_package(
    event_id: UUID, body: PackageIn, request: Request, key: WriteKey, idempotency_key: IdempotencyKey = None
) -> Response:
    """Audited as `package.created`."""

    def run() -> Response:
        view = commands.add_package(event_id, actor=actor_of(key), **body.model_dump())
        return _created(f"{PREFIX}/packages/{view.id}", package_of(view))

    return idempotent(request, key, {"event_id": str(event_id), **body.model_dump(mode="json")}, run)


@router.get(
    "/packages/{package_id}",
    response_model=Package,
    tags=["events"],
    summary="A package with its live availability",
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_package(package_id: UUID, key: ReadKey) -> dict[str, object]:
    return package_of(commands.get_package(package_id))


@router.patch(
    "/packages/{package_id}",
    response_model=Package,
    tags=["events"],
    summary="Change a package",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def update_package(package_id: UUID, body: PackagePatch, key: WriteKey) -> dict[str, object]:
    """Audited as `package.capacity_changed` when only the capacity changed, else `package.updated`."""
    return package_of(commands.update_package(package_id, actor=actor_of(key), **_sent(body)))


@router.delete(
    "/packages/{package_id}",
    status_code=204,
    response_class=Response,
    tags=["events"],
    summary="Delete a package nobody registered for",
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def delete_package(package_id: UUID, key: WriteKey) -> Response:
    """409 once anyone has registered: lower its capacity to stop sales instead. Audited as `package.deleted`."""
    commands.delete_package(package_id, actor=actor_of(key))
    return Response(status_code=204)
