"""Outbox delivery over real SMTP (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter

import pytest
from mail_helpers import CONTEXT, spawn, wait_until, worker_env
from sqlalchemy import select, text

from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.mail import outbox
from khala.mail import reports as mail_reports
from khala.mail import service as mail
from khala.mail.models import Attachment, OutboxMessage, OutboxStatus
from khala.mail.worker import (
    CaptureTransport,
    Worker,
    build_message,
    run_worker_forever,
    start_background_worker,
)
from khala.settings import get_settings

ADMIN = Actor("user", uuid.UUID("00000000-0000-4000-8000-00000000ad01"), "admin@example.test")

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\r\n.\r\n..\n%%EOF"  # binary, CR/LF and SMTP dot lines
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)


def rows() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.execute(select(OutboxMessage)).scalars())


def statuses() -> Counter:
    return Counter(r.status for r in rows())


def test_rolled_back_message_is_never_sent(db, smtp_sink):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), session_scope(write=True) as session:
        mail.enqueue(session, to="ann@example.test", subject="Hi", template="verify_email", context=CONTEXT)
        raise Boom

    assert rows() == []
    worker = smtp_sink.worker()
    assert worker.drain() == 0
    assert smtp_sink.received == []


def test_committed_message_is_delivered_once_with_headers_bodies_and_attachments(db, smtp_sink):
    # A poll interval far longer than the test: delivery within ~1 s must come from the commit wake-up.
    handle = start_background_worker(transport=smtp_sink.transport(), poll_interval=30)
    try:
        wait_until(lambda: handle.thread.is_alive())
        with session_scope(write=True) as session:
            msg = mail.enqueue(
                session,
                to="ann@example.test",
                to_name="Ann Åkesson",
                subject="Bekräfta din e-post",
                template="verify_email",
                context=CONTEXT,
                attachments=[
                    Attachment("ticket.pdf", "application/pdf", PDF),
                    Attachment("qr.png", "image/png", PNG, inline_cid="qr@khala"),
                ],
                reply_to="help@example.test",
            )
        committed = time.monotonic()
        wait_until(lambda: smtp_sink.received, timeout=5)
        latency = time.monotonic() - committed
        status = mail.wait_for_delivery(msg.id, timeout=5)
    finally:
        handle.stop()

    assert latency < 1.0, f"delivery took {latency:.2f} s after commit"
    assert status.status == OutboxStatus.SENT and status.delivered
    assert status.summary == "sent to ann@example.test"
    assert status.attempts == 1 and status.last_error is None

    # Nothing more to send, and nothing was sent twice.
    assert smtp_sink.worker().drain() == 0
    (got,) = smtp_sink.received
    assert got.rcpt_tos == ["ann@example.test"]
    assert got.mail_from == "no-reply@khala.local"

    m = got.message
    assert m["Message-ID"] == msg.message_id
    assert m["Subject"] == "Bekräfta din e-post"
    assert m["To"].addresses[0].addr_spec == "ann@example.test"
    assert m["To"].addresses[0].display_name == "Ann Åkesson"
    assert m["From"].addresses[0].addr_spec == "no-reply@khala.local"
    assert m["Reply-To"].addresses[0].addr_spec == "help@example.test"
    assert m["Date"] is not None
    assert m["Auto-Submitted"] == "auto-generated"

    text = m.get_body(preferencelist=("plain",)).get_content()
    html = m.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hello,") and "Ann Andersson" not in text  # no name to an unproven address
    assert "http://localhost:3000/verify-email?token=abc123" in text
    assert 'href="http://localhost:3000/verify-email?token=abc123"' in html
    assert "#f26cf9" in html

    parts = {p.get_filename(): p for p in m.walk() if p.get_filename()}
    assert parts["ticket.pdf"].get_content_type() == "application/pdf"
    assert parts["ticket.pdf"].get_content_disposition() == "attachment"
    assert parts["ticket.pdf"].get_payload(decode=True) == PDF
    assert parts["qr.png"].get_content_disposition() == "inline"
    assert parts["qr.png"]["Content-ID"] == "<qr@khala>"
    assert parts["qr.png"].get_payload(decode=True) == PNG


def test_smtp_down_then_up_delivers_all_50_exactly_once(db, stopped_sink, enqueue_many):
    messages = enqueue_many(50)
    worker = stopped_sink.worker(backoff_base=0.5, backoff_cap=0.5, batch_size=20)

    # Server down: every message is tried, rescheduled with the error, nothing is lost or marked failed.
    wait_until(lambda: worker.run_once() >= 0 and all(r.attempts for r in rows()), timeout=10)
    assert statuses() == Counter({"queued": 50})
    assert all(r.attempts >= 1 and "cannot reach SMTP server" in (r.last_error or "") for r in rows())
    status = mail.wait_for_delivery(messages[0].id, timeout=1)
    assert status.summary == "queued for user0@example.test — we will retry"
    assert not status.is_final

    stopped_sink.start()

    def all_sent() -> bool:
        worker.run_once()
        return statuses() == Counter({"sent": 50})

    wait_until(all_sent, timeout=20)
    received = Counter(r.message_id for r in stopped_sink.received)
    assert set(received) == {m.message_id for m in messages}
    assert max(received.values()) == 1


def test_two_worker_processes_deliver_200_exactly_once(db, smtp_sink, enqueue_many, tmp_path):
    messages = enqueue_many(200)
    smtp_sink.handler.delay = 0.002  # keep both processes busy at once
    barrier = tmp_path / "go"
    env = worker_env(db, smtp_sink)
    procs = [spawn(["tests/mail/worker_proc.py", str(barrier), "5"], env) for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        barrier.touch()
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    tallies = []
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        tallies.append(json.loads(out.strip().splitlines()[-1]))

    received = Counter(r.message_id for r in smtp_sink.received)
    assert set(received) == {m.message_id for m in messages}
    assert max(received.values()) == 1, "a message was delivered twice"
    assert sum(t["sent"] for t in tallies) == 200
    assert all(t["sent"] > 0 for t in tallies), f"one process did all the work: {tallies}"
    assert statuses() == Counter({"sent": 200})
    assert {r.lease_owner for r in rows()} == {t["owner"] for t in tallies}


def test_killed_worker_leases_expire_and_nothing_is_lost(db, smtp_sink, enqueue_many):
    messages = enqueue_many(30)
    smtp_sink.handler.delay = 0.3  # slow server, so the worker dies mid-batch
    env = worker_env(db, smtp_sink)
    lease = 6.0
    proc = spawn(["-m", "khala.mail.worker", "--batch-size", "10", "--lease-seconds", str(lease)], env)
    try:
        wait_until(lambda: len(smtp_sink.received) >= 3, timeout=30)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    smtp_sink.handler.delay = 0

    held = {r.id: r for r in rows() if r.status == "sending"}
    assert held, "the killed worker held no lease"
    dead_owner = {r.lease_owner for r in held.values()}
    assert len(dead_owner) == 1

    # A new worker takes everything else at once, but not what the dead worker still holds.
    rescuer = smtp_sink.worker()
    rescuer.drain()
    now = utcnow()
    for r in rows():
        if r.id in held and now < held[r.id].lease_expires_at:
            assert r.status == "sending" and r.lease_owner in dead_owner

    # After the lease expires, the held messages are delivered too.
    def all_sent() -> bool:
        rescuer.run_once()
        return statuses() == Counter({"sent": 30})

    wait_until(all_sent, timeout=lease + 15, interval=0.1)
    received = Counter(r.message_id for r in smtp_sink.received)
    assert set(received) == {m.message_id for m in messages}, "a message was lost"
    twice = [mid for mid, n in received.items() if n > 1]
    # At-least-once: only the message on the wire when the worker died may arrive twice.
    held_ids = {r.message_id for r in held.values()}
    assert len(twice) <= 1 and set(twice) <= held_ids


def test_header_injection_is_neutralised(db, smtp_sink):
    evil = "x\r\nBcc: victim@evil.test\r\nX-Evil: 1"
    for bad in (
        "ann@example.test\r\nBcc: victim@evil.test",
        "a@example.test, victim@evil.test",
        "Ann <a@b.se>",
    ):
        with pytest.raises(InvalidInput), session_scope(write=True) as session:
            mail.enqueue(session, to=bad, subject="Hi", template="verify_email", context=CONTEXT)
    with session_scope(write=True) as session:
        mail.enqueue(
            session,
            to="ann@example.test",
            to_name=f"Ann{evil}",
            subject=f"Hello{evil}\n\nInjected body",
            template="verify_email",
            context=CONTEXT,
            attachments=[Attachment(f'a"{evil}.txt', f"text/plain{evil}", b"hi")],
        )
        # A row written around the service (e.g. by hand) is cleaned again when it is sent.
        raw = OutboxMessage(
            message_id="<raw@khala.local>",
            recipient="bob@example.test",
            recipient_name=f"Bob{evil}",
            subject=f"Raw{evil}",
            template="verify_email",
            html_body="<p>hi</p>",
            text_body="hi",
        )
        session.add(raw)

    smtp_sink.worker().drain()
    assert statuses() == Counter({"sent": 2})
    got = smtp_sink.received
    assert sorted(tuple(r.rcpt_tos) for r in got) == [("ann@example.test",), ("bob@example.test",)]
    for r in got:
        m = r.message
        assert m["Bcc"] is None and m["X-Evil"] is None
        # The text may survive inside the quoted display name, but never as an address or a header.
        assert [a.addr_spec for a in m["To"].addresses] == r.rcpt_tos
        assert "\n" not in str(m["Subject"]) and "\r" not in str(m["Subject"])
        assert len(m.get_all("Subject")) == 1 and len(m.get_all("To")) == 1
        for part in m.walk():
            assert part["X-Evil"] is None
    first = next(r.message for r in got if r.rcpt_tos == ["ann@example.test"])
    assert str(first["Subject"]).startswith("Hellox Bcc: victim@evil.test X-Evil: 1")
    assert "Injected body" not in first.get_body(preferencelist=("plain",)).get_content()


def test_permanent_refusal_fails_at_once_and_says_so(db, smtp_sink):
    smtp_sink.handler.refuse["gone@example.test"] = "550 5.1.1 No such user"
    with session_scope(write=True) as session:
        msg = mail.enqueue(
            session, to="gone@example.test", subject="Hi", template="verify_email", context=CONTEXT
        )
    smtp_sink.worker().drain()
    status = mail.delivery_status(msg.id)
    assert status.status == OutboxStatus.FAILED and status.attempts == 1
    assert "550" in status.last_error
    assert status.summary == "could not be delivered to gone@example.test"


def test_temporary_refusal_is_retried_then_delivered(db, smtp_sink):
    smtp_sink.handler.refuse["busy@example.test"] = "451 4.3.0 Try again later"
    with session_scope(write=True) as session:
        msg = mail.enqueue(
            session, to="busy@example.test", subject="Hi", template="verify_email", context=CONTEXT
        )
    # A second's backoff: drain() loops while something is due, so a shorter one (0.05 s) let a slow machine
    # make the second, still refused attempt inside drain() (3 attempts in the end).
    worker = smtp_sink.worker(backoff_base=1.0, backoff_cap=1.0)
    worker.drain()
    status = mail.delivery_status(msg.id)
    assert status.status == OutboxStatus.QUEUED and "451" in status.last_error
    smtp_sink.handler.refuse.clear()
    wait_until(lambda: worker.run_once() >= 0 and mail.delivery_status(msg.id).status == "sent", timeout=5)
    assert mail.delivery_status(msg.id).attempts == 2
    assert len(smtp_sink.received) == 1


def test_gives_up_after_max_attempts(db, stopped_sink, enqueue_many):
    (msg,) = enqueue_many(1)
    worker = stopped_sink.worker(backoff_base=0.01, backoff_cap=0.02, max_attempts=3)
    wait_until(lambda: worker.run_once() >= 0 and mail.delivery_status(msg.id).is_final, timeout=10)
    status = mail.delivery_status(msg.id)
    assert status.status == OutboxStatus.FAILED and status.attempts == 3
    assert "gave up after 3 attempts" in status.last_error


def test_without_smtp_the_message_is_captured_and_logged_with_its_links(db, caplog):
    with session_scope(write=True) as session:
        msg = mail.enqueue(
            session, to="ann@example.test", subject="Verify", template="verify_email", context=CONTEXT
        )
    with caplog.at_level("INFO", logger="khala.mail"):
        Worker(transport=CaptureTransport()).drain()
    status = mail.delivery_status(msg.id)
    assert status.status == OutboxStatus.CAPTURED and status.delivered
    assert "no mail server configured" in status.summary
    logged = caplog.text
    assert "MAIL CAPTURED" in logged and "To: ann@example.test" in logged
    assert "http://localhost:3000/verify-email?token=abc123" in logged


def test_claims_are_exclusive(db, enqueue_many):
    enqueue_many(10)
    a = outbox.claim(owner="a", limit=6)
    b = outbox.claim(owner="b", limit=6)
    assert len(a) == 6 and len(b) == 4
    assert not {m.id for m in a} & {m.id for m in b}
    assert outbox.claim(owner="c", limit=6) == []
    # The lease is checked when finishing: "b" cannot finish what "a" holds.
    assert not outbox.mark_sent(a[0].id, owner="b")
    assert outbox.mark_sent(a[0].id, owner="a")
    assert not outbox.mark_sent(a[0].id, owner="a")


def test_build_message_rejects_nothing_and_keeps_message_id(db):
    with session_scope(write=True) as session:
        msg = mail.enqueue(
            session, to="ann@example.test", subject="Hi", template="verify_email", context=CONTEXT
        )
    built = build_message(msg).as_message()
    assert built["Message-ID"] == msg.message_id
    assert msg.message_id.endswith("@khala.local>")


def test_lifespan_task_delivers_and_stops_when_cancelled(db, monkeypatch):
    monkeypatch.setattr(get_settings(), "smtp_url", None)  # the embedded default: capture

    async def scenario() -> mail.MailStatus:
        task = asyncio.create_task(run_worker_forever())

        def enqueue_and_wait() -> mail.MailStatus:
            with session_scope(write=True) as session:
                msg = mail.enqueue(
                    session, to="ann@example.test", subject="Hi", template="verify_email", context=CONTEXT
                )
            return mail.wait_for_delivery(msg.id, timeout=5)

        status = await asyncio.to_thread(enqueue_and_wait)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return status

    started = time.monotonic()
    status = asyncio.run(scenario())  # returns only once the worker thread has ended
    assert status.status == OutboxStatus.CAPTURED
    assert time.monotonic() - started < 5


def test_cli_once_delivers_what_is_due(db, smtp_sink, enqueue_many):
    messages = enqueue_many(3)
    proc = spawn(["-m", "khala", "mail-worker", "--once"], worker_env(db, smtp_sink))
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert statuses() == Counter({"sent": 3})
    assert {r.message_id for r in smtp_sink.received} == {m.message_id for m in messages}
    assert mail.delivery_status(messages[0].message_id).status == OutboxStatus.SENT  # by Message-ID too


def test_postgres_notify_wakes_a_worker_in_another_process(db, smtp_sink, enqueue_many):
    if db.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL only; on SQLite other processes poll every second")
    enqueue_many(1)
    proc = spawn(["-m", "khala.mail.worker", "--poll-interval", "30"], worker_env(db, smtp_sink))
    try:
        wait_until(lambda: len(smtp_sink.received) == 1, timeout=30)  # delivered by the first round

        def listening() -> bool:
            with db.connect() as conn:
                q = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                return conn.execute(text(q)).scalar_one() >= 1

        wait_until(listening, timeout=10)
        with session_scope(write=True) as session:
            mail.enqueue(
                session, to="late@example.test", subject="Hi", template="verify_email", context=CONTEXT
            )
        committed = time.monotonic()
        wait_until(lambda: len(smtp_sink.received) == 2, timeout=10)
        latency = time.monotonic() - committed
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert latency < 1.0, f"the other process took {latency:.2f} s (poll interval is 30 s)"
    assert proc.returncode == 0


def test_admin_list_and_retry_failed(db, smtp_sink, enqueue_many):
    enqueue_many(3)
    smtp_sink.handler.refuse["user1@example.test"] = "550 No such user"
    smtp_sink.worker().drain()

    page = mail_reports.list_outbox(per_page=2)
    assert page.total == 3 and len(page.items) == 2
    failed = mail_reports.list_outbox(status="failed")
    assert [r.recipient for r in failed.items] == ["user1@example.test"]
    assert mail_reports.list_outbox(recipient="USER1@").total == 1

    with pytest.raises(Conflict):
        mail.retry_failed(mail_reports.list_outbox(status="sent").items[0].id, actor=ADMIN)
    smtp_sink.handler.refuse.clear()
    assert mail.retry_failed(failed.items[0].id, actor=ADMIN).status == OutboxStatus.QUEUED
    smtp_sink.worker().drain()
    assert statuses() == Counter({"sent": 3})


def test_retry_writes_one_audit_entry_with_the_admin(db, smtp_sink, enqueue_many):
    enqueue_many(2)
    smtp_sink.handler.refuse["user1@example.test"] = "550 No such user"
    smtp_sink.worker().drain()
    failed = mail_reports.list_outbox(status="failed").items[0]
    sent = mail_reports.list_outbox(status="sent").items[0]
    with pytest.raises(Conflict):
        mail.retry_failed(sent.id, actor=ADMIN)
    with pytest.raises(NotFound):
        mail.retry_failed("not-an-id", actor=ADMIN)
    mail.retry_failed(str(failed.id), actor=ADMIN)
    with session_scope() as session:
        entries = session.execute(select(AuditEntry)).scalars().all()
    assert [(e.action, e.object_type, e.object_id) for e in entries] == [
        ("mail.retried", "outboxmessage", str(failed.id))
    ]
    [entry] = entries
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", ADMIN.id, "admin@example.test")
    assert entry.changes == {"status": ["failed", "queued"], "attempts": [1, 0]}
    assert entry.data == {"recipient": "user1@example.test", "template": failed.template}


def test_capture_withholds_bodies_in_production(db, caplog):
    with session_scope(write=True) as session:
        msg = mail.enqueue(
            session, to="ann@example.test", subject="Reset", template="verify_email", context=CONTEXT
        )
    with caplog.at_level("INFO", logger="khala.mail"):
        Worker(transport=CaptureTransport(include_body=False)).drain()
    assert mail.delivery_status(msg.id).status == OutboxStatus.CAPTURED
    assert "To: ann@example.test" in caplog.text
    assert "token=abc123" not in caplog.text and "withheld" in caplog.text
