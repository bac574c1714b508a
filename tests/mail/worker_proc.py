"""A worker process for the multi-process tests: waits for a barrier file, drains, prints its tally."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from khala.db import get_engine
from khala.mail.worker import Worker


def main() -> None:
    barrier, batch_size = Path(sys.argv[1]), int(sys.argv[2])
    worker = Worker(batch_size=batch_size, lease_seconds=30)
    with get_engine().connect():  # open the pool before the start signal
        pass
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not barrier.exists():
        if time.monotonic() > deadline:
            sys.exit("barrier never appeared")
        time.sleep(0.002)
    worker.drain()
    print(json.dumps({"owner": worker.owner, "sent": worker.sent, "retried": worker.retried}), flush=True)


if __name__ == "__main__":
    main()
