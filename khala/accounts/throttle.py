"""Rate limits for the accounts domain, built on the ``limits`` package.

Each throttle has several tiers (e.g. 5 per minute, 10 per 15 minutes, 20 per hour): once a short tier is
exhausted the caller waits for it; if the attempts continue, the longer tiers run out too, so the wait grows.
Storage is in memory in the embedded mode and in Redis when ``KHALA_REDIS_URL`` is set (shared by all workers).
"""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from khala.errors import RateLimited
from khala.settings import get_settings

# ── the limits (documented in the closing note of issue 4) ────────────────────────────────────────────
# Failed sign-ins per e-mail address: the 6th failure within a minute waits ≤ 1 min, the 11th within 15 min
# waits ≤ 15 min, the 21st within an hour waits ≤ 1 h, and more than 50 in a day lock it for the day.
LOGIN_FAILURES_PER_ADDRESS = "5/minute;10/15 minutes;20/hour;50/day"
# Failed sign-ins per client IP (several people may share an address behind NAT, hence higher).
LOGIN_FAILURES_PER_IP = "20/minute;60/15 minutes;150/hour;500/day"
# New accounts per client IP.
SIGNUPS_PER_IP = "10/hour;30/day"
# Account mails (verification, resend, reset, "you already have an account") per recipient address.
MAILS_PER_ADDRESS = "1/minute;5/hour;10/day"
# Mail-sending requests (resend, reset, sign-up, e-mail change) per client IP.
MAIL_REQUESTS_PER_IP = "10/15 minutes;30/hour;100/day"


_lock = threading.Lock()
_storage: Storage | None = None
_limiter: MovingWindowRateLimiter | None = None


def _get_limiter() -> MovingWindowRateLimiter:
    global _storage, _limiter
    with _lock:
        if _limiter is None:
            url = get_settings().redis_url or "memory://"
            if url.startswith(("redis://", "rediss://")):
                # A prefix of our own keeps the counters apart from Reflex's state keys.
                _storage = storage_from_string(url, key_prefix="khala-limits")
            else:
                _storage = storage_from_string(url)
            _limiter = MovingWindowRateLimiter(_storage)
        return _limiter


def use_storage(url: str | None) -> None:
    """Point every throttle at a fresh storage (tests); ``None`` goes back to the configured one."""
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


def client_key(ip: str | None) -> str:
    """The identifier a client IP is counted (and stored) under: at most 64 characters, "unknown" if none."""
    return (ip or "unknown")[:64]


def _wait_text(seconds: float) -> str:
    if seconds < 90:
        n = max(1, math.ceil(seconds))
        return f"{n} second{'s' if n != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


class Throttle:
    """A named set of tiers. ``identifier`` is e.g. the normalised address or the client IP."""

    def __init__(self, name: str, spec: str, message: str) -> None:
        self.name = name
        self.items: list[RateLimitItem] = parse_many(spec)
        self.message = message

    def retry_after(self, identifier: str) -> float:
        """Seconds until one more attempt is allowed (0 = allowed now)."""
        limiter = _get_limiter()
        wait = 0.0
        now = time.time()
        for item in self.items:
            if not limiter.test(item, self.name, identifier):
                stats = limiter.get_window_stats(item, self.name, identifier)
                wait = max(wait, stats.reset_time - now, 1.0)
        return wait

    def check(self, identifier: str) -> None:
        """Raise RateLimited if the identifier has no attempt left (does not count one)."""
        wait = self.retry_after(identifier)
        if wait > 0:
            raise RateLimited(self.message.format(wait=_wait_text(wait)), retry_after=wait)

    def hit(self, identifier: str) -> None:
        """Count one attempt in every tier."""
        limiter = _get_limiter()
        for item in self.items:
            limiter.hit(item, self.name, identifier)

    def consume(self, identifier: str) -> None:
        """Check, then count: raise RateLimited if exhausted, else count this attempt."""
        self.check(identifier)
        self.hit(identifier)

    def clear(self, identifier: str) -> None:
        limiter = _get_limiter()
        for item in self.items:
            limiter.clear(item, self.name, identifier)


_TRY_LATER = "Too many attempts. Please wait {wait} and try again."

login_failures_by_address = Throttle("login-addr", LOGIN_FAILURES_PER_ADDRESS, _TRY_LATER)
login_failures_by_ip = Throttle("login-ip", LOGIN_FAILURES_PER_IP, _TRY_LATER)
signups_by_ip = Throttle(
    "signup-ip", SIGNUPS_PER_IP, "Too many sign-ups from your network. Please wait {wait}."
)
mails_by_address = Throttle(
    "mail-addr",
    MAILS_PER_ADDRESS,
    "We just sent a mail to that address. Please wait {wait} before asking again.",
)
mail_requests_by_ip = Throttle("mail-ip", MAIL_REQUESTS_PER_IP, _TRY_LATER)
