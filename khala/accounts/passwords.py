"""Passwords and secrets: the argon2id hasher, the password rules, the dummy check for unknown addresses,
and the random secrets (session tokens, mailed links, login codes) of which only a SHA-256 is stored.

Plain, synchronous Python; hashing blocks for about 0.1 s, so callers run off the event loop.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import unicodedata
from pathlib import Path

from passlib.hash import argon2

from khala.errors import InvalidInput

# argon2id, RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes (≈110 ms on the dev box).
PASSWORD_HASHER = argon2.using(type="ID", memory_cost=64 * 1024, rounds=3, parallelism=4, salt_size=16)
PASSWORD_MIN = 10
PASSWORD_MAX = 1024

# The most common passwords of at least 10 characters (shorter ones fail the length rule anyway).
COMMON_PASSWORDS = frozenset(
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def normalise_email(raw: str) -> str:
    """An address as we store and compare it: NFKC, trimmed, lower-case."""
    return unicodedata.normalize("NFKC", (raw or "").strip()).lower()


def validate_password(password: str, email: str = "", *, field: str = "password") -> str:
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput({field: f"Use at least {PASSWORD_MIN} characters."})
    if len(password) > PASSWORD_MAX:
        raise InvalidInput({field: f"Use at most {PASSWORD_MAX:,} characters."})
    lowered = password.strip().lower()
    email = normalise_email(email)
    if email and (lowered == email or lowered == email.split("@", 1)[0]):
        raise InvalidInput({field: "Do not use your e-mail address as password."})
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        raise InvalidInput({field: "This password is too common. Choose one that is harder to guess."})
    return password


# Each argon2 run takes 64 MiB and ~0.1 s of a core: cap how many run at once, so a burst of sign-ins
# queues instead of exhausting memory (the rate limits bound the burst per address and IP).
_HASH_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


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
