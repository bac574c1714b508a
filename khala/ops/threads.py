"""The event loop's default executor (``asyncio.to_thread``), sized for the database pool.

asyncio's own default is ``min(32, cores + 4)`` threads: 6 on two cores, one of which the mail worker holds for
good (``run_worker_forever``). Nearly all work sent to a thread is a short database round trip, which holds no
core while it waits for the server; with fewer threads than pooled connections, a sale rush on PostgreSQL queued
registrations for a thread while connections stood idle (bench/ui_rush.py). So: one thread per pooled connection,
plus the mail worker's. More than that would only wait for a connection (``pool_timeout``) instead of in the
executor's queue. CPU-heavy work does not belong here: password hashing has its own bounded pool.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from khala import db


def executor_threads() -> int:
    return max(db.POOL_SIZE + db.POOL_OVERFLOW + 1, 6)


async def size_default_executor() -> None:
    """Lifespan task (first, before anything takes a thread): install the sized default executor."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=executor_threads(), thread_name_prefix="khala-io")
    )
