"""The database's ceiling for the rush's hot-row work, measured with pgbench on this machine, now.

Each pgbench transaction does what one registration must do atomically at the least: a conditional UPDATE of
one package row (``taken = taken + 1 WHERE taken + 1 <= capacity``: every client wants the same row) and one
INSERT of a registration-shaped row, committed with fsync on (the server's own settings, reported): once as a
transaction of four round trips (BEGIN, UPDATE, INSERT, COMMIT: the row stays locked across three of them), once
as one statement committing on its own (what Khala's hot path sends). 50 clients as in the rushes, and 10;
PostgreSQL on 127.0.0.1 in a throwaway database. Run in the same ``make bench`` as the rushes, so "we reach N %
of what the database can do here" compares like with like.

    .venv/bin/python bench/ceiling.py [--seconds 10] [--clients 50 10]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from _common import PG_ADMIN, pct, table, write_json
from sqlalchemy import create_engine, text

SCHEMA = """
CREATE TABLE package (id integer PRIMARY KEY, taken integer NOT NULL, capacity integer NOT NULL);
CREATE TABLE registration (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    package_id integer NOT NULL REFERENCES package (id),
    ticket_code varchar(16) NOT NULL UNIQUE,
    status varchar(16) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_registration_package ON registration (package_id, status, created_at);
INSERT INTO package VALUES (1, 0, 2000000000);
"""

SCRIPTS = {
    # As the issue measured it: four round trips, the row locked from the UPDATE to the commit.
    "transaction": """\\set n random(1, 2000000000)
BEGIN;
UPDATE package SET taken = taken + 1 WHERE id = 1 AND taken + 1 <= capacity;
INSERT INTO registration (package_id, ticket_code, status) VALUES (1, 'T' || :n || '-' || :client_id, 'confirmed');
END;
""",
    # As Khala's hot path does it on PostgreSQL: one statement that commits on its own.
    "one statement": """\\set n random(1, 2000000000)
WITH seat AS (UPDATE package SET taken = taken + 1 WHERE id = 1 AND taken + 1 <= capacity RETURNING id)
INSERT INTO registration (package_id, ticket_code, status)
SELECT id, 'T' || :n || '-' || :client_id, 'confirmed' FROM seat;
""",
}


def run(database: str, form: str, clients: int, seconds: float, work: Path) -> dict[str, object]:
    script = work / "hot_row.sql"
    script.write_text(SCRIPTS[form])
    prefix = work / f"log{clients}_{form.replace(' ', '_')}"
    for old in work.glob(f"{prefix.name}*"):
        old.unlink()
    proc = subprocess.run(  # fixed argv, our own 127.0.0.1 server
        [
            shutil.which("pgbench") or "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(int(seconds)),
            "-f",
            str(script),
            "-l",
            "--log-prefix",
            str(prefix),
            database,
        ],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=seconds + 120,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pgbench failed: {proc.stderr[-2000:]}")
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", proc.stdout).group(1))
    # Per-transaction logs: "client_id transaction_no time script_no time_epoch time_us"; time is in µs.
    latencies = [
        int(line.split()[2]) / 1e6
        for log in work.glob(f"{prefix.name}*")
        for line in log.read_text().splitlines()
        if line.strip()
    ]
    return {
        "form": form,
        "clients": clients,
        "seconds": seconds,
        "transactions": len(latencies),
        "tps": round(tps, 1),
        "p50_ms": round(pct(latencies, 50) * 1000, 2),
        "p95_ms": round(pct(latencies, 95) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 10])
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        print("  (pgbench not installed: apt-get install postgresql-client; skipped)")
        return
    name = f"khala_ceiling_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            settings = {
                k: conn.execute(text(f"SHOW {k}")).scalar_one()
                for k in ("fsync", "synchronous_commit", "wal_sync_method", "server_version")
            }
    except Exception as exc:  # noqa: BLE001
        print(f"  (PostgreSQL unavailable: {exc.__class__.__name__}; skipped)")
        return
    db = create_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", isolation_level="AUTOCOMMIT")
    try:
        with db.connect() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(text(statement))
        db.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            runs = [run(name, form, c, args.seconds, Path(tmp)) for form in SCRIPTS for c in args.clients]
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    table(
        "ceiling: pgbench, one conditional UPDATE of the same package row + one INSERT per transaction "
        f"(fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']})",
        ["form", "clients", "transactions", "tps", "p50 ms", "p95 ms"],
        [[r["form"], r["clients"], r["transactions"], r["tps"], r["p50_ms"], r["p95_ms"]] for r in runs],
    )
    write_json("ceiling", {"settings": settings, "runs": runs})


if __name__ == "__main__":
    main()
