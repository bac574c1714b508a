"""Every domain's tables in one metadata, for Alembic and tests."""

from sqlmodel import SQLModel

from khala.accounts.models import CalendarFeed, User
from khala.api.models import ApiKey, IdempotencyRecord
from khala.audit.models import AuditEntry
from khala.events.models import Category, Event, Package
from khala.images.models import Image
from khala.locations.models import Location
from khala.mail.models import OutboxMessage
from khala.registrations.models import Registration

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEntry",
    "CalendarFeed",
    "Category",
    "Event",
    "IdempotencyRecord",
    "Image",
    "Location",
    "OutboxMessage",
    "Package",
    "Registration",
    "User",
    "metadata",
]
