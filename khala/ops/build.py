"""Build the frontend once, and know whether the build on disk is the one the sources describe.

``python -m khala build`` runs Reflex's own production export (compile the pages to React, bundle them with
Vite, prerender the HTML) into ``.web/`` and writes a stamp with a hash of everything the frontend is made
from: Khala's Python sources, ``assets/``, ``rxconfig.py``, ``reflex.lock`` and the Reflex version. ``serve``
only mounts that output, so a process starts without compiling anything; ``make run`` calls
``build --if-changed``, which does nothing when the stamp matches.

The build is port-independent: the ``SameOriginBackend`` plugin (``rxconfig.py``) makes the bundle reach
the backend on whatever origin served it, so one build serves every port, replica and proxy.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from khala.ops import paint_first
from khala.settings import ROOT

WEB_DIR = ROOT / ".web"
STATIC_DIR = WEB_DIR / "build" / "client"
BACKEND_DIR = WEB_DIR / "backend"
STAMP = WEB_DIR / "build" / "khala-build.json"  # beside the output (not served), removed by every rebuild
LOCK = ROOT / ".web.lock"  # the same lock the browser-test server takes while it owns .web
# What the frontend is made from (khala/: Python files only; mail templates and data do not reach it).
SOURCES = ("khala", "assets", "rxconfig.py", "reflex.lock")


class BuildMissing(RuntimeError):
    """No frontend build on disk (``python -m khala build`` makes one)."""


@dataclass(frozen=True)
class BuildStatus:
    present: bool  # a stamped build is on disk
    built_hash: str  # the sources it was built from ("" when absent)
    source_hash: str  # the sources now
    built_at: str = ""

    @property
    def current(self) -> bool:
        return self.present and self.built_hash == self.source_hash


def _source_files(root: Path) -> Iterator[Path]:
    for rel in SOURCES:
        path = root / rel
        if path.is_file():
            yield path
        elif path.is_dir():
            only_py = rel == "khala"
            for f in sorted(path.rglob("*")):
                if not f.is_file() or "__pycache__" in f.parts:
                    continue
                if f.relative_to(root).parts[:2] == ("assets", "external"):
                    continue  # Reflex's links to shared assets of khala/ (made by the build, hashed as khala/)
                # the pages compile both languages' words in (khala.ui.i18n.t): a translation is a source too
                if only_py and f.suffix not in (".py", ".po"):
                    continue
                yield f


def source_hash(root: Path = ROOT) -> str:
    """SHA-256 over the frontend's sources (paths and contents) and the installed Reflex version."""
    digest = hashlib.sha256()
    try:
        digest.update(f"reflex=={metadata.version('reflex')}\0".encode())
    except metadata.PackageNotFoundError:
        digest.update(b"reflex==?\0")
    for f in _source_files(root):
        digest.update(f.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


def read_stamp() -> dict[str, object] | None:
    try:
        data = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not (STATIC_DIR / "index.html").is_file():
        return None
    return data


def status() -> BuildStatus:
    stamp = read_stamp() or {}
    return BuildStatus(
        present=bool(stamp),
        built_hash=str(stamp.get("source_hash", "")),
        source_hash=source_hash(),
        built_at=str(stamp.get("built_at", "")),
    )


_SCHEMA = re.compile(r'export const stateSchema = "([0-9a-f]+)"')


def frontend_state_schema() -> str:
    """The hash of the state tree the compiled frontend expects (Reflex writes it into utils/context)."""
    for name in ("context.jsx", "context.js"):
        with contextlib.suppress(OSError):
            if match := _SCHEMA.search((WEB_DIR / "utils" / name).read_text()):
                return match.group(1)
    return ""


def require_build() -> dict[str, object]:
    """The stamp of the build on disk; raises BuildMissing when there is none."""
    stamp = read_stamp()
    if stamp is None:
        raise BuildMissing(
            f"no frontend build in {STATIC_DIR.relative_to(ROOT)}: run `python -m khala build` (or `make build`) "
            "first; `serve` never compiles or builds at start"
        )
    if not (BACKEND_DIR / "stateful_pages.json").is_file():
        raise BuildMissing("the frontend build is incomplete (no .web/backend): run `python -m khala build`")
    return stamp


@contextlib.contextmanager
def web_lock(*, shared: bool = False, timeout: float = 1200.0) -> Iterator[None]:
    """Hold the ``.web`` lock: exclusive to build, shared to serve from it in tests (builders wait)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "a+") as fh:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{LOCK} was held by another build for {timeout:.0f} s") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def toolchain_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Reflex needs to build: bun from ``.tools`` (npm registry), no telemetry."""
    env = dict(os.environ if base is None else base)
    bins = [str(ROOT / ".tools" / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "")])
    env.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["REFLEX_CHECK_LATEST_VERSION"] = "false"
    env["REFLEX_WEB_WORKDIR"] = str(WEB_DIR)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def build(*, if_changed: bool = False, log=print) -> BuildStatus:
    """Compile and export the frontend (Reflex's ``export --frontend-only``), then stamp it.

    With ``if_changed`` nothing is done when the stamp matches the sources. Holds the ``.web`` lock, so a
    concurrent build or browser-test server waits instead of clobbering the directory.
    """
    with web_lock():
        wanted = source_hash()
        if if_changed and status().current:
            log(f"frontend is up to date ({wanted[:12]})")
            return status()
        started = time.monotonic()
        log("building the frontend (Reflex compile + Vite export)…")
        cmd = [
            sys.executable,
            "-m",
            "reflex",
            "export",
            "--frontend-only",
            "--no-zip",
            "--loglevel",
            "warning",
        ]
        result = subprocess.run(cmd, cwd=ROOT, env=toolchain_env(), check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            raise RuntimeError(f"frontend build failed (exit {result.returncode}): {' '.join(cmd)}")
        if not (STATIC_DIR / "index.html").is_file():
            raise RuntimeError(f"frontend build produced no {STATIC_DIR / 'index.html'}")
        paint_first.rewrite_build(STATIC_DIR)  # the pages paint before their JavaScript is requested
        stamp = {
            "source_hash": wanted,
            "state_schema": frontend_state_schema(),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "reflex": metadata.version("reflex"),
            "seconds": round(time.monotonic() - started, 1),
        }
        tmp = STAMP.with_suffix(".tmp")
        tmp.write_text(json.dumps(stamp, indent=2))
        tmp.replace(STAMP)
        log(f"frontend built in {stamp['seconds']} s ({wanted[:12]})")
        return status()
