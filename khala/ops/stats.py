"""The site's figures an operator watches (plain Python: one short read transaction, no web framework)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from khala.db import session_scope, utcnow
from khala.events.models import Package
from khala.mail.models import OutboxMessage, OutboxStatus
from khala.registrations.models import Registration, RegistrationStatus

PENDING = (OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value)


@dataclass(frozen=True)
class Snapshot:
    registrations: dict[str, int] = field(default_factory=dict)  # by status
    seats_taken: int = 0  # over every package
    outbox: dict[str, int] = field(default_factory=dict)  # messages by status
    outbox_oldest_pending_seconds: float = 0.0  # age of the oldest queued/sending message (0: none)

    @property
    def outbox_depth(self) -> int:
        return sum(self.outbox.get(s, 0) for s in PENDING)


def snapshot(*, now: datetime | None = None) -> Snapshot:
    now = now or utcnow()
    with session_scope() as s:
        regs = dict(s.execute(select(Registration.status, func.count()).group_by(Registration.status)).all())
        taken = s.execute(select(func.coalesce(func.sum(Package.taken), 0))).scalar_one()
        outbox = dict(
            s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        )
        oldest = s.execute(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(PENDING))  # type: ignore[attr-defined]
        ).scalar_one()
    if isinstance(oldest, str):  # defensive: a driver that returns the aggregate untyped
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    registrations = {st.value: 0 for st in RegistrationStatus} | {str(k): int(v) for k, v in regs.items()}
    return Snapshot(
        registrations=registrations,
        seats_taken=int(taken),
        outbox={st.value: 0 for st in OutboxStatus} | {str(k): int(v) for k, v in outbox.items()},
        outbox_oldest_pending_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )
