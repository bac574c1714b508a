"""Rate limits for the accounts domain, built on the ``limits`` package (refusals in the current language).

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

from khala.accounts import network
from khala.errors import RateLimited
from khala.lib.i18n import N_, ngettext
from khala.lib.i18n import gettext as _
from khala.settings import get_settings

# ── the limits ─────────────────────────────────────────────────────────────────────────────────────────
# Sign-in attempts per address are counted *before* the password is checked (``consume``: an atomic hit that
# refuses once a tier is full), so parallel attempts cannot slip past a limit; a success clears them.
#
# Per address *and* client (IPv4 address or IPv6 /64): the 6th attempt within a minute waits ≤ 1 min, the 11th
# within 15 min ≤ 15 min, the 21st within an hour ≤ 1 h, more than 50 in a day lock that pair for the day.
# Someone else's failures never lock you out this way: they are counted under their own client.
SIGN_IN_PER_ADDRESS_AND_CLIENT = "5/minute;10/15 minutes;20/hour;50/day"
# Per address from every client together: a short, growing delay against distributed guessing, at most an
# hour and never a day. A browser that signed in to the address before ("known device") skips it, so the
# owner can still sign in while someone else guesses.
SIGN_IN_PER_ADDRESS = "10/minute;20/15 minutes;40/hour"
# Failed sign-ins per client (several people may share one address behind NAT, so successes do not count).
# Checked before and counted after a failure; the hash pool lets one client have at most
# ``passwords.HASH_QUEUE_PER_CLIENT`` checks in flight, which bounds how far a burst can overshoot.
SIGN_IN_FAILURES_PER_CLIENT = "20/minute;60/15 minutes;150/hour;500/day"
# New accounts per client.
SIGNUPS_PER_CLIENT = "10/hour;30/day"
# Account mails (verification, resend, reset) per recipient address and client: counted before the address
# is looked up, so the answer says nothing about whether it has an account.
MAILS_PER_ADDRESS_AND_CLIENT = "1/minute;5/hour;10/day"
# … and per recipient address from every client together, counted only when a mail is really sent (an
# existing account): when it is full no mail goes out, but the answer stays the same. A known device skips it.
MAILS_PER_ADDRESS = "3/minute;20/hour;50/day"
# Mail-sending requests (resend, reset, sign-up, e-mail change) per client.
MAIL_REQUESTS_PER_CLIENT = "10/15 minutes;30/hour;100/day"
# Current-password checks of a signed-in user (change password or e-mail, delete account, confirm for admin
# actions): a stolen session cannot be used to guess the password.
PASSWORD_CHECKS_PER_USER = "5/minute;10/15 minutes;20/hour;50/day"  # noqa: S105 - a rate, not a secret
# Password resets with a valid link, per client (each hashes once).
RESETS_PER_CLIENT = "10/minute;30/hour"
# Image uploads (``/_upload``) per client, checked before the body is read.
UPLOADS_PER_CLIENT = "30/minute;300/hour"
# Registering and cancelling per user: each one mails a confirmation.
REGISTRATION_CHANGES_PER_USER = "10/hour;40/day"


class Counters:
    """Where a set of rate limits keeps its counters: made on first use from ``KHALA_REDIS_URL`` (in memory
    without it), swappable in tests. The accounts throttles and the API's per-key limit each have one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._storage: Storage | None = None
        self._limiter: MovingWindowRateLimiter | None = None

    def limiter(self) -> MovingWindowRateLimiter:
        with self._lock:
            if self._limiter is None:
                url = get_settings().redis_url or "memory://"
                if url.startswith(("redis://", "rediss://")):
                    # A prefix of our own keeps the counters apart from Reflex's state keys.
                    self._storage = storage_from_string(url, key_prefix="khala-limits")
                else:
                    self._storage = storage_from_string(url)
                self._limiter = MovingWindowRateLimiter(self._storage)
            return self._limiter

    def storage(self) -> Storage:
        self.limiter()
        assert self._storage is not None
        return self._storage

    def use_storage(self, url: str | None) -> None:
        """Point these counters at a fresh storage (tests); ``None`` goes back to the configured one."""
        with self._lock:
            if url is None:
                self._storage = self._limiter = None
                return
            self._storage = storage_from_string(url)
            self._limiter = MovingWindowRateLimiter(self._storage)

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self.storage().reset()


_counters = Counters()
_get_limiter = _counters.limiter
use_storage = _counters.use_storage
reset = _counters.reset


