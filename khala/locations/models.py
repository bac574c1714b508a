"""Venues."""

from __future__ import annotations

import uuid

from sqlmodel import Field, SQLModel


class Location(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120)
    street: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=20)
    city: str = Field(max_length=100, index=True)
    region: str = Field(default="", max_length=100)
    country: str = Field(default="SE", max_length=2)
    latitude: float | None = None
    longitude: float | None = None
