"""The default executor is sized for the database pool (khala/ops/threads.py)."""

from __future__ import annotations

import asyncio
import threading

from khala import db
from khala.ops.threads import executor_threads, size_default_executor


def test_the_default_executor_has_a_thread_per_pooled_connection_and_the_mail_workers() -> None:
    assert executor_threads() == max(db.POOL_SIZE + db.POOL_OVERFLOW + 1, 6)

    async def go() -> tuple[int, str]:
        await size_default_executor()
        loop = asyncio.get_running_loop()
        executor = loop._default_executor  # type: ignore[attr-defined]
        name = await asyncio.to_thread(lambda: threading.current_thread().name)
        return executor._max_workers, name

    workers, name = asyncio.run(go())
    assert workers == executor_threads() and name.startswith("khala-io")
