"""event price index: the catalogue's "cheapest first" reads published events in price order from an index
instead of sorting them all (bench/api_list.py: the slowest kind of list, 10-25 ms -> about 1 ms at 10,000 events)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_event_status_price_starts",
        "event",
        ["status", "min_price_minor", "starts_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_event_status_price_starts", table_name="event")
