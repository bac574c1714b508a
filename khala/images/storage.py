"""Where image bytes live: the ``ImageStore`` protocol, Azure Blob Storage and a local folder.

Keys are relative, slash-separated paths made of ``[A-Za-z0-9._-]`` segments (none starting with a
dot, so no ``..`` and no hidden files; no empty segments; at most 300 characters), e.g. ``images/3f2a…/card.webp``. Every store checks them with
``check_key`` so a key can never escape the container or the media folder.

``url(key)`` hands out a read-only, expiring URL:

- ``AzureBlobStore``: a blob SAS (read only, start 5 minutes back for clock skew, HTTPS-only in
  production), signed with the account key or, with managed identity, a cached user-delegation key.
- ``LocalStore``: ``/media/<key>?exp=<unix seconds>&sig=<HMAC-SHA256>`` served by ``khala.images.api``.
  It keeps no metadata: the served content type comes from the key's extension (``CONTENT_TYPES``;
  other extensions are never served), and files are written atomically (temp file + rename).

For long lifetimes (≥ 30 min) the expiry is rounded up to a 5-minute grid, so every page rendered
within the same five minutes gets the *same* URL and the browser cache keeps working.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import math
import os
import re
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable
from urllib.parse import quote

from khala.errors import InvalidInput, NotFound
from khala.settings import Settings, get_settings

if TYPE_CHECKING:
    from azure.storage.blob import BlobServiceClient, UserDelegationKey

MAX_KEY_LENGTH = 300
CLOCK_SKEW = timedelta(minutes=5)
CACHE_CONTROL = "public, max-age=31536000, immutable"  # keys are never rewritten with other content
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")

# Content types by extension: LocalStore serves only these.
CONTENT_TYPES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}  # never SVG: it can carry scripts


class SignedUrl(NamedTuple):
    """A URL a browser can load until ``expires_at`` (UTC). Unpacks as ``url, expires_at``."""

    url: str
    expires_at: datetime


class BlobNotFound(NotFound):
    """The key does not exist in the store."""


class InvalidKey(InvalidInput):
    """A storage key that is not a safe relative path."""

    def __init__(self, key: object) -> None:
        super().__init__({"key": f"invalid storage key {str(key)[:80]!r}"})


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative path, else raise ``InvalidKey``."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(key)
    parts = key.split("/")
    if any(not _SEGMENT.match(p) or p in (".", "..") for p in parts):
        raise InvalidKey(key)
    return key


def _grid(ttl: timedelta) -> int:
    return 300 if ttl >= timedelta(minutes=30) else 1


def _expiry(now: datetime, ttl: timedelta) -> datetime:
    """``now + ttl``, rounded up to whole seconds, or to a 5-minute grid for long lifetimes."""
    step = _grid(ttl)
    ts = math.ceil((now + ttl).timestamp() / step) * step
    return datetime.fromtimestamp(ts, UTC)


@runtime_checkable
class ImageStore(Protocol):
    """Bytes by key. Implementations are thread-safe and blocking: call them off the event loop."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (overwrites), with its content type and long cache headers."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises ``BlobNotFound`` when missing."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str, ttl: timedelta | None = None, *, now: datetime | None = None) -> SignedUrl:
        """A read-only URL for ``key`` valid for ``ttl`` (default: settings.image_url_ttl_minutes).

        ``now`` (default: the current time) exists for tests and for signing ahead of time.
        """
        ...


# --------------------------------------------------------------------------------------------- local


