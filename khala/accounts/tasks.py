"""Background upkeep of the accounts domain, as a lifespan task of the app (``app.register_lifespan_task``)."""

from __future__ import annotations

import asyncio
import logging

from khala.accounts import sessions

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0


async def purge_expired_forever(interval: float = PURGE_EVERY_SECONDS) -> None:
    """Delete expired sessions and old single-use tokens every ``interval`` seconds (off the event loop)."""
    while True:
        try:
            removed = await asyncio.to_thread(sessions.purge_expired)
            if removed:
                log.info("accounts: purged %d expired session(s)/token(s)", removed)
        except Exception:  # keep running: the next round may succeed (e.g. database restarted)
            log.exception("accounts: purging expired sessions failed")
        await asyncio.sleep(interval)
