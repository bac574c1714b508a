"""event list indexes: the catalogue's two index orders ("soonest first", "cheapest first") also hold ends_at, so
the events that ended and the rows a later page skips are judged inside the index, and the page's cards are read
for its ids only (catalogue.search_events; bench/api_list.py). They replace ix_event_status_starts (status,
starts_at) and ix_event_status_price_starts (status, min_price_minor, starts_at, id), their prefixes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_event_status_starts_id_ends", "event", ["status", "starts_at", "id", "ends_at"])
    op.drop_index("ix_event_status_starts", table_name="event")
    op.create_index(
        "ix_event_status_price_starts_ends", "event", ["status", "min_price_minor", "starts_at", "id", "ends_at"]
    )
    op.drop_index("ix_event_status_price_starts", table_name="event")


def downgrade() -> None:
    op.create_index("ix_event_status_price_starts", "event", ["status", "min_price_minor", "starts_at", "id"])
    op.drop_index("ix_event_status_price_starts_ends", table_name="event")
    op.create_index("ix_event_status_starts", "event", ["status", "starts_at"])
    op.drop_index("ix_event_status_starts_id_ends", table_name="event")
