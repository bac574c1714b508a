"""Background upkeep of the REST API, as a lifespan task of the app (``app.register_lifespan_task``)."""

from __future__ import annotations

import asyncio
import logging

from khala.api import idempotency

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0


async def purge_idempotency_forever(interval: float = PURGE_EVERY_SECONDS) -> None:
    """Forget ``Idempotency-Key`` answers older than a day, every ``interval`` seconds (off the event loop)."""
    while True:
        try:
            removed = await asyncio.to_thread(idempotency.purge_expired)
            if removed:
                log.info("api: forgot %d idempotency answer(s) older than %s", removed, idempotency.TTL)
        except Exception:  # keep running: the next round may succeed (e.g. database restarted)
            log.exception("api: purging idempotency answers failed")
        await asyncio.sleep(interval)