def remember(name: str, identifier: str, seconds: int) -> None:
    """Note that ``identifier`` did ``name`` (e.g. confirmed the password), for ``seconds``; in the same
    storage as the counters, so every worker sees it."""
    storage = _counters.storage()
    storage.clear(f"{name}/{identifier}")
    storage.incr(f"{name}/{identifier}", int(seconds))


def remembered(name: str, identifier: str) -> bool:
    return _counters.storage().get(f"{name}/{identifier}") > 0


def client_key(ip: str | None) -> str:
    """The identifier a client is counted under: its IPv4 address or IPv6 /64, "unknown" if none."""
    return network.bucket(ip)


def pair_key(address: str, client: str) -> str:
    return f"{address}|{client}"


def wait_text(seconds: float) -> str:
    """How long to wait, in the current language: "1 second", "5 minutes", "2 timmar"."""
    if seconds < 90:
        n = max(1, math.ceil(seconds))
        return ngettext("%(num)d second", "%(num)d seconds", n) % {"num": n}
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}


class Throttle:
    """A named set of tiers. ``identifier`` is e.g. the normalised address or the client IP."""

    def __init__(self, name: str, spec: str, message: str) -> None:
        self.name = name
        self.items: list[RateLimitItem] = parse_many(spec)
        self.message = message  # an English msgid with %(wait)s, translated when a refusal is made

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

    def exhausted(self, identifier: str) -> bool:
        return self.retry_after(identifier) > 0

    def check(self, identifier: str) -> None:
        """Raise RateLimited if the identifier has no attempt left (does not count one)."""
        wait = self.retry_after(identifier)
        if wait > 0:
            raise self._refusal(wait)

    def _refusal(self, wait: float) -> RateLimited:
        text = _(self.message) % {"wait": wait_text(wait)} if self.message else ""  # _("") is the header
        return RateLimited(text, retry_after=wait)

    def hit(self, identifier: str) -> None:
        """Count one attempt in every tier (even a full one)."""
        limiter = _get_limiter()
        for item in self.items:
            limiter.hit(item, self.name, identifier)

    def consume(self, identifier: str) -> None:
        """Count this attempt, atomically per tier (limits' ``hit`` refuses once a tier is full), and raise
        RateLimited if any tier was full. Parallel callers cannot all pass a check before one counts."""
        limiter = _get_limiter()
        for item in self.items:
            if not limiter.hit(item, self.name, identifier):
                # The longest wait of the full tiers.
                raise self._refusal(max(self.retry_after(identifier), 1.0))

    def try_consume(self, identifier: str) -> bool:
        """``consume`` that answers False instead of raising."""
        try:
            self.consume(identifier)
        except RateLimited:
            return False
        return True

    def clear(self, identifier: str) -> None:
        limiter = _get_limiter()
        for item in self.items:
            limiter.clear(item, self.name, identifier)


_TRY_LATER = N_("Too many attempts. Please wait %(wait)s and try again.")

sign_in_by_address_and_client = Throttle("login-pair", SIGN_IN_PER_ADDRESS_AND_CLIENT, _TRY_LATER)
sign_in_by_address = Throttle("login-addr", SIGN_IN_PER_ADDRESS, _TRY_LATER)
sign_in_failures_by_client = Throttle("login-ip", SIGN_IN_FAILURES_PER_CLIENT, _TRY_LATER)
signups_by_ip = Throttle(
    "signup-ip", SIGNUPS_PER_CLIENT, N_("Too many sign-ups from your network. Please wait %(wait)s.")
)
mails_by_address_and_client = Throttle(
    "mail-pair",
    MAILS_PER_ADDRESS_AND_CLIENT,
    N_("We just sent a mail to that address. Please wait %(wait)s before asking again."),
)
mails_by_address = Throttle("mail-addr", MAILS_PER_ADDRESS, "")  # never shown: a full tier sends nothing
mail_requests_by_ip = Throttle("mail-ip", MAIL_REQUESTS_PER_CLIENT, _TRY_LATER)
password_checks_by_user = Throttle("password-user", PASSWORD_CHECKS_PER_USER, _TRY_LATER)
resets_by_client = Throttle("reset-ip", RESETS_PER_CLIENT, _TRY_LATER)
uploads_by_client = Throttle("upload-ip", UPLOADS_PER_CLIENT, N_("Too many uploads. Please wait %(wait)s."))
registration_changes_by_user = Throttle(
    "registration-user",
    REGISTRATION_CHANGES_PER_USER,
    N_("You have registered and cancelled many times in a short while. Please wait %(wait)s."),
)
