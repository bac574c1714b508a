"""Image metadata. The bytes live in an ImageStore (Azure Blob Storage or local files)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow


class Image(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    storage_key: str = Field(max_length=300, unique=True)
    name: str = Field(max_length=120)
    alt_text: str = Field(max_length=300)
    description: str = Field(default="", max_length=1000)
    content_type: str = Field(max_length=50)
    width: int
    height: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
