"""Requests per API key, with the ``limits`` package (``KHALA_API_RATE_LIMIT``, default 600/minute).

Counters live in memory in the embedded mode and in Redis when ``KHALA_REDIS_URL`` is set, so every worker
shares them (the same storage rules as the sign-in throttles in ``accounts/throttle.py``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many

from khala.accounts.throttle import Counters
from khala.errors import RateLimited
from khala.settings import get_settings

NAMESPACE = "api-key"

_counters = Counters()
_get_limiter = _counters.limiter
use_storage = _counters.use_storage  # tests
reset = _counters.reset  # tests
_items: tuple[str, list[RateLimitItem]] | None = None


@dataclass(frozen=True)
class Allowance:
    """What the response tells the client: the tightest tier's limit, what is left and when it resets."""

    limit: int
    remaining: int
    reset_after: int  # seconds


def _tiers() -> list[RateLimitItem]:
    global _items
    spec = get_settings().api_rate_limit
    if _items is None or _items[0] != spec:
        _items = (spec, parse_many(spec))
    return _items[1]


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
