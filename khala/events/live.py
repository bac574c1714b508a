"""Live seat counts: one poller per process, fanned out to every open page of that process.

Every open page registers the events it shows (``watch(token, ids)``). Once a second the poller reads the
change counter (``Event.seats_version``) of the union of watched events — one indexed query per process,
however many tabs are open — and only when a counter moved does it read the new counts (``seat_states``)
once and wake the pages that show that event. Seats taken through any worker, process, the REST API or
a script bump the counter in the database, so this works across processes and hosts (PostgreSQL; with
Redis the Reflex state manager routes each update to the worker holding the tab's websocket).

Plain asyncio, no Reflex: the Reflex side lives in ``khala.events.state.LiveSeatsState``.
"""

from __future__ import annotations

import asyncio
import logging
import time

from khala.events import service

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
CHUNK = 500


class SeatHub:
    def __init__(self, interval: float = POLL_INTERVAL) -> None:
        self.interval = interval
        # token -> scope ("page", "detail") -> {event id: counter on screen}
        self._watch: dict[str, dict[str, dict[str, int]]] = {}
        self._versions: dict[str, int] = {}  # event id -> last counter read
        self._states: dict[str, service.SeatState] = {}  # event id -> counts read at that counter
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.polls = 0
        self.queries = 0  # for tests and the benchmark

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

    def forget(self, token: str) -> None:
        self._watch.pop(token, None)

    def watching(self, token: str) -> dict[str, int]:
        merged: dict[str, int] = {}
        for shown in self._watch.get(token, {}).values():
            for i, v in shown.items():
                merged[i] = min(v, merged.get(i, v))
        return merged

    def _newer(self, token: str) -> dict[str, service.SeatState]:
        shown = self.watching(token)
        return {i: st for i, v in shown.items() if (st := self._states.get(i)) is not None and st.version > v}

    async def wait(self, token: str, timeout: float = 15.0) -> dict[str, service.SeatState]:
        """Wait until an event shown by ``token`` has a newer counter than the tab shows.

        Returns the new counts of those events (empty on timeout). The caller applies them and calls
        ``watch`` again with the versions it now shows.
        """
        self._ensure_running()
        deadline = time.monotonic() + timeout
        while True:
            newer = self._newer(token)
            if newer:
                return newer
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return {}
            event = self._wakeup
            assert event is not None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return {}

    # -- the poller -----------------------------------------------------------------------------------
    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._run(), name="khala-seat-hub")

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.poll_once()
            except Exception:
                log.warning("seat poller: poll failed", exc_info=True)
            if not self._watch:
                # Nobody is watching: stop; the next page that waits starts us again.
                self._task = None
                return
            await asyncio.sleep(max(0.05, self.interval - (time.monotonic() - started)))

    async def poll_once(self) -> set[str]:
        """One round: read the counters of every watched event; re-read counts of those that moved."""
        ids = sorted({i for scopes in self._watch.values() for shown in scopes.values() for i in shown})
        self.polls += 1
        if not ids:
            return set()
        versions: dict[str, int] = {}
        for start in range(0, len(ids), CHUNK):
            versions.update(await asyncio.to_thread(service.seat_versions, ids[start : start + CHUNK]))
            self.queries += 1
        moved = sorted(i for i, v in versions.items() if self._versions.get(i) != v)
        for start in range(0, len(moved), CHUNK):
            fresh = await asyncio.to_thread(service.seat_states, moved[start : start + CHUNK])
            self.queries += 1
            self._states.update(fresh)
            self._versions.update({i: st.version for i, st in fresh.items()})
        for gone in set(self._versions) - set(ids):  # forget events nobody shows any more
            self._versions.pop(gone, None)
            self._states.pop(gone, None)
        if moved and self._wakeup is not None:
            self._wakeup.set()
            self._wakeup = asyncio.Event()
        return set(moved)


hub = SeatHub()
