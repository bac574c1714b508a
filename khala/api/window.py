"""The API's per-key counters in memory: a moving window of hit times per key, pruned as it is used.

``limits``' own memory storage keeps each key's hits in a list it inserts at the front of (the whole list
moves on every hit) and starts a timer thread to expire them whenever none is alive: at a few hundred
requests a second that is a new thread every ten milliseconds, competing for the GIL with the requests. Here
each key's hits sit in a deque, the expired ones are dropped from its old end when the key is next hit or
read, and keys nobody used for a window are swept once a minute, inline. Same answers as ``limits``'
``MovingWindowRateLimiter`` (a hit is refused when the window already holds ``amount`` hits; the window
resets when its oldest hit leaves it), so ``ratelimit.consume`` uses either alike.

With ``KHALA_REDIS_URL`` the counters live in Redis (shared by every worker) and ``limits`` does the work.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from limits import RateLimitItem
from limits.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

from khala.accounts.throttle import Counters
from khala.settings import get_settings

SWEEP_SECONDS = 60.0


class MovingWindow:
    """``hit`` / ``get_window_stats`` / ``reset``, as ``limits.strategies.MovingWindowRateLimiter`` has them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[int, deque[float]]] = {}  # key -> (window seconds, hit times)
        self._swept = time.monotonic()

    def _window(self, key: str, expiry: int, now: float) -> deque[float]:
        entry = self._hits.get(key)
        if entry is None:
            entry = self._hits[key] = (expiry, deque())
        hits = entry[1]
        cutoff = now - expiry
        while hits and hits[0] < cutoff:
            hits.popleft()
        return hits

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key, limit, expiry = item.key_for(*identifiers), item.amount, item.get_expiry()
        if cost > limit:
            return False
        now = time.time()
        with self._lock:
            self._sweep()
            hits = self._window(key, expiry, now)
            if len(hits) + cost > limit:
                return False
            hits.extend([now] * cost)
            return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        key, expiry = item.key_for(*identifiers), item.get_expiry()
        now = time.time()
        with self._lock:
            hits = self._window(key, expiry, now)
            start = hits[0] if hits else now
            return WindowStats(start + expiry, item.amount - len(hits))

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def _sweep(self) -> None:
        """Drop the keys whose every hit has left its window (called under the lock)."""
        if time.monotonic() - self._swept < SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        now = time.time()
        for key in [k for k, (expiry, hits) in self._hits.items() if not hits or hits[-1] < now - expiry]:
            del self._hits[key]


class ApiCounters:
    """Where the API's limit counts: this process's ``MovingWindow`` in memory, or (``KHALA_REDIS_URL``, or
    ``use_storage`` with a Redis URL in tests) the shared ``limits`` storage of ``shared``."""

    def __init__(self, shared: Counters) -> None:
        self._shared = shared
        self._lock = threading.Lock()
        self._url: str | None = None  # set by use_storage; None: the settings decide
        self._memory: MovingWindow | None = None

    def _in_memory(self) -> bool:
        url = self._url if self._url is not None else (get_settings().redis_url or "memory://")
        return url.startswith("memory://")

    def limiter(self) -> MovingWindow | MovingWindowRateLimiter:
        if not self._in_memory():
            return self._shared.limiter()
        with self._lock:
            if self._memory is None:
                self._memory = MovingWindow()
            return self._memory

    def use_storage(self, url: str | None) -> None:
        """Fresh counters at ``url`` (tests); ``None`` goes back to the configured storage."""
        with self._lock:
            self._url = url
            self._memory = None
        self._shared.use_storage(None if url is None or url.startswith("memory://") else url)

    def reset(self) -> None:
        """Forget every counter (tests)."""
        if self._in_memory():
            self.limiter().reset()  # type: ignore[union-attr]
        else:
            self._shared.reset()
