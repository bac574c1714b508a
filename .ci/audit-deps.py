#!/usr/bin/env python3
"""Audit the locked dependency tree for known vulnerabilities (L13): ``make lint`` runs it.

1. ``pip-audit`` over the lock (``--require-hashes --disable-pip``: nothing is installed or resolved); any
   finding fails the check.
2. When pip-audit could audit nothing because no vulnerability service answers (this network reaches PyPI's
   package index but neither its JSON API nor OSV), the offline floor: every locked version is compared with
   ``.ci/advisories.txt`` (name, first fixed version, advisory id). The check says which of the two ran.

Run in the project's venv (pip-audit and packaging come from requirements-dev.lock).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements-dev.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


_FORMAT = ("-f", "json", "-r", str(LOCK))


def pip_audit() -> tuple[int, list[str]]:
    """(how many packages were audited, findings)."""
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [
            str(bin_dir / "pip-audit"),
            "--require-hashes",
            "--disable-pip",
            "--progress-spinner",
            "off",
            *_FORMAT,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        print(result.stderr, file=sys.stderr)
        return 0, []
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    findings = [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['?'])})"
        for d in audited
        for v in d.get("vulns", [])
    ]
    return len(audited), findings


def offline_floor() -> list[str]:
    locked = {_name(n): Version(v) for n, v in PIN.findall(LOCK.read_text())}
    findings = []
    for line in (ROOT / ".ci" / "advisories.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, fixed, advisory = line.split()[:3]
        version = locked.get(_name(name))
        if version is not None and version < Version(fixed):
            findings.append(f"{name} {version}: {advisory} (fixed in {fixed})")
    return findings


def main() -> int:
    audited, findings = pip_audit()
    if audited:
        print(f"pip-audit: {audited} locked packages audited, {len(findings)} known vulnerabilities")
    else:
        findings = offline_floor()
        print(
            "pip-audit: no vulnerability service reachable from here; offline floor (.ci/advisories.txt): "
            f"{len(findings)} known vulnerabilities"
        )
    for f in findings:
        print("  " + f, file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