class LocalStore:
    """Files under ``root`` (default ``settings.media_dir``), served by ``GET /media/{key}``."""

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        secret_key: str | None = None,
        default_ttl: timedelta | None = None,
        base_url: str = "",
        route_prefix: str = "/media",
    ) -> None:
        settings = get_settings()
        self.root = Path(root if root is not None else settings.media_dir)
        self._secret = (secret_key or settings.secret_key).encode()
        self.default_ttl = default_ttl or timedelta(minutes=settings.image_url_ttl_minutes)
        self.base_url = base_url.rstrip("/")
        self.route_prefix = "/" + route_prefix.strip("/")

    def __repr__(self) -> str:
        return f"LocalStore(root={str(self.root)!r})"

    # paths ------------------------------------------------------------------------------------
    def path_for(self, key: str) -> Path:
        """The file for ``key``; raises ``InvalidKey`` for anything that could leave ``root``."""
        check_key(key)
        root = self.root.resolve()
        path = (root / key).resolve()
        if not path.is_relative_to(root):  # symlinks pointing out of the folder
            raise InvalidKey(key)
        return path

    # ImageStore -------------------------------------------------------------------------------
    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(f"no image file {key!r}") from None

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        path.unlink(missing_ok=True)
        # tidy empty parent folders up to root
        root = self.root.resolve()
        parent = path.parent
        while parent != root and parent.is_relative_to(root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def url(self, key: str, ttl: timedelta | None = None, *, now: datetime | None = None) -> SignedUrl:
        check_key(key)
        expires_at = _expiry(now or datetime.now(UTC), ttl or self.default_ttl)
        exp = int(expires_at.timestamp())
        url = f"{self.base_url}{self.route_prefix}/{quote(key)}?exp={exp}&sig={self.sign(key, exp)}"
        return SignedUrl(url, expires_at)

    # signatures -------------------------------------------------------------------------------
    def sign(self, key: str, exp: int) -> str:
        msg = f"khala.media.v1\n{key}\n{exp}".encode()
        digest = hmac.new(self._secret, msg, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def verify(
        self, key: str, exp: str | int | None, sig: str | None, *, now: datetime | None = None
    ) -> bool:
        """True when ``sig`` is our signature of ``key``/``exp`` and ``exp`` is still in the future."""
        if exp is None or sig is None or len(sig) > 64 or not re.fullmatch(r"[0-9]{1,12}", str(exp)):
            return False
        exp_i = int(exp)
        if str(exp_i) != str(exp) or not hmac.compare_digest(
            self.sign(key, exp_i).encode(), str(sig).encode()
        ):
            return False
        return exp_i > (now or datetime.now(UTC)).timestamp()

    @staticmethod
    def content_type_for(key: str) -> str | None:
        return CONTENT_TYPES.get(Path(key).suffix.lower())


# --------------------------------------------------------------------------------------------- azure


class AzureBlobStore:
    """Blobs in one private container; browsers read them through short-lived read-only SAS URLs.

    Credentials, in order: a connection string (also Azurite), account name + key, else
    ``DefaultAzureCredential`` (managed identity) with a user-delegation key for the SAS.
    """

    def __init__(
        self,
        container: str,
        *,
        connection_string: str | None = None,
        account: str | None = None,
        account_key: str | None = None,
        account_url: str | None = None,
        credential: Any = None,
        https_only: bool = True,
        default_ttl: timedelta = timedelta(minutes=60),
        create_container: bool = True,
    ) -> None:
        from azure.storage.blob import BlobServiceClient

        self.container = container
        self.https_only = https_only
        self.default_ttl = default_ttl
        self._account_key: str | None = None
        self._delegation_key: UserDelegationKey | None = None
        self._delegation_expiry: datetime | None = None
        self._lock = threading.Lock()
        self._container_ready = not create_container

        if connection_string:
            client = BlobServiceClient.from_connection_string(connection_string)
            cred = client.credential
            self._account_key = getattr(cred, "account_key", None)
        elif account and account_key:
            url = account_url or f"https://{account}.blob.core.windows.net"
            client = BlobServiceClient(url, credential={"account_name": account, "account_key": account_key})
            self._account_key = account_key
        elif account:
            if credential is None:
                from azure.identity import DefaultAzureCredential

                credential = DefaultAzureCredential()
            client = BlobServiceClient(account_url or f"https://{account}.blob.core.windows.net", credential)
        else:
            raise ValueError("AzureBlobStore needs a connection string or an account name")
        self.client: BlobServiceClient = client
        self.account_name: str = client.account_name or account or ""

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AzureBlobStore:
        s = settings or get_settings()
        return cls(
            s.azure_container,
            connection_string=s.azure_storage_connection_string,
            account=s.azure_storage_account,
            account_key=s.azure_storage_key,
            https_only=s.is_production,
            default_ttl=timedelta(minutes=s.image_url_ttl_minutes),
        )

    def __repr__(self) -> str:
        return f"AzureBlobStore(account={self.account_name!r}, container={self.container!r})"

    def close(self) -> None:
        """Close pooled HTTP connections (tests, shutdown)."""
        self.client.close()

    # helpers ----------------------------------------------------------------------------------
    def _blob(self, key: str):
        return self.client.get_blob_client(self.container, check_key(key))

    def ensure_container(self) -> None:
        """Create the container (private: no anonymous access) unless it exists."""
        if self._container_ready:
            return
        from azure.core.exceptions import ResourceExistsError

        with contextlib.suppress(ResourceExistsError):
            self.client.create_container(self.container)  # public_access=None → private
        self._container_ready = True

    def _user_delegation_key(self, start: datetime, expiry: datetime) -> UserDelegationKey:
        """A user-delegation key covering ``start..expiry``, cached and renewed (valid ≤ 1 day)."""
        with self._lock:
            if (
                self._delegation_key is None
                or self._delegation_expiry is None
                or self._delegation_expiry < expiry
            ):
                key_expiry = max(expiry, start + timedelta(days=1))
                self._delegation_key = self.client.get_user_delegation_key(start, key_expiry)
                self._delegation_expiry = key_expiry
            return self._delegation_key

    # ImageStore -------------------------------------------------------------------------------
    def put(self, key: str, data: bytes, content_type: str) -> None:
        from azure.storage.blob import ContentSettings

        blob = self._blob(key)
        self.ensure_container()
        blob.upload_blob(
            data,
            overwrite=True,
            content_settings=ContentSettings(content_type=content_type, cache_control=CACHE_CONTROL),
        )

    def get(self, key: str) -> bytes:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._blob(key).download_blob().readall()
        except ResourceNotFoundError:
            raise BlobNotFound(f"no image blob {key!r}") from None

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        with contextlib.suppress(ResourceNotFoundError):
            self._blob(key).delete_blob(delete_snapshots="include")

    def exists(self, key: str) -> bool:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return bool(self._blob(key).exists())
        except ResourceNotFoundError:  # container missing
            return False

    def url(self, key: str, ttl: timedelta | None = None, *, now: datetime | None = None) -> SignedUrl:
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        blob = self._blob(key)
        now = now or datetime.now(UTC)
        ttl = ttl or self.default_ttl
        expires_at = _expiry(now, ttl)
        # on the same grid as the expiry, so the URL is stable within a grid step; <= now - skew
        start = expires_at - ttl - timedelta(seconds=_grid(ttl)) - CLOCK_SKEW
        auth: dict[str, Any]
        if self._account_key:
            auth = {"account_key": self._account_key}
        else:
            auth = {"user_delegation_key": self._user_delegation_key(start, expires_at)}
        sas = generate_blob_sas(
            account_name=self.account_name,
            container_name=self.container,
            blob_name=key,
            permission=BlobSasPermissions(read=True),
            start=start,
            expiry=expires_at,
            protocol="https" if self.https_only else "https,http",
            **auth,
        )
        return SignedUrl(f"{blob.url}?{sas}", expires_at)


# --------------------------------------------------------------------------------------------- choice

_override: ImageStore | None = None


def use_store(store: ImageStore | None) -> None:
    """Point every caller of ``get_store()`` at ``store`` (tests, seeding); ``None`` restores settings."""
    global _override
    _override = store


@lru_cache(maxsize=1)
def _configured_store() -> ImageStore:
    s = get_settings()
    if s.azure_storage_connection_string or s.azure_storage_account:
        return AzureBlobStore.from_settings(s)
    return LocalStore(base_url=getattr(s, "media_base_url", "") or "")


def get_store() -> ImageStore:
    """The process's image store: Azure when AZURE_STORAGE_CONNECTION_STRING or an account is set."""
    return _override if _override is not None else _configured_store()
