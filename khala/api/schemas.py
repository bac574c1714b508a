"""Schemas shared by every part of the API: problems, list envelopes, the documented error responses."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from khala.api.problems import MEDIA_TYPE
from khala.lib.i18n import gettext as _

PREFIX = "/api/v1"


_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_only(value: object) -> object:
    """Times are ISO 8601 text (a number is not read as a Unix timestamp)."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_8601.match(value.strip())):
        return value
    raise ValueError(_("Use an ISO 8601 date and time with a time zone, e.g. 2026-12-12T18:00:00+01:00."))


# A moment in time as the API takes it: ISO 8601 with a time zone (``2026-12-12T18:00:00+01:00``, ``…Z``).
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]


def examples(*values: dict[str, Any]) -> ConfigDict:
    """A model config whose JSON Schema carries ``examples`` (every schema of the API has some)."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


class FieldError(BaseModel):
    model_config = examples({"field": "title", "detail": "A title is required."})

    field: str = Field(description="The field's name as sent; empty for a message about the whole request.")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "tag:khala,2026:problem:sold-out",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "Standard is sold out.",
                    "code": "sold-out",
                    "instance": "/api/v1/packages/6c0f0a4e-3a51-4b0e-9d43-0f9e3e1c2a10/registrations",
                },
                {
                    "type": "tag:khala,2026:problem:invalid-input",
                    "title": "Unprocessable Content",
                    "status": 422,
                    "detail": "A title is required.",
                    "code": "invalid-input",
                    "errors": [{"field": "title", "detail": "A title is required."}],
                },
            ]
        }
    )

    type: str = Field(description="Identifies the kind of problem (one per `code`).")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(ge=100, le=599)
    detail: str = Field(description="What went wrong, for a person to read.")
    code: str = Field(description="A stable machine-readable name: not-found, sold-out, invalid-input, …")
    instance: str | None = Field(default=None, description="The path of the request that failed.")
    errors: list[FieldError] | None = Field(default=None, description="Per-field messages (422).")


class Health(BaseModel):
    model_config = examples({"status": "ok", "version": "v1"})

    status: str
    version: str


_DESCRIPTIONS = {
    400: "The request is malformed (e.g. the body is not JSON).",
    401: "No API key, or an unknown or revoked one.",
    403: "The API key's scope does not allow this.",
    404: "Nothing with that id exists (or it is not visible to this key).",
    409: "The request conflicts with the current state (sold out, already registered, already checked in…).",
    422: "A field is invalid; `errors` lists each field with its message.",
    413: "The upload is larger than allowed (`settings.upload_max_bytes`, 10 MB by default).",
    429: "Too many requests for this API key; `Retry-After` says how many seconds to wait.",
}
# The upload-size guard answers before the API runs, without a `code`.
_TOO_LARGE = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "examples": [{"type": "about:blank", "title": "Upload too large", "status": 413, "detail": "…"}],
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries of a route for these error statuses, as application/problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        schema = _TOO_LARGE if status == 413 else {"$ref": "#/components/schemas/Problem"}
        entry: dict[str, Any] = {
            "description": _DESCRIPTIONS.get(status, "Error"),
            "content": {MEDIA_TYPE: {"schema": schema}},
        }
        if status == 429:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer"},
                }
            }
        out[status] = entry
    return out


# What every keyed route may answer besides its own errors.
READ_ERRORS = (401, 422, 429)
WRITE_ERRORS = (400, 401, 403, 422, 429)
