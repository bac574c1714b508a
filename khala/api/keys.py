"""API keys: create (the secret is returned once), authenticate, list and revoke.

A secret looks like ``khala_3f9a1c2e7b_<43 random characters>``. The part between the underscores is the key's
public prefix: it finds the row by index, then the SHA-256 of the whole secret is compared in constant time
(the secret has 256 random bits, so a fast hash is enough: nobody can guess through it). Only the hash is
stored, so a copy of the database calls nothing.

Every change is audited: ``api_key.created``, ``api_key.revoked`` (by whoever made it: the CLI is
``Actor.system("cli")``). Using a key is not a change; ``last_used_at`` is kept to the minute.

A key that authenticated is remembered by its process for ``CACHE_SECONDS`` (by the hash of its secret), so a
busy client costs no query per request. Revoking forgets it at once in the revoking process; every other
process (another worker, the server when the CLI revoked) refuses it within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from khala.api.models import SCOPES, ApiKey
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import get_engine, session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.lib.i18n import gettext as _

SECRET_PREFIX = "khala"  # noqa: S105 - the secret's fixed label, not a secret
PREFIX_BYTES = 5  # 10 hex characters
LAST_USED_RESOLUTION = timedelta(minutes=1)
_SECRET_RE = re.compile(rf"^{SECRET_PREFIX}_([0-9a-f]{{{PREFIX_BYTES * 2}}})_([A-Za-z0-9_-]{{43}})$")
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
FIELDS = ("name", "prefix", "scope", "created_by", "revoked_at")
CACHE_SECONDS = 5.0
_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class KeyView:
    """A key as callers see it (never the secret or its hash)."""

    id: str
    name: str
    prefix: str
    scope: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def can_write(self) -> bool:
        return self.scope == "write"

    @property
    def actor(self) -> Actor:
        return Actor.api_key(self)


@dataclass(frozen=True)
class CreatedKey:
    key: KeyView
    secret: str  # shown once; not stored anywhere


def _view(k: ApiKey) -> KeyView:
    return KeyView(
        id=str(k.id),
        name=k.name,
        prefix=k.prefix,
        scope=k.scope,
        created_by=k.created_by,
        created_at=k.created_at,
        last_used_at=k.last_used_at,
        revoked_at=k.revoked_at,
    )


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(name: str, scope: str, *, actor: Actor) -> CreatedKey:
    """A new key with ``scope`` "read" or "write"; returns it with its secret (the only time it exists)."""
    name = " ".join(str(name or "").split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the key a name (who or what uses it).")
    elif len(name) > 100:
        errors["name"] = _("The name can be at most 100 characters.")
    if scope not in SCOPES:
        errors["scope"] = _("The scope must be read or write.")
    if errors:
        raise InvalidInput(errors)
    with session_scope(write=True) as s:
        prefix = secrets.token_hex(PREFIX_BYTES)
        while s.exec(select(ApiKey.id).where(ApiKey.prefix == prefix)).first() is not None:
            prefix = secrets.token_hex(PREFIX_BYTES)  # pragma: no cover - 40 bits make this vanishingly rare
        secret = f"{SECRET_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            name=name, prefix=prefix, secret_hash=hash_secret(secret), scope=scope, created_by=str(actor)
        )
        s.add(key)
        s.flush()
        audit.record(s, actor, "api_key.created", key, audit.snapshot(key, ("name", "prefix", "scope")))
        return CreatedKey(_view(key), secret)


def authenticate(secret: str | None, *, now: datetime | None = None) -> KeyView | None:
    """The active key this secret belongs to, or None (unknown, malformed or revoked: all look the same)."""
    match = _SECRET_RE.match((secret or "").strip())
    prefix = match.group(1) if match else ""
    given = hash_secret(secret.strip()) if match and secret else ""
    now = now or utcnow()
    generation = _cache.generation
    if given:
        remembered = _cache.get(given)
        if remembered is not None:
            if now - (remembered.last_used_at or now) >= LAST_USED_RESOLUTION:
                _touch(uuid.UUID(remembered.id), now)
                _cache.put(given, dataclasses.replace(remembered, last_used_at=now), generation)
            return remembered
    with session_scope() as s:
        key = s.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first() if prefix else None
        stored = key.secret_hash if key is not None else _DUMMY_HASH
        if not hmac.compare_digest(stored, given or _DUMMY_HASH) or key is None or key.revoked_at is not None:
            return None
        view = _view(key)
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        _touch(key.id, now)
        _cache.put(given, dataclasses.replace(view, last_used_at=now), generation)
    else:
        _cache.put(given, view, generation)
    return view


def remembered(secret: str | None, *, now: datetime | None = None) -> KeyView | None:
    """The key of ``secret`` when this process authenticated it within ``CACHE_SECONDS`` and its use needs
    no noting yet: no query, so an async caller may ask on its event loop (else: ``authenticate``)."""
    if not secret or not _SECRET_RE.match(secret.strip()):
        return None
    view = _cache.get(hash_secret(secret.strip()))
    if view is None or (now or utcnow()) - (view.last_used_at or EPOCH) >= LAST_USED_RESOLUTION:
        return None
    return view


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Cache:
    """Keys that authenticated lately in this process, by secret hash, per database engine."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, object, KeyView]] = {}
        self.generation = 0  # how many times the cache was cleared

    def get(self, secret_hash: str) -> KeyView | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        expires, engine, view = entry
        if expires < time.monotonic() or engine is not get_engine():
            with self._lock:
                self._entries.pop(secret_hash, None)
            return None
        return view

    def put(self, secret_hash: str, view: KeyView, generation: int | None = None) -> None:
        """Remember ``view``; not when the cache was cleared (a revocation) since ``generation`` was read:
        a look-up that began before a revocation must not vouch for the key after it."""
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            if len(self._entries) >= _CACHE_LIMIT:
                self._entries.clear()
            self._entries[secret_hash] = (time.monotonic() + CACHE_SECONDS, get_engine(), view)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1


