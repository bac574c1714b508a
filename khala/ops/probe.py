"""``python -m khala.ops.probe [/readyz]``: the container's HEALTHCHECK. Exit 0 when this container's own
server answers 200 on the path, 1 otherwise. Standard library only, so a probe costs a few milliseconds."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = args[0] if args else "/healthz"
    url = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}{path}"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            ok = resp.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    print(f"{path}: {'ok' if ok else 'unavailable'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
