"""The delivery worker: lease due outbox messages, send them over SMTP, record the truth.

Runs in a thread, never on the event loop:
- in the app, as a lifespan task: ``app.register_lifespan_task(run_worker_forever)``;
- on its own: ``python -m khala mail-worker`` (→ ``main_worker()``), or ``python -m khala.mail.worker``.

Without ``KHALA_SMTP_URL`` (the embedded default) messages are marked ``captured`` and printed whole to
the log, links included, so a newcomer can follow a verification link without a mail server (in production
the bodies are withheld). One-time links are unsealed only here, when the message is built
(``mail.service.unseal``): the outbox never holds them. Once an hour the worker deletes finished messages
older than 30 days (``mail.service.purge_old``).

Delivery is at-least-once with a stable Message-ID: a worker that dies after the SMTP server accepted
a message but before recording it leaves that one message to be sent again once its lease expires.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import smtplib
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import emails
from emails.backend.smtp import SMTPBackend
from sqlalchemy.engine import Engine

from khala.db import get_engine, utcnow
from khala.mail import outbox
from khala.mail.models import OutboxMessage
from khala.mail.rendering import NothingToSend, materialize
from khala.mail.service import clean_filename, clean_header, purge_old, unseal
from khala.settings import get_settings

log = logging.getLogger("khala.mail")
# Captured mail (no SMTP) goes to its own logger: in development its lines carry the links on purpose, so the
# log redaction (khala.accounts.logredact) leaves this one logger alone; in production bodies are withheld.
capture_log = logging.getLogger("khala.mail.capture")

__all__ = [
    "CaptureTransport",
    "SmtpConfig",
    "SmtpTransport",
    "Worker",
    "WorkerHandle",
    "main_worker",
    "run_worker_forever",
    "start_background_worker",
]


class DeliveryError(Exception):
    """A failed attempt. ``permanent``: retrying will not help. ``connection``: nothing will get through
    right now, so the rest of the batch is rescheduled without trying."""

    def __init__(self, message: str, *, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection


class Transport(Protocol):
    captures: bool

    def send(self, message: OutboxMessage) -> None: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------- building the MIME message


def _sender() -> tuple[str, str]:
    name, addr = parseaddr(clean_header(get_settings().mail_from))
    return clean_header(name, max_length=100), addr or "no-reply@khala.local"


def build_message(m: OutboxMessage) -> emails.Message:
    """The outbox row as an ``emails`` message. Every header value is re-cleaned here as well, so even a
    row written by other means cannot inject headers."""
    settings = get_settings()
    from_name, from_addr = _sender()
    reply_to = m.reply_to or settings.mail_reply_to
    msg = emails.Message(
        charset="utf-8",
        message_id=clean_header(m.message_id, max_length=255),
        date=time.time(),
        subject=clean_header(m.subject),
        mail_from=(from_name or None, from_addr),
        mail_to=[(clean_header(m.recipient_name or "", max_length=200) or None, clean_header(m.recipient))],
        reply_to=[clean_header(parseaddr(reply_to)[1])] if reply_to else None,
        html=unseal(m.html_body),
        text=unseal(m.text_body),
        headers={"Auto-Submitted": "auto-generated", "X-Khala-Outbox-Id": str(m.id)},
    )
    for a in m.attachment_list():
        kwargs = {
            "data": a.data,
            "filename": clean_filename(a.filename),
            "mime_type": clean_header(a.content_type, max_length=100),
        }
        if a.inline_cid:
            kwargs |= {
                "content_disposition": "inline",
                "content_id": clean_header(a.inline_cid, max_length=100),
            }
        msg.attach(**kwargs)
    return msg


# ---------------------------------------------------------------- transports


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    ssl: bool = False
    starttls: bool = False
    timeout: float = 15.0

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """``smtp://user:pass@host:587?starttls=1``, ``smtps://user:pass@host:465``, ``?timeout=10``."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"KHALA_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
        if not parts.hostname:
            raise ValueError("KHALA_SMTP_URL has no host")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        truthy = ("1", "true", "yes", "on")
        starttls = query.get("starttls", "0").lower() in truthy
        ssl = parts.scheme == "smtps"
        default_port = 465 if ssl else (587 if starttls else 25)
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            ssl=ssl,
            starttls=starttls and not ssl,
            timeout=float(query.get("timeout", 15)),
        )


