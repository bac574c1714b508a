#!/usr/bin/env python3
"""Is every pin of requirements.txt / requirements-dev.txt in its lock file, and is every lock entry hashed?

The locks (requirements.lock, requirements-dev.lock: the whole tree, every file's SHA-256) are what `make`
installs, with `pip install --require-hashes`. A pin added to a requirements file without `make lock` would
silently not be installed; this check (run before every install and by `make lint`) says so instead.
Standard library only: it runs before the virtual environment exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def pins(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line[3:].strip()))
        elif m := PIN.match(line):
            found[_name(m.group(1))] = m.group(2)
    return found


def locked(path: Path) -> tuple[dict[str, str], list[str]]:
    entries: dict[str, str] = {}
    unhashed: list[str] = []
    text = path.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if m := PIN.match(line):
            entries[_name(m.group(1))] = m.group(2)
            if "--hash=sha256:" not in line:
                unhashed.append(m.group(1))
    return entries, unhashed


PAIRS = {
    "runtime": ("requirements.txt", "requirements.lock"),
    "dev": ("requirements-dev.txt", "requirements-dev.lock"),
}


def main(argv: list[str]) -> int:
    """``check-lock.py [runtime] [dev]`` (both when none is named; the image build has only the runtime pair)."""
    problems = []
    for requirements, lock in (PAIRS[a] for a in (argv or list(PAIRS))):
        lock_path = ROOT / lock
        if not lock_path.exists():
            problems.append(f"{lock} is missing: run `make lock`")
            continue
        entries, unhashed = locked(lock_path)
        for name, version in pins(ROOT / requirements).items():
            if entries.get(name) != version:
                problems.append(
                    f"{requirements} pins {name}=={version}, {lock} has {entries.get(name)}: run `make lock`"
                )
        problems += [f"{lock}: {name} has no hash" for name in unhashed]
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