_cache = _Cache()


def generation() -> int:
    """Changes whenever this process forgets every key (a revocation): ``auth`` shares one look-up among
    concurrent requests of one secret only within a generation."""
    return _cache.generation


def _touch(key_id: uuid.UUID, now: datetime) -> None:
    """Note the use, at most once a minute per key (a write per request would serialise readers on SQLite)."""
    with session_scope(write=True) as s:
        s.execute(
            sa.update(ApiKey)
            .where(
                col(ApiKey.id) == key_id,
                sa.or_(
                    col(ApiKey.last_used_at).is_(None), col(ApiKey.last_used_at) <= now - LAST_USED_RESOLUTION
                ),
            )
            .values(last_used_at=now)
        )


def list_keys(*, include_revoked: bool = True) -> list[KeyView]:
    """Every key, newest first."""
    with session_scope() as s:
        q = select(ApiKey)
        if not include_revoked:
            q = q.where(col(ApiKey.revoked_at).is_(None))
        rows = s.exec(q.order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))).all()
        return [_view(k) for k in rows]


def find_key(id_or_prefix: str) -> KeyView:
    """A key by its id or its public prefix (what ``api-key list`` shows); NotFound otherwise."""
    with session_scope() as s:
        return _view(_find(s, id_or_prefix))


def _find(s: Session, id_or_prefix: str) -> ApiKey:
    text = str(id_or_prefix or "").strip()
    key = None
    try:
        key = s.get(ApiKey, uuid.UUID(text))
    except ValueError:
        match = _SECRET_RE.match(text)
        prefix = match.group(1) if match else text.lower()
        key = s.exec(select(ApiKey).where(ApiKey.prefix == prefix[:16])).first()
    if key is None:
        raise NotFound(_("We could not find that API key."))
    return key


def revoke_key(id_or_prefix: str, *, actor: Actor, now: datetime | None = None) -> KeyView:
    """Stop a key from working: at once in this process, within ``CACHE_SECONDS`` in every other one;
    Conflict when it already was revoked."""
    try:
        return _revoke(id_or_prefix, actor=actor, now=now)
    finally:
        _cache.clear()  # before and after the commit alike: nothing here vouches for a key any more


def _revoke(id_or_prefix: str, *, actor: Actor, now: datetime | None) -> KeyView:
    with session_scope(write=True) as s:
        key = _find(s, id_or_prefix)
        if key.revoked_at is not None:
            raise Conflict(_("That API key is already revoked."))
        before = audit.snapshot(key, ("revoked_at",))
        key.revoked_at = now or utcnow()
        s.add(key)
        s.flush()
        audit.record(
            s, actor, "api_key.revoked", key, audit.diff(before, audit.snapshot(key, ("revoked_at",)))
        )
        return _view(key)