class SmtpTransport:
    """One SMTP connection, kept open across a batch and reopened when it breaks."""

    captures = False

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._backend: SMTPBackend | None = None

    def _get_backend(self) -> SMTPBackend:
        if self._backend is None:
            c = self.config
            hostname = urlsplit(get_settings().public_url).hostname or "localhost"
            self._backend = SMTPBackend(
                host=c.host,
                port=c.port,
                ssl=c.ssl,
                tls=c.starttls,
                user=c.user,
                password=c.password,
                timeout=c.timeout,
                local_hostname=hostname,
                fail_silently=True,
            )
        return self._backend

    def send(self, message: OutboxMessage) -> None:
        mime = build_message(message)
        backend = self._get_backend()
        try:
            response = backend.sendmail(from_addr=_sender()[1], to_addrs=[message.recipient], msg=mime)
        except (OSError, smtplib.SMTPException) as exc:
            # Broken mid-conversation: the server may or may not have the message; retrying is safe
            # thanks to the stable Message-ID.
            self.close()
            raise DeliveryError(f"SMTP connection failed: {exc!r}", connection=True) from exc
        if response is not None and response.success:
            return
        if response is None:
            raise DeliveryError("SMTP gave no response")
        error = response.error
        code = response.status_code
        if response.last_command is None:  # never got as far as MAIL FROM: connect/login failed
            self.close()
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise DeliveryError(
                f"cannot reach SMTP server {self.config.host}:{self.config.port}: {reason}", connection=True
            )
        text = (response.status_text or b"").decode("utf-8", "replace")
        detail = f"SMTP {response.last_command} refused: {code} {text}".strip()
        if code is not None and 500 <= code < 600:
            raise DeliveryError(detail, permanent=True)
        raise DeliveryError(detail)

    def close(self) -> None:
        if self._backend is not None:
            try:
                self._backend.close()
            except Exception:  # closing a broken connection may fail in many ways
                log.debug("closing SMTP connection failed", exc_info=True)
            self._backend = None


_LINK = re.compile(r"""href=["']([^"']+)["']""")


class CaptureTransport:
    """No SMTP configured: write the whole message to the log instead.

    In production the bodies (which carry one-time sign-in and reset links) are withheld from the log
    unless ``include_body=True``: logs travel further than mailboxes."""

    captures = True

    def __init__(self, *, include_body: bool | None = None) -> None:
        self.include_body = (not get_settings().is_production) if include_body is None else include_body

    def send(self, message: OutboxMessage) -> None:
        attachments = ", ".join(
            f"{a.filename} ({a.content_type}, {len(a.data)} bytes)" for a in message.attachment_list()
        )
        to = (
            f"{message.recipient_name} <{message.recipient}>" if message.recipient_name else message.recipient
        )
        lines = [
            "MAIL CAPTURED — no KHALA_SMTP_URL configured, so it was not sent. Full message:",
            f"  Message-ID: {message.message_id}",
            f"  To: {clean_header(to)}",
            f"  Subject: {clean_header(message.subject)}",
            f"  Attachments: {attachments or 'none'}",
        ]
        if self.include_body:
            links = list(dict.fromkeys(_LINK.findall(unseal(message.html_body))))
            lines += [
                "  Links:",
                *(f"    {link}" for link in links),
                "  ---- text ----",
                *(f"  {line}" for line in unseal(message.text_body).splitlines()),
                "  ---- end ----",
            ]
        else:
            lines.append("  (body withheld in production: set KHALA_SMTP_URL to send mail)")
        # WARNING so it shows even where logging was never configured.
        capture_log.warning("\n".join(lines))

    def close(self) -> None:
        pass


