"""Real `python -m khala serve` processes on 127.0.0.1 over the prebuilt frontend, and an SMTP sink.

The build is made (or found current) once for this package and the `.web` lock is held shared while its
servers run, so another build waits instead of replacing the files under them; it is released when the
package's tests are done (the browser journeys, collected last, take the lock exclusively to rebuild).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from khala.ops import launcher


@pytest.fixture(scope="package")
def frontend_build() -> Iterator[None]:
    with launcher.current_build():
        yield


@dataclass
class SmtpSink:
    host: str
    port: int
    delay: float = 0.0  # seconds per message: a slow server keeps messages in flight
    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def add(self, raw: bytes) -> None:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]

    def outbox_ids(self) -> list[str]:
        with self._lock:
            return [str(m["X-Khala-Outbox-Id"]) for m in self.messages]

    def wait_for(self, predicate, timeout: float, what: str):
        return launcher.wait_until(predicate, timeout, interval=0.1, what=what)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink("127.0.0.1", launcher.free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if sink.delay:
                await asyncio.sleep(sink.delay)
            sink.add(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def serve_process(frontend_build, tmp_path_factory: pytest.TempPathFactory):
    """serve_process(**settings) -> a started server (stopped at the end of the test)."""
    started: list[launcher.Served] = []

    def start(*args: str, data_dir: Path | None = None, port: int | None = None, **settings: str):
        port = port or launcher.free_port()
        data_dir = data_dir or tmp_path_factory.mktemp("serve-data")
        env = launcher.server_env(data_dir, port, **settings)
        served = launcher.start(env, data_dir / f"serve-{port}.log", *args)
        started.append(served)
        return served

    yield start
    for s in started:
        s.stop(timeout=20)
