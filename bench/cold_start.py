"""Cold start: from starting `python -m khala serve` to the first 200 on `/` (and on `/readyz`), 10 starts.

Each start is a new process on a new port over the same migrated SQLite database (what a restarted
container does: migrations already at head, the frontend prebuilt in the image). The build is made first
when its sources changed, and is not part of the figure — `serve` never builds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import table, write_json

from khala.ops import launcher

RUNS = 10


def cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in the server's process group (supervisor, workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 (pgrp), counted after "pid (comm)"
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def one_start(data_dir: Path, database_url: str, log_dir: Path, i: int) -> dict[str, float]:
    port = launcher.free_port()
    env = launcher.server_env(data_dir, port, KHALA_DATABASE_URL=database_url)
    served = launcher.start(env, log_dir / f"start-{i}.log")
    try:
        first = served.wait_ready("/", timeout=60)
        cpu = cpu_seconds(served.proc.pid)
        ready = served.wait_ready("/readyz", timeout=60)
        page = served.wait_ready("/events/", timeout=60)  # the catalogue page
    finally:
        t = time.monotonic()
        code = served.stop()
        stop_s = time.monotonic() - t
    return {
        "first_200_s": first,
        "cpu_s_to_first_200": cpu,
        "ready_s": ready,
        "events_page_s": page,
        "stop_s": stop_s,
        "exit": code or 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    with launcher.current_build(), tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        database_url = f"sqlite:///{data_dir / 'khala.db'}"
        from khala.ops import migrations

        migrations.migrate(database_url)  # a restarted container: schema already at head
        runs = [one_start(data_dir, database_url, data_dir / "logs", i) for i in range(args.runs)]
    first = [r["first_200_s"] for r in runs]
    ready = [r["ready_s"] for r in runs]
    stop = [r["stop_s"] for r in runs]
    result = {
        "command": "python -m khala serve",
        "runs": len(runs),
        "first_200_median_s": round(statistics.median(first), 3),
        "first_200_max_s": round(max(first), 3),
        "first_200_min_s": round(min(first), 3),
        "readyz_median_s": round(statistics.median(ready), 3),
        "readyz_max_s": round(max(ready), 3),
        "sigterm_to_exit_median_s": round(statistics.median(stop), 3),
        "cpu_s_to_first_200_median": round(statistics.median(r["cpu_s_to_first_200"] for r in runs), 3),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "samples": runs,
    }
    table(
        f"cold start: `python -m khala serve` → first 200, {len(runs)} starts (goal ≤ 1.5 s)",
        ["to", "median s", "max s", "min s"],
        [
            [
                "GET / (200)",
                result["first_200_median_s"],
                result["first_200_max_s"],
                result["first_200_min_s"],
            ],
            ["GET /readyz (200)", result["readyz_median_s"], result["readyz_max_s"], round(min(ready), 3)],
            ["SIGTERM → exit", result["sigterm_to_exit_median_s"], round(max(stop), 3), round(min(stop), 3)],
            ["CPU s used until first 200", result["cpu_s_to_first_200_median"], "", ""],
        ],
    )
    write_json("cold_start", result)


if __name__ == "__main__":
    main()
