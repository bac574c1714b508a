"""Requests per API key, with the ``limits`` package (``KHALA_API_RATE_LIMIT``, default 600/minute).

Counters live in memory in the embedded mode and in Redis when ``KHALA_REDIS_URL`` is set, so every worker
shares them (the same storage rules as the sign-in throttles in ``accounts/throttle.py``).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from khala.errors import RateLimited
from khala.settings import get_settings

NAMESPACE = "api-key"

_lock = threading.Lock()
_storage: Storage | None = None
_limiter: MovingWindowRateLimiter | None = None
_items: tuple[str, list[RateLimitItem]] | None = None


@dataclass(frozen=True)
class Allowance:
    """What the response tells the client: the tightest tier's limit, what is left and when it resets."""

    limit: int
    remaining: int
    reset_after: int  # seconds


def _get_limiter() -> MovingWindowRateLimiter:
    global _storage, _limiter
    with _lock:
        if _limiter is None:
            url = get_settings().redis_url or "memory://"
            if url.startswith(("redis://", "rediss://")):
                _storage = storage_from_string(url, key_prefix="khala-limits")
            else:
                _storage = storage_from_string(url)
            _limiter = MovingWindowRateLimiter(_storage)
        return _limiter


def _tiers() -> list[RateLimitItem]:
    global _items
    spec = get_settings().api_rate_limit
    if _items is None or _items[0] != spec:
        _items = (spec, parse_many(spec))
    return _items[1]


def use_storage(url: str | None) -> None:
    """Point the limiter at a fresh storage (tests); ``None`` goes back to the configured one."""
    global _storage, _limiter
    with _lock:
        if url is None:
            _storage = _limiter = None
            return
        _storage = storage_from_string(url)
        _limiter = MovingWindowRateLimiter(_storage)


def reset() -> None:
    """Forget every counter (tests)."""
    _get_limiter()
    if _storage is not None:
        _storage.reset()


def consume(key_id: str) -> Allowance:
    """Count one request for the key, or raise RateLimited (with ``retry_after`` seconds) when none is left."""
    limiter = _get_limiter()
    tiers = _tiers()
    now = time.time()
    for item in tiers:
        if not limiter.hit(item, NAMESPACE, key_id):
            stats = limiter.get_window_stats(item, NAMESPACE, key_id)
            wait = max(1, math.ceil(stats.reset_time - now))
            raise RateLimited(
                f"This API key made more than {item.amount} requests per {_per(item)}. "
                f"Please wait {wait} second{'s' if wait != 1 else ''}.",
                retry_after=wait,
            )
    tightest = tiers[0]
    stats = limiter.get_window_stats(tightest, NAMESPACE, key_id)
    return Allowance(tightest.amount, max(0, stats.remaining), max(0, math.ceil(stats.reset_time - now)))


def _per(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"
