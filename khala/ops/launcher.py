"""Start ``python -m khala serve`` as a child process on 127.0.0.1 and stop it by its own process id.

Used by the benchmarks (cold start, first-load bytes, UI round trips) and the operations tests (served app,
scale-out, graceful shutdown). Each server runs in its own session: the Granian supervisor and its workers
form one process group, signalled as a whole (what a container runtime does), and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from khala.ops import build
from khala.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url: str, timeout: float = 2.0, headers: dict[str, str] | None = None) -> int:
    """The status of a GET (0 when nothing answered)."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our own 127.0.0.1 server
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return 0


def wait_until(
    predicate: Callable[[], object], timeout: float, interval: float = 0.05, what: str = ""
) -> object:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(
        f"timed out after {timeout:.0f} s waiting for {what or 'a condition'} (last: {last!r})"
    )


@dataclass
class Served:
    url: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    started: float  # time.monotonic() just before the process was started

    def log_tail(self, n: int = 80) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)  # the group this server's own session made (supervisor + workers)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the supervisor's exit code."""
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.signal(signal.SIGKILL)  # a worker the supervisor left behind
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL the whole server at once (a crashed container)."""
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def wait_ready(self, path: str = "/readyz", timeout: float = 60.0) -> float:
        """Seconds from process start until ``path`` answered 200."""

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log_tail()}")
            return http_status(self.url + path, timeout=1.0) == 200

        try:
            wait_until(up, timeout, interval=0.005, what=f"{self.url}{path}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log_tail()}") from None
        return time.monotonic() - self.started


def server_env(data_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """A development-mode environment on 127.0.0.1:``port`` with its own data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHALA_", "REFLEX_", "PROMETHEUS_"))}
    env.update(
        {
            "KHALA_DATA_DIR": str(data_dir),
            "KHALA_HOST": "127.0.0.1",
            "PORT": str(port),
            "KHALA_PUBLIC_URL": f"http://localhost:{port}",
            "KHALA_CORS_ORIGINS": f'["http://localhost:{port}", "http://127.0.0.1:{port}"]',
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(settings)
    return env


def start(env: dict[str, str], log_path: Path, *args: str, command: str = "serve") -> Served:
    """``python -m khala serve`` (or ``command``, e.g. ``run``) with ``env`` (its PORT is the port), logging to
    ``log_path``."""
    port = int(env["PORT"])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed when the child exits (it keeps its own copy)
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "khala", command, *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return Served(f"http://127.0.0.1:{port}", port, proc, log_path, started)


@contextlib.contextmanager
def current_build() -> Iterator[None]:
    """Make sure the frontend build is current, then hold the ``.web`` lock shared while serving from it
    (a concurrent rebuild waits for us, and we wait for it)."""
    with build.web_lock(shared=True):
        fresh = build.status().current
    if not fresh:
        build.build(if_changed=True)
    with build.web_lock(shared=True):
        yield