def transport_from_settings() -> Transport:
    url = get_settings().smtp_url
    return SmtpTransport(SmtpConfig.from_url(url)) if url else CaptureTransport()


# ---------------------------------------------------------------- the worker


@dataclass
class Worker:
    """Claims batches, delivers them, records outcomes. Safe to run many at once (threads or processes)."""

    engine: Engine | None = None
    transport: Transport | None = None
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    batch_size: int = 20
    lease_seconds: float = 60.0
    poll_interval: float = 1.0
    max_attempts: int = 10
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0
    purge_every: float = 3600.0  # seconds between retention purges in ``run`` (0 = never)
    # Tallies for this worker's lifetime (captured messages count as sent).
    sent: int = field(default=0, init=False)
    failed: int = field(default=0, init=False)
    retried: int = field(default=0, init=False)
    # Set while ``run`` works: a batch stops between messages when it is set, and hands back the rest.
    _stopping: threading.Event | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.transport is None:
            self.transport = transport_from_settings()

    @property
    def _engine(self) -> Engine:
        return self.engine or get_engine()

    def run_once(self) -> int:
        """Claim and process one batch; returns how many messages it held."""
        batch = outbox.claim(
            owner=self.owner, limit=self.batch_size, lease_seconds=self.lease_seconds, engine=self._engine
        )
        if not batch:
            return 0
        renew_at = time.monotonic() + self.lease_seconds / 2
        for i, message in enumerate(batch):
            if self._stopping is not None and self._stopping.is_set():
                # Shutting down (SIGTERM): finish nothing new; the rest is due again for the other workers now,
                # not when its lease runs out.
                released = outbox.release([m.id for m in batch[i:]], owner=self.owner, engine=self._engine)
                log.info("mail worker %s stopping: released %d leased message(s)", self.owner, released)
                break
            if time.monotonic() > renew_at:
                rest = [m.id for m in batch[i:]]
                mine = outbox.renew(
                    rest, owner=self.owner, lease_seconds=self.lease_seconds, engine=self._engine
                )
                renew_at = time.monotonic() + self.lease_seconds / 2
                if message.id not in mine:
                    log.warning("lease on %s lost before sending; another worker has it", message.id)
                    continue
            down = self._deliver(message)
            if down is not None:
                # The mail server is unreachable: reschedule the rest of the batch without trying.
                for later in batch[i + 1 :]:
                    self._retry(later, down)
                break
        outbox.notify()  # wake wait_for_delivery callers
        return len(batch)

    def _deliver(self, message: OutboxMessage) -> str | None:
        """One attempt; returns the error when the mail server itself is unreachable, else None."""
        assert self.transport is not None
        if message.attempts > self.max_attempts:
            # Leased more often than allowed (e.g. its worker keeps dying): stop trying.
            self._fail(message, message.last_error or f"gave up after {self.max_attempts} attempts")
            return None
        try:
            # Deferred mail (the ticket confirmation) is rendered here, outside every business transaction.
            self.transport.send(materialize(message))
        except NothingToSend as exc:
            self._fail(message, f"nothing to send: {exc}")
            return None
        except DeliveryError as exc:
            if exc.permanent:
                self._fail(message, str(exc))
            else:
                self._retry(message, str(exc))
            return str(exc) if exc.connection else None
        except Exception as exc:  # a bug in one message must not stop the worker
            log.exception("unexpected error delivering %s", message.id)
            self._fail(message, f"could not build or send the message: {exc!r}")
            return None
        if self.transport.captures:
            done = outbox.mark_captured(message.id, owner=self.owner, engine=self._engine)
        else:
            done = outbox.mark_sent(message.id, owner=self.owner, engine=self._engine)
            log.info("mail %s sent to %s", message.message_id, message.recipient)
        if done:
            self.sent += 1
        else:
            log.warning("mail %s was delivered after its lease was lost; it may arrive twice", message.id)
        return None

    def _retry(self, message: OutboxMessage, error: str) -> None:
        if message.attempts >= self.max_attempts:
            self._fail(message, f"gave up after {message.attempts} attempts: {error}")
            return
        delay = outbox.backoff(message.attempts, base=self.backoff_base, cap=self.backoff_cap)
        outbox.mark_retry(
            message.id,
            owner=self.owner,
            error=error,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
            engine=self._engine,
        )
        self.retried += 1
        log.warning(
            "mail %s to %s not sent (%s); retry in %.0f s", message.id, message.recipient, error, delay
        )

    def _fail(self, message: OutboxMessage, error: str) -> None:
        outbox.mark_failed(message.id, owner=self.owner, error=error, engine=self._engine)
        self.failed += 1
        log.error("mail %s to %s could not be delivered: %s", message.id, message.recipient, error)

    def drain(self, *, max_batches: int = 1_000_000) -> int:
        """Process batches until nothing is due; returns how many messages were handled."""
        total = 0
        for _ in range(max_batches):
            n = self.run_once()
            if n == 0:
                break
            total += n
        self.close()
        return total

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set: after each empty round, sleep until woken or ``poll_interval``."""
        log.info(
            "mail worker %s started (%s)", self.owner, "SMTP" if not self._captures else "capture to log"
        )
        seen = outbox.wake.generation
        if self._engine.dialect.name == "postgresql":
            threading.Thread(
                target=outbox.listen_postgres,
                args=(self._engine, stop),
                kwargs={"timeout": min(1.0, self.poll_interval)},
                name="khala-mail-listen",
                daemon=True,
            ).start()
        errors = 0
        next_purge = time.monotonic()
        self._stopping = stop
        while not stop.is_set():
            try:
                if self.purge_every and time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + self.purge_every
                    purged = purge_old(engine=self._engine)
                    if purged:
                        log.info("mail: deleted %d finished message(s) past the retention period", purged)
                n = self.run_once()
                errors = 0
            except Exception:  # e.g. the database is away or not migrated yet: keep going, slower
                errors += 1
                pause = min(30.0, self.poll_interval * 2**errors)
                log.exception("mail worker round failed; next try in %.0f s", pause)
                stop.wait(pause)
                continue
            if n == 0:
                if self.transport is not None:
                    self.transport.close()
                seen = outbox.wake.wait(seen, self.poll_interval)
        self.close()
        log.info("mail worker %s stopped", self.owner)

    @property
    def _captures(self) -> bool:
        return bool(self.transport and self.transport.captures)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


# ---------------------------------------------------------------- entry points


@dataclass
class WorkerHandle:
    thread: threading.Thread
    stop_event: threading.Event
    worker: Worker

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        outbox.notify()
        self.thread.join(timeout)


def start_background_worker(**options: object) -> WorkerHandle:
    """Start a worker in a daemon thread; ``handle.stop()`` ends it. Options go to ``Worker``."""
    worker = Worker(**options)  # type: ignore[arg-type]
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="khala-mail-worker", daemon=True)
    thread.start()
    return WorkerHandle(thread=thread, stop_event=stop, worker=worker)


async def run_worker_forever() -> None:
    """Lifespan task: one worker per process, in a thread; stops when the task is cancelled."""
    worker = Worker()
    stop = threading.Event()
    try:
        await asyncio.to_thread(worker.run, stop)
    finally:
        stop.set()
        outbox.notify()


def main_worker(argv: list[str] | None = None) -> int:
    """``python -m khala mail-worker [--once] [--batch-size N] [--lease-seconds S] [--poll-interval S]``."""
    parser = argparse.ArgumentParser(
        prog="khala mail-worker", description="Deliver queued mail from the outbox."
    )
    parser.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--lease-seconds", type=float, default=60.0)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = Worker(
        batch_size=args.batch_size, lease_seconds=args.lease_seconds, poll_interval=args.poll_interval
    )
    if args.once:
        n = worker.drain()
        log.info("delivered or rescheduled %d message(s)", n)
        return 0
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("signal %d: finishing the current batch", signum)
        stop.set()
        outbox.notify()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main_worker())
