"""Requests per API key, with the ``limits`` package (``KHALA_API_RATE_LIMIT``, default 600/minute).

Counters live in memory in the embedded mode and in Redis when ``KHALA_REDIS_URL`` is set, so every worker
shares them (the same storage rules as the sign-in throttles in ``accounts/throttle.py``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many

from khala.accounts.throttle import Counters, wait_text
from khala.api.window import ApiCounters
from khala.errors import RateLimited
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext
from khala.settings import get_settings

NAMESPACE = "api-key"

_counters = ApiCounters(Counters())  # in memory: api/window.py's moving window; Redis: limits'
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
                ngettext(
                    "This API key made more than %(num)d request per %(per)s. Please wait %(wait)s.",
                    "This API key made more than %(num)d requests per %(per)s. Please wait %(wait)s.",
                    item.amount,
                )
                % {"num": item.amount, "per": _per(item), "wait": wait_text(wait)},
                retry_after=wait,
            )
    tightest = tiers[0]
    stats = limiter.get_window_stats(tightest, NAMESPACE, key_id)
    return Allowance(tightest.amount, max(0, stats.remaining), max(0, math.ceil(stats.reset_time - now)))


def _per(item: RateLimitItem) -> str:
    """The tier's window in words: "minute", "10 minutes" (Swedish: "minut", "10 minuter")."""
    unit, n = item.GRANULARITY.name, item.multiples
    if unit == "second":
        return _("second") if n == 1 else ngettext("%(num)d second", "%(num)d seconds", n) % {"num": n}
    if unit == "minute":
        return _("minute") if n == 1 else ngettext("%(num)d minute", "%(num)d minutes", n) % {"num": n}
    if unit == "hour":
        return _("hour") if n == 1 else ngettext("%(num)d hour", "%(num)d hours", n) % {"num": n}
    if unit == "day":
        return _("day") if n == 1 else ngettext("%(num)d day", "%(num)d days", n) % {"num": n}
    return unit if n == 1 else f"{n} {unit}s"  # limits' month and year: not a rate limit anyone sets
