"""Passwords and secrets: the argon2id hasher, the password rules, the dummy check for unknown addresses,
the bounded pool every hash runs in, and the random secrets (session tokens, mailed links, login codes) of
which only a SHA-256 is stored.

Plain, synchronous Python; hashing blocks for about 0.1 s and takes 64 MiB. Handlers never run a function
that hashes in asyncio's default executor: they ``await in_hash_pool(fn, ..., client=key)``, so a burst of
hashing queues in its own few threads (at a lower CPU priority) and can never starve session lookups and
page handlers, which keep the default executor to themselves. The pool's queue is bounded per client and in
total: past that a caller is told to try again in a few seconds instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import logging
import os
import secrets
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from passlib.hash import argon2
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from khala.errors import InvalidInput, RateLimited
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _

log = logging.getLogger(__name__)
T = TypeVar("T")

# argon2id, RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes (≈110 ms on the dev box).
PASSWORD_HASHER = argon2.using(type="ID", memory_cost=64 * 1024, rounds=3, parallelism=4, salt_size=16)
PASSWORD_MIN = 12  # ASVS 2.1.1
PASSWORD_MAX = 1024
# zxcvbn's score (0-4) a password must reach: 3 = "safely unguessable: moderate protection from an offline
# slow-hash scenario" (about 10^8 guesses and more).
MIN_STRENGTH = 3

# Breached passwords (ASVS 2.1.7): zxcvbn's list of the 30,000 most common passwords of public breach corpora,
# plus our own short list of common passwords of 10+ characters. zxcvbn's score also catches their variants
# (l33t, capitals, years, keyboard walks, dictionary words).
COMMON_PASSWORDS = frozenset(
    [
        *FREQUENCY_LISTS["passwords"],
        *(
            line.strip().lower()
            for line in Path(__file__)
            .with_name("common_passwords.txt")
            .read_text(encoding="utf-8")
            .splitlines()
            if line.strip() and not line.startswith("#")
        ),
    ]
)
_ZXCVBN_MAX = (
    72  # zxcvbn's own input cap (its matching is superlinear); longer passwords are judged by their head
)


def normalise_email(raw: str) -> str:
    """An address as we store and compare it: NFKC, trimmed, lower-case."""
    return unicodedata.normalize("NFKC", (raw or "").strip()).lower()


TOO_COMMON = N_("This password is too common. Choose one that is harder to guess.")


def validate_password(password: str, email: str = "", *, field: str = "password", name: str = "") -> str:
    """The password if it meets the policy (ASVS 2.1: 12 to 1,024 characters, any characters, not breached,
    not guessable from the address or name), else InvalidInput with a message for ``field``."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput({field: _("Use at least %(num)d characters.") % {"num": PASSWORD_MIN}})
    if len(password) > PASSWORD_MAX:
        raise InvalidInput({field: _("Use at most %(num)s characters.") % {"num": f"{PASSWORD_MAX:,}"}})
    lowered = password.strip().lower()
    email = normalise_email(email)
    if email and (lowered == email or lowered == email.split("@", 1)[0]):
        raise InvalidInput({field: _("Do not use your e-mail address as password.")})
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2 or _mostly_one_character(lowered):
        raise InvalidInput({field: _(TOO_COMMON)})
    inputs = [p for p in (email, *email.split("@"), *(name or "").lower().split()) if p]
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs, max_length=_ZXCVBN_MAX)
    if result["score"] < MIN_STRENGTH:
        # zxcvbn's own warning is English: shown only to English readers
        hint = (result.get("feedback") or {}).get("warning") or "" if i18n.get_language() == "en" else ""
        message = _("This password is too easy to guess. Add a few more uncommon words.")
        raise InvalidInput({field: f"{hint} {message}".strip() if hint else message})
    return password


def _mostly_one_character(text: str) -> bool:
    return Counter(text).most_common(1)[0][1] > len(text) * 0.6


# ── the hash pool ──────────────────────────────────────────────────────────────────────────────────────

# One argon2 run already keeps every core busy (4 lanes), so one or two at a time is all the box can do; the
# rest wait in the pool's queue, not in the default executor's threads.
HASH_WORKERS = max(1, (os.cpu_count() or 2) // 2)
HASH_QUEUE_LIMIT = 16  # waiting + running, in total: ≈ 2 s of work on two cores
HASH_QUEUE_PER_CLIENT = 4  # … and per client (IPv4 address or IPv6 /64)
HASH_NICE = 10  # CPU priority of the pool's threads (and of argon2's lane threads, which inherit it)
BUSY = N_("The site is busy right now. Please try again in a few seconds.")

# Each argon2 run takes 64 MiB: cap how many run at once in any thread (the CLI and tests call the service
# directly), so a burst queues instead of exhausting memory.
_HASH_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def _background_priority() -> None:
    """Pool threads run at a lower CPU priority, so the event loop and session lookups always win a core."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)  # Linux: per thread
    except (AttributeError, OSError):  # not Linux, or not allowed: the queue bounds still hold
        log.debug("could not lower the hash pool's CPU priority", exc_info=True)


_pool = ThreadPoolExecutor(
    max_workers=HASH_WORKERS, thread_name_prefix="khala-hash", initializer=_background_priority
)
_pending_lock = threading.Lock()
_pending: Counter[str] = Counter()


def pending_hash_jobs() -> int:
    with _pending_lock:
        return sum(_pending.values())


def _admit(client: str) -> None:
    with _pending_lock:
        if sum(_pending.values()) >= HASH_QUEUE_LIMIT or _pending[client] >= HASH_QUEUE_PER_CLIENT:
            raise RateLimited(_(BUSY), retry_after=5)
        _pending[client] += 1


def _release(client: str) -> None:
    with _pending_lock:
        _pending[client] -= 1
        if _pending[client] <= 0:
            del _pending[client]


async def in_hash_pool(fn: Callable[..., T], /, *args: Any, client: str, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` (a service function that hashes or verifies a password) in the hash pool.

    ``client`` is the caller's throttle key (``throttle.client_key(ip)``). Raises RateLimited at once when
    the pool's queue is full, in total or for this client.
    """
    _admit(client)
    try:
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(_pool, call)
    finally:
        _release(client)


# ── hashing ────────────────────────────────────────────────────────────────────────────────────────────


def hash_password(password: str) -> str:
    with _HASH_SLOTS:
        return PASSWORD_HASHER.hash(password)


def needs_rehash(password_hash: str | None) -> bool:
    """True when a stored hash was made with weaker parameters than ``PASSWORD_HASHER``'s."""
    return PASSWORD_HASHER.needs_update(password_hash or "")


def _argon2_verify(password: str, password_hash: str) -> bool:
    with _HASH_SLOTS:
        return PASSWORD_HASHER.verify(password, password_hash)


_dummy_lock = threading.Lock()
_dummy_hash: str | None = None


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check when there is no user (no timing oracle)."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
    _argon2_verify(password or "-", _dummy_hash)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against a stored hash; with no hash (no such user, no password yet) the same
    work is done against a dummy hash and the answer is False."""
    password = (password or "")[:PASSWORD_MAX]  # hashing megabytes would be a free DoS
    if not password_hash:
        dummy_verify(password)
        return False
    try:
        return _argon2_verify(password, password_hash)
    except (ValueError, TypeError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
