"""People who use Khala."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from khala.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored normalised (trimmed, lower-case), so the unique index is case-insensitive.
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=100)
    is_admin: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
