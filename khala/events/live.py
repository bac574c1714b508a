"""Live seat counts: one poller per process that fans new counts out to every open page of that process.

Every open page registers the events it shows and the change counter it shows them at
(``hub.watch(token, {event_id: seats_version}, scope)``). Once a second the poller reads the counters of the
union of watched events — one indexed query per process, however many tabs are open — and only when a counter
moved does it read the new counts (``seat_states``) once and hand them to the pages that show that event
(``deliver(token, {event_id: SeatState})``, installed by the Reflex side, which updates the tab's state and
pushes the delta over its websocket). There is no task, timer or query per tab.

Seats taken through any worker, process, the REST API or a script bump ``Event.seats_version`` in the
database, so this works across processes and hosts (PostgreSQL; with Redis the Reflex state manager routes
each update to the worker that holds the tab's websocket).

Plain asyncio, no Reflex: the delivery callback lives in ``khala.events.state.seats`` and is connected by the
app assembly.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from khala.events import catalogue

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
CHUNK = 500
DELIVERY_CONCURRENCY = 50

Deliver = Callable[[str, dict[str, catalogue.SeatState]], Awaitable[None]]


class Poller:
    """A process-wide poll loop for live pages: while any tab is watched (``self._watch`` is not empty) it
    runs ``poll_once`` then ``fan_out`` every ``interval`` seconds in one task, and stops when nobody
    watches; ``watch`` calls ``_ensure_running`` to start it again. Subclasses: ``SeatHub`` here, the
    admin's door hub (check-in counts)."""

    name = "khala-poller"  # the task's name, and what the log says

    def __init__(self, interval: float = POLL_INTERVAL) -> None:
        self.interval = interval
        self._watch: dict[str, Any] = {}  # token -> what the tab shows
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def poll_once(self) -> set[str]:
        raise NotImplementedError

    async def fan_out(self) -> int:
        raise NotImplementedError

    def _ensure_running(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the event loop (tests, scripts): nothing to run
            return
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            # A fresh context: the poller must not inherit the context (event, token) of the handler
            # that happened to start it; deliveries set up their own through ``app.modify_state``.
            self._task = loop.create_task(self._run(), name=self.name, context=contextvars.Context())

    async def _run(self) -> None:
        while self._watch:
            started = time.monotonic()
            try:
                await self.poll_once()
                await self.fan_out()
            except Exception:
                log.warning("%s: round failed", self.name, exc_info=True)
            await asyncio.sleep(max(0.05, self.interval - (time.monotonic() - started)))
        self._task = None  # nobody watches: stop; the next watch() starts us again


class SeatHub(Poller):
    name = "khala-seat-hub"

    def __init__(self, interval: float = POLL_INTERVAL) -> None:
        super().__init__(interval)
        # token -> scope ("page", "detail") -> {event id: counter on screen}
        self._watch: dict[str, dict[str, dict[str, int]]] = {}
        self._versions: dict[str, int] = {}  # event id -> last counter read
        self._states: dict[str, catalogue.SeatState] = {}  # event id -> counts read at that counter
        self.deliver: Deliver | None = None
        self.is_connected: Callable[[str], bool] = lambda token: True
        self.polls = 0
        self.queries = 0  # for tests and the benchmark
        self.deliveries = 0

    # -- pages ------------------------------------------------------------------------------------
    def watch(self, token: str, shown: dict[str, int], scope: str = "page") -> None:
        """Replace what one part of a tab shows: ``{event id: seats_version on screen}``.

        A tab has a ``page`` scope (the list, calendar or Discover) and a ``detail`` scope (the modal
        or event page); an empty mapping clears that scope.
        """
        shown = {i: int(v) for i, v in shown.items() if i}
        scopes = self._watch.setdefault(token, {})
        if shown:
            scopes[scope] = shown
        else:
            scopes.pop(scope, None)
        if not scopes:
            self._watch.pop(token, None)
        elif self.deliver is not None:
            self._ensure_running()

    def forget(self, token: str) -> None:
        self._watch.pop(token, None)

    def watching(self, token: str) -> dict[str, int]:
        merged: dict[str, int] = {}
        for shown in self._watch.get(token, {}).values():
            for i, v in shown.items():
                merged[i] = min(v, merged.get(i, v))
        return merged

    def tokens(self) -> list[str]:
        return list(self._watch)

    def newer(self, token: str) -> dict[str, catalogue.SeatState]:
        """Counts newer than what ``token`` shows (what a delivery to it would carry)."""
        shown = self.watching(token)
        return {i: st for i, v in shown.items() if (st := self._states.get(i)) is not None and st.version > v}

    # -- the poller -----------------------------------------------------------------------------------
    async def poll_once(self) -> set[str]:
        """One round: read the counters of every watched event; re-read counts of those that moved."""
        for token in [t for t in self._watch if not self.is_connected(t)]:
            self._watch.pop(token, None)  # the tab is gone
        ids = sorted({i for scopes in self._watch.values() for shown in scopes.values() for i in shown})
        self.polls += 1
        if not ids:
            return set()
        versions: dict[str, int] = {}
        for start in range(0, len(ids), CHUNK):
            versions.update(await asyncio.to_thread(catalogue.seat_versions, ids[start : start + CHUNK]))
            self.queries += 1
        moved = sorted(i for i, v in versions.items() if self._versions.get(i) != v)
        for start in range(0, len(moved), CHUNK):
            fresh = await asyncio.to_thread(catalogue.seat_states, moved[start : start + CHUNK])
            self.queries += 1
            self._states.update(fresh)
            self._versions.update({i: st.version for i, st in fresh.items()})
        for gone in set(self._versions) - set(ids):  # forget events nobody shows any more
            self._versions.pop(gone, None)
            self._states.pop(gone, None)
        return set(moved)

    async def fan_out(self) -> int:
        """Deliver newer counts to every tab that shows them; returns the number of tabs updated."""
        if self.deliver is None:
            return 0
        due = [(t, n) for t in list(self._watch) if (n := self.newer(t))]
        if not due:
            return 0
        gate = asyncio.Semaphore(DELIVERY_CONCURRENCY)

        async def one(token: str, newer: dict[str, catalogue.SeatState]) -> None:
            async with gate:
                try:
                    await self.deliver(token, newer)  # type: ignore[misc]
                    self.deliveries += 1
                except Exception:
                    log.warning("seat poller: delivery to a tab failed; forgetting it", exc_info=True)
                    self.forget(token)
                    return
            # The state re-registers what it now shows; make sure we never deliver the same change twice.
            for scope in self._watch.get(token, {}).values():
                for i, st in newer.items():
                    if i in scope and scope[i] < st.version:
                        scope[i] = st.version

        await asyncio.gather(*(one(t, n) for t, n in due))
        return len(due)


hub = SeatHub()
