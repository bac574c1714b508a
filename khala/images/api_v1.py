"""REST API v1 of images: metadata with fresh signed URLs (any key); upload, describe and delete (write scope).

Uploads go through the same pipeline as the admin's (``images.service.create_image``: the bytes are sniffed,
never trusted by their name or declared type, re-encoded and stored in the image store). The request body is
capped before it is parsed (``khala.rest`` wraps the API in ``limit_upload_size``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, Field

from khala.api.auth import ReadKey, WriteKey, actor_of
from khala.api.http import json_response
from khala.api.schemas import PREFIX, READ_ERRORS, WRITE_ERRORS, examples, problem_responses
from khala.images import service
from khala.images.models import Image as ImageRow

router = APIRouter(tags=["images"])

_IMG_ID = "3a7d5c1e-9f2b-4d8a-8e6c-0b1f2d3e4a59"
_EXAMPLE = {
    "id": _IMG_ID,
    "name": "Starcraft poster",
    "alt_text": "Two players facing each other on a stage under blue lights",
    "description": "",
    "content_type": "image/webp",
    "width": 1200,
    "height": 800,
    "created_at": "2026-11-20T10:00:00Z",
    "urls": {
        "card": {"url": "https://khala.example/media/images/ab12/card.webp?exp=1796000000&sig=…",
                 "expires_at": "2026-12-01T10:00:00Z"},
        "modal": {"url": "https://khala.example/media/images/ab12/modal.webp?exp=1796000000&sig=…",
                  "expires_at": "2026-12-01T10:00:00Z"},
    },
}  # fmt: skip


class SignedUrl(BaseModel):
    model_config = examples(_EXAMPLE["urls"]["card"])  # type: ignore[index]

    url: str = Field(description="Read-only; ask again for a fresh one after `expires_at`.")
    expires_at: datetime


class Renditions(BaseModel):
    model_config = examples(_EXAMPLE["urls"])  # type: ignore[arg-type]

    card: SignedUrl = Field(description="At most 480×960, for lists.")
    modal: SignedUrl = Field(description="At most 1200×2400, for an event's page.")


class Image(BaseModel):
    model_config = examples(_EXAMPLE)

    id: UUID
    name: str
    alt_text: str = Field(description="Show it as the image's alternative text.")
    description: str
    content_type: str
    width: int
    height: int
    created_at: datetime
    urls: Renditions


class ImagePatch(BaseModel):
    """Only the fields sent change (the pixels stay)."""

    model_config = examples({"alt_text": "Two players on a stage under blue lights"})

    name: str | None = Field(default=None, max_length=service.MAX_NAME)
    alt_text: str | None = Field(default=None, min_length=1, max_length=service.MAX_ALT)
    description: str | None = Field(default=None, max_length=service.MAX_DESCRIPTION)


def image_of(row: ImageRow) -> dict[str, object]:
    urls = {
        size: {"url": service.absolute_url(signed.url), "expires_at": signed.expires_at}
        for size, signed in service.image_urls(row).items()
    }
    return {
        "id": row.id,
        "name": row.name,
        "alt_text": row.alt_text,
        "description": row.description,
        "content_type": row.content_type,
        "width": row.width,
        "height": row.height,
        "created_at": row.created_at,
        "urls": urls,
    }


@router.get(
    "/images/{image_id}",
    response_model=Image,
    summary="An image's metadata and fresh signed URLs",
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_image(image_id: UUID, key: ReadKey) -> Response:
    """The URLs are signed for `settings.image_url_ttl_minutes` (60 by default), as the site's are."""
    content = image_of(service.get_image_by_id(image_id))
    return json_response(200, content, headers={"Cache-Control": "private, no-store"})


@router.post(
    "/images",
    status_code=201,
    response_model=Image,
    summary="Upload an image (JPEG, PNG, WebP or GIF)",
    responses=problem_responses(*WRITE_ERRORS, 413),
)
def upload_image(
    key: WriteKey,
    file: Annotated[UploadFile, File(description="The picture; its type is read from its bytes.")],
    alt_text: Annotated[
        str, Form(min_length=1, max_length=service.MAX_ALT, description="What it shows, for screen readers.")
    ],
    name: Annotated[str, Form(max_length=service.MAX_NAME, description="Default: the file's name.")] = "",
    description: Annotated[str, Form(max_length=service.MAX_DESCRIPTION)] = "",
) -> Response:
    """Cleaned (no metadata), re-encoded in two renditions and stored. 422 per field for a file that is not
    an image, too large or too many pixels, or a missing alt text. Audited as `image.uploaded`."""
    data = service.read_upload(file.file)
    row = service.create_image(
        data,
        actor=actor_of(key),
        name=name or file.filename or "image",
        alt_text=alt_text,
        description=description,
        declared_type=file.content_type,
    )
    return json_response(201, image_of(row), headers={"Location": f"{PREFIX}/images/{row.id}"})


@router.patch(
    "/images/{image_id}",
    response_model=Image,
    summary="Change what is said about an image",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def update_image(image_id: UUID, body: ImagePatch, key: WriteKey) -> Response:
    """Audited as `image.updated`."""
    row = service.update_image(
        image_id, actor=actor_of(key), name=body.name, alt_text=body.alt_text, description=body.description
    )
    return json_response(200, image_of(row), headers={"Cache-Control": "private, no-store"})


@router.delete(
    "/images/{image_id}",
    status_code=204,
    response_class=Response,
    summary="Delete an image (events showing it fall back to none)",
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def delete_image(image_id: UUID, key: WriteKey) -> Response:
    """Audited as `image.deleted`."""
    service.remove_image(image_id, actor=actor_of(key))
    return Response(status_code=204)
