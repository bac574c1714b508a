"""`make bench`: run every benchmark, then write bench/RESULTS.md (machine, date, commit, figures).

Each benchmark runs in its own process and writes bench/results/<name>.json; a failing one is reported in
RESULTS.md and does not stop the others. `--only cold_start first_load` runs a subset; `--report` only
rewrites RESULTS.md from the JSON already there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
REPORT = BENCH / "RESULTS.md"

# (script, what it measures) in the order they run: fast service-level ones first, servers and browsers last.
BENCHMARKS = [
    ("catalogue", "catalogue service: search_events p50/p95 over 10,000 events"),
    (
        "ceiling",
        "the database's ceiling for the hot-row work (pgbench, fsync on), in the same run as the rushes",
    ),
    ("rush", "registration rush through the service: 1,000 attempts, 50 concurrent, capacity 100"),
    ("api_rush", "registration rush over the REST API (Granian, one worker)"),
    ("api_list", "REST API event list under 20 concurrent clients"),
    ("mail", "mail throughput: outbox to a local SMTP sink"),
    ("cold_start", "cold start: `python -m khala serve` → first 200 (10 starts)"),
    ("first_load", "first-load bytes of /, /events and an event page (raw, gzip)"),
    ("catalogue_ui", "catalogue UI in Chromium at 10,000 events: search → grid, card → modal"),
    ("ws_clients", "UI round trip with 100 other websocket clients; worker memory with 1,000 idle clients"),
    ("ui_rush", "UI rush: 200 signed-in websocket clients press Confirm within one second"),
    ("lighthouse", "Lighthouse (mobile) on /, /events and an event page"),
]


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "cpu": f"{cpu} × {os.cpu_count()}",
        "memory": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "reflex": metadata.version("reflex"),
        "granian": metadata.version("granian"),
        "postgresql": _run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"])
        or "?",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def commit() -> str:
    sha = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "?"
    dirty = _run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    return f"{sha}{' (with uncommitted changes)' if dirty else ''}"


def _flatten(data: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(data, dict):
        rows: list[tuple[str, object]] = []
        for k, v in data.items():
            if k in ("samples", "largest"):
                continue
            rows += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return rows
    if isinstance(data, list):
        if data and all(isinstance(d, dict) for d in data) and len(data) <= 12:
            return [row for i, d in enumerate(data) for row in _flatten(d, f"{prefix}[{i}]")]
        return [] if len(data) > 8 else [(prefix, ", ".join(map(str, data)))]
    return [(prefix, data)]


def _get(data: dict, *path: str) -> object:
    for p in path:
        if not isinstance(data, dict) or p not in data:
            return "–"
        data = data[p]
    return data


def performance(results: dict[str, dict]) -> list[list[object]]:
    """The Performance issue's figures beside their targets, and the rushes beside the database's ceiling
    measured in the same run (pgbench, the one-statement form Khala sends, 50 clients)."""
    rows: list[list[object]] = []
    runs = _get(results.get("ceiling", {}), "runs")
    ceiling = {(r["form"], r["clients"]): r["tps"] for r in runs} if isinstance(runs, list) else {}
    top = ceiling.get(("one statement", 50))

    def share(rate: object) -> str:
        return (
            f" ({100 * float(rate) / top:.0f} % of the ceiling)"
            if top and isinstance(rate, int | float)
            else ""
        )

    for (form, clients), tps in sorted(ceiling.items()):
        rows.append([f"ceiling: pgbench hot row, {form}, {clients} clients", f"{tps} tps", "–"])
    for backend, target in (("postgresql", "≥ 800 /s"), ("sqlite", "–")):
        r = _get(results.get("rush", {}), "backends", backend)
        if isinstance(r, dict):
            rate = r["registrations_per_s_while_seats_last"]
            rows.append(
                [
                    f"service rush, {backend}: reg/s while seats last (p95; oversold)",
                    f"{rate} /s{share(rate) if backend == 'postgresql' else ''} ({r['p95_ms']} ms; {r['oversold']})",
                    target,
                ]
            )
    for backend, target in (("postgresql", "≥ 500 /s, p95 ≤ 150 ms, 0"), ("sqlite", "≥ 300 /s, 0")):
        r = results.get("api_rush", {}).get(backend)
        if isinstance(r, dict):
            rate = r.get("registrations_per_s")
            rows.append(
                [
                    f"API rush, {backend}: reg/s while seats last, p95, oversold",
                    f"{rate} /s{share(rate) if backend == 'postgresql' else ''}, {r.get('p95_ms')} ms, "
                    f"{r.get('oversold')}",
                    target,
                ]
            )
    for backend in ("sqlite", "postgresql"):
        r = _get(results.get("ui_rush", {}), "backends", backend)
        if isinstance(r, dict):
            rows.append(
                [
                    f"UI rush, {backend}: answered, click → answer p95, oversold",
                    f"{r['answered']}/{_get(results['ui_rush'], 'clients')}, {r['p95_ms']} ms, {r['oversold']}",
                    "all, ≤ 500 ms, 0",
                ]
            )
        r = results.get("api_list", {}).get(backend)
        if isinstance(r, dict):
            rows.append(
                [
                    f"API list, {backend}: req/s at 20 concurrent, p95 (10,000 events)",
                    f"{r['requests_per_s']} /s, {r['p95_ms']} ms",
                    "≥ 600 /s, ≤ 50 ms",
                ]
            )
    return rows


def headline(results: dict[str, dict]) -> list[list[object]]:
    rows: list[list[object]] = []
    cs = results.get("cold_start")
    if cs:
        rows.append(
            [
                "cold start → first 200 on / (median / max of 10)",
                f"{cs['first_200_median_s']} s / {cs['first_200_max_s']} s",
            ]
        )
        rows.append(
            ["cold start → /readyz 200 (median / max)", f"{cs['readyz_median_s']} s / {cs['readyz_max_s']} s"]
        )
        if "cpu_s_to_first_200_median" in cs:
            rows.append(
                [
                    "cold start: CPU time used until the first 200 (median; 1-min load average then)",
                    f"{cs['cpu_s_to_first_200_median']} s (load {cs.get('load_average_1min_at_end')})",
                ]
            )
    fl = results.get("first_load")
    for page, r in (fl or {}).items():
        rows.append(
            [
                f"first load {page} (raw / gzip, {r['requests']} requests)",
                f"{r['raw_kb']} KB / {r['gzip_kb']} KB",
            ]
        )
    for backend in ("sqlite", "postgresql"):
        r = _get(results.get("rush", {}), "backends", backend)
        if isinstance(r, dict):
            rows.append(
                [
                    f"service rush, {backend}: reg/s while seats last, p95",
                    f"{r['registrations_per_s_while_seats_last']} /s, {r['p95_ms']} ms, oversold {r['oversold']}",
                ]
            )
        r = results.get("api_rush", {}).get(backend)
        if isinstance(r, dict):
            rows.append(
                [
                    f"API rush, {backend}: reg/s, p95",
                    f"{r.get('registrations_per_s')} /s, {r.get('p95_ms')} ms, oversold {r.get('oversold')}",
                ]
            )
    for backend, cases in (
        _get(results.get("catalogue", {}), "backends").items()
        if isinstance(_get(results.get("catalogue", {}), "backends"), dict)
        else []
    ):
        worst = max(cases.values(), key=lambda c: c.get("p95_ms", 0))
        rows.append(
            [f"catalogue search, {backend}: slowest case p95 (10,000 events)", f"{worst['p95_ms']} ms"]
        )
    for row in results.get("mail", {}).get("rows", []):
        rows.append([f"mail, {row['database']}, {row['workers']}: delivered/s", row["delivered_per_s"]])
    for page, r in results.get("lighthouse", {}).get("pages", {}).items():
        rows.append(
            [
                f"Lighthouse mobile {page}: performance / accessibility",
                f"{r['performance']} / {r['accessibility']}",
            ]
        )
    ws = results.get("ws_clients")
    if ws:
        crowded = ws["card_to_modal_with_100_clients"]
        rows.append(
            [
                "UI: card → modal p95 with 100 other websocket clients",
                f"{crowded['p95_ms']} ms (p50 {crowded['p50_ms']})",
            ]
        )
        mem = ws["worker_rss_mb_by_idle_clients"]
        rows.append(
            [
                "one worker's memory, 0 → 1,000 idle websocket clients",
                f"{mem.get('0')} → {mem.get('1000')} MB",
            ]
        )
    return rows


def render(status: dict[str, str], started: str, took: float) -> str:
    results = {}
    for name, _ in BENCHMARKS:
        path = RESULTS / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    m = machine()
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`bench/run_all.py`) on {started} in {took / 60:.1f} min, commit {commit()}.",
        "Timings on a shared 2-core machine vary from run to run; tests never assert them.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in m.items()],
        "",
        "## Headline figures",
        "",
        "| measure | value |",
        "| --- | --- |",
        *[f"| {a} | {b} |" for a, b in headline(results)],
        "",
        "## Performance: figures, targets and the ceiling",
        "",
        "| measure | value | target |",
        "| --- | --- | --- |",
        *[f"| {a} | {b} | {c} |" for a, b, c in performance(results)],
        "",
    ]
    for name, what in BENCHMARKS:
        lines += [f"## {name} — {what}", "", f"`python bench/{name}.py` — {status.get(name, 'not run')}", ""]
        if name in results:
            lines += ["| figure | value |", "| --- | --- |"]
            lines += [f"| {k} | {v} |" for k, v in _flatten(results[name])]
            lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--report", action="store_true", help="only rewrite RESULTS.md from bench/results")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.monotonic()
    status_file = RESULTS / "run_status.json"  # what each benchmark's last run said (kept across subsets)
    status: dict[str, str] = json.loads(status_file.read_text()) if status_file.exists() else {}
    if not args.report:
        for name, what in BENCHMARKS:
            if args.only and name not in args.only:
                continue
            script = BENCH / f"{name}.py"
            if not script.exists():
                status[name] = "not present"
                continue
            print(f"\n=== {name}: {what}", flush=True)
            t = time.monotonic()
            code = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False).returncode
            status[name] = f"ok in {time.monotonic() - t:.0f} s" if code == 0 else f"FAILED (exit {code})"
            RESULTS.mkdir(parents=True, exist_ok=True)
            status_file.write_text(json.dumps(status, indent=2))
    REPORT.write_text(render(status, started, time.monotonic() - t0))
    figures = {
        n: json.loads((RESULTS / f"{n}.json").read_text())
        for n, _ in BENCHMARKS
        if (RESULTS / f"{n}.json").exists()
    }
    print("\nPerformance: figure | target")
    for measure, value, target in performance(figures):
        print(f"  {measure}: {value}  | target {target}")
    print(f"\nwrote {REPORT.relative_to(ROOT)}")
    return 0 if all(not s.startswith("FAILED") for s in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
