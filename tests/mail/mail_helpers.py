"""Mail test helpers: a real SMTP server (aiosmtpd) on 127.0.0.1, fixtures to enqueue, worker processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

from khala.db import session_scope
from khala.mail import service as mail
from khala.mail.models import OutboxMessage
from khala.mail.worker import SmtpConfig, SmtpTransport, Worker

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02) -> object:
    """Poll ``predicate`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class SinkHandler:
    """Records every message; can slow down (``delay``) or refuse recipients (``refuse``)."""

    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


@dataclass
class SmtpSink:
    port: int
    handler: SinkHandler
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    def start(self) -> SmtpSink:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.snapshot()

    def transport(self) -> SmtpTransport:
        return SmtpTransport(SmtpConfig.from_url(self.url))

    def worker(self, **options) -> Worker:
        return Worker(transport=self.transport(), **options)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP server on a free port, stopped at the end."""
    sink = SmtpSink(port=free_port(), handler=SinkHandler()).start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def stopped_sink() -> Iterator[SmtpSink]:
    """An SMTP server on a reserved port that is *not* running yet (``.start()`` brings it up)."""
    sink = SmtpSink(port=free_port(), handler=SinkHandler())
    try:
        yield sink
    finally:
        sink.stop()


CONTEXT = {
    "display_name": "Ann Andersson",
    "verify_path": "/verify-email?token=abc123",
}


@pytest.fixture
def enqueue_many(db: Engine) -> Callable[..., list[OutboxMessage]]:
    def make(n: int, *, template: str = "verify_email", context: dict | None = None) -> list[OutboxMessage]:
        with session_scope(write=True) as session:
            return [
                mail.enqueue(
                    session,
                    to=f"user{i}@example.test",
                    subject=f"Message {i}",
                    template=template,
                    context=context or CONTEXT,
                )
                for i in range(n)
            ]

    return make


def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def worker_env(engine: Engine, sink: SmtpSink) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KHALA_DATABASE_URL=database_url(engine),
        KHALA_SMTP_URL=sink.url,
        KHALA_SECRET_KEY="x" * 40,
        PYTHONPATH=str(ROOT),
    )
    return env


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
