"""Image store fixtures: Azurite (started per session on a free port), a LocalStore, and a
``client`` that reads and writes URLs the way a browser would.

Azurite comes from ``AZURITE_BLOB``, ``.tools/node_modules/.bin/azurite-blob`` (``make test`` installs it)
or ``PATH``. Without it the Azure tests skip, except under CI=true where they fail (``unavailable()``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from khala.images import service, storage
from khala.images.api import router
from khala.settings import ROOT
from tests.conftest import unavailable

AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft): not a secret.
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
TEST_SECRET = "test-secret-key-for-media-signatures-0123456789"


def _azurite_executable() -> str | None:
    """``AZURITE_BLOB`` when set (even to a missing path), else the .tools install, else PATH."""
    explicit = os.environ.get("AZURITE_BLOB")
    candidates = (
        [explicit]
        if explicit
        else [
            str(ROOT / ".tools" / "node_modules" / ".bin" / "azurite-blob"),
            shutil.which("azurite-blob"),
        ]
    )
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Azurite blob service on 127.0.0.1; yields its connection string."""
    exe = _azurite_executable()
    if exe is None:
        unavailable(
            "Azurite", "azurite-blob not found; run `make test` or `npm install --prefix .tools azurite`"
        )
    last_error = "did not start"
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port = _free_port()
        data = tmp_path_factory.mktemp("azurite")
        log_path = data / "azurite.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    exe,
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    str(port),
                    "--location",
                    str(data),
                    "--skipApiVersionCheck",
                    "--loose",
                    "--disableTelemetry",  # no calls home (they also delay shutdown)
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            if _wait_for_port(port, proc, timeout=30):
                yield (
                    f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
                    f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
                )
                return
            last_error = log_path.read_text(errors="replace")[-500:] or f"exit code {proc.poll()}"
        finally:
            _stop(proc)
    unavailable("Azurite", last_error)


@pytest.fixture
def azure_store(azurite: str) -> Iterator[storage.AzureBlobStore]:
    """A fresh container per test (created by the store on first write)."""
    store = storage.AzureBlobStore(f"t{uuid.uuid4().hex}", connection_string=azurite, https_only=False)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def local_store(tmp_path: Path) -> storage.LocalStore:
    return storage.LocalStore(tmp_path / "media", secret_key=TEST_SECRET)


@pytest.fixture
def media_app() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


@dataclass
class Browser:
    """Loads URLs as a browser would: ``/media/…`` through our router, absolute URLs over HTTP."""

    local: TestClient

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        if url.startswith("/"):
            return self.local.request(method, url, **kw)
        with httpx.Client(timeout=10) as c:
            return c.request(method, url, **kw)

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)


@pytest.fixture(params=["local", "azure"])
def store(request: pytest.FixtureRequest) -> Iterator[storage.ImageStore]:
    """Each implementation in turn, installed as the process's store."""
    chosen = request.getfixturevalue(f"{request.param}_store")
    storage.use_store(chosen)
    service._exists_cache.clear()
    try:
        yield chosen
    finally:
        storage.use_store(None)
        service._exists_cache.clear()


@pytest.fixture
def use_local(local_store: storage.LocalStore) -> Iterator[storage.LocalStore]:
    storage.use_store(local_store)
    service._exists_cache.clear()
    try:
        yield local_store
    finally:
        storage.use_store(None)
        service._exists_cache.clear()


@pytest.fixture
def browser(media_app: TestClient) -> Browser:
    return Browser(media_app)


@pytest.fixture
def make_image() -> Callable[..., bytes]:
    """``make_image(fmt="JPEG", size=(800, 600), color=..., **save_kwargs)`` → encoded bytes."""
    from io import BytesIO

    from PIL import Image

    def make(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), color=(200, 40, 90), mode="RGB", **kw):
        im = Image.new(mode, size, color)
        buf = BytesIO()
        im.save(buf, fmt, **kw)
        return buf.getvalue()

    return make
