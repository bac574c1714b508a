"""Mail delivery throughput: outbox → worker → a local SMTP sink (aiosmtpd on 127.0.0.1).

For each database (SQLite file, PostgreSQL if reachable) it enqueues N messages (one transaction),
then measures how long 1 worker thread, and 2 and 4 worker processes, take until every message is
marked sent. Prints a table and writes bench/results/mail.json.

    .venv/bin/python bench/mail.py [--messages 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from khala import db as khala_db  # noqa: E402
from khala.mail import service as mail  # noqa: E402
from khala.mail.models import OutboxMessage  # noqa: E402
from khala.mail.worker import SmtpConfig, SmtpTransport, Worker  # noqa: E402

PG_ADMIN = os.environ.get("KHALA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CONTEXT = {"display_name": "Bench Person", "verify_path": "/verify?token=bench"}

WORKER_PROC = """
import sys, threading
from khala.mail.worker import Worker
w = Worker(batch_size=50)
print("ready", flush=True)
sys.stdin.readline()
w.drain()
print(w.sent, flush=True)
"""


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def enqueue(n: int) -> float:
    start = time.perf_counter()
    with khala_db.session_scope(write=True) as session:
        for i in range(n):
            mail.enqueue(
                session,
                to=f"user{i}@bench.test",
                subject=f"Bench {i}",
                template="verify_email",
                context=CONTEXT,
            )
    return time.perf_counter() - start


def sent_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        ).scalar_one()


def reset(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outboxmessage"))


def run_threads(engine, smtp_url: str, n: int) -> float:
    worker = Worker(engine=engine, transport=SmtpTransport(SmtpConfig.from_url(smtp_url)), batch_size=50)
    start = time.perf_counter()
    worker.drain()
    elapsed = time.perf_counter() - start
    assert sent_count(engine) == n, "not everything was sent"
    return elapsed


def run_processes(engine, url: str, smtp_url: str, n: int, procs: int) -> float:
    env = dict(os.environ, KHALA_DATABASE_URL=url, KHALA_SMTP_URL=smtp_url, KHALA_SECRET_KEY="b" * 40)
    env["PYTHONPATH"] = str(ROOT)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_PROC],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(procs)
    ]
    for w in workers:
        assert w.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for w in workers:
        w.stdin.write("go\n")
        w.stdin.flush()
    for w in workers:
        w.wait(timeout=600)
    elapsed = time.perf_counter() - start
    assert sent_count(engine) == n, "not everything was sent"
    return elapsed


def bench_backend(name: str, url: str, n: int, smtp_url: str, sink: Sink) -> list[dict]:
    engine = khala_db.make_engine(url)
    khala_db.use_engine(engine)
    rows = []
    try:
        for mode, procs in (("1 thread", 0), ("2 processes", 2), ("4 processes", 4)):
            reset(engine)
            before = sink.count
            enqueue_s = enqueue(n)
            seconds = (
                run_threads(engine, smtp_url, n)
                if procs == 0
                else run_processes(engine, url, smtp_url, n, procs)
            )
            assert sink.count - before == n, f"sink got {sink.count - before}, expected {n}"
            rows.append(
                {
                    "database": name,
                    "workers": mode,
                    "messages": n,
                    "enqueue_per_s": round(n / enqueue_s),
                    "seconds": round(seconds, 2),
                    "delivered_per_s": round(n / seconds),
                }
            )
            print_row(rows[-1])
    finally:
        khala_db.use_engine(None)
        engine.dispose()
    return rows


HEADER = (
    f"{'database':<11} {'workers':<12} {'messages':>8} {'enqueue/s':>10} {'seconds':>8} {'delivered/s':>12}"
)


def print_row(r: dict) -> None:
    print(
        f"{r['database']:<11} {r['workers']:<12} {r['messages']:>8} {r['enqueue_per_s']:>10} "
        f"{r['seconds']:>8} {r['delivered_per_s']:>12}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    n = args.messages

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{port}"
    rows: list[dict] = []
    print(HEADER)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            migrate(url)
            rows += bench_backend("SQLite", url, n, smtp_url, sink)

        name = f"khala_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            print(f"PostgreSQL skipped: {exc}")
        else:
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            try:
                migrate(url)
                khala_db._engine_for.cache_clear()
                rows += bench_backend("PostgreSQL", url, n, smtp_url, sink)
            finally:
                khala_db._engine_for.cache_clear()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    finally:
        controller.stop()

    out = ROOT / "bench" / "results" / "mail.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "mail delivery to a local SMTP sink (aiosmtpd, 127.0.0.1)",
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
