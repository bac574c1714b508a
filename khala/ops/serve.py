"""``python -m khala serve``: the container's command.

1. refuse unsafe settings (production checks, several workers without Redis) with a readable message;
2. check that a frontend build is on disk (``python -m khala build`` makes it; nothing is compiled here);
3. migrate under the database lock (a no-op taking milliseconds when the schema is at head);
4. import the app once, fork the workers from it (Granian, the ASGI server Reflex itself uses) and serve the
   prebuilt pages, the websocket, the REST API and media on one port.

SIGTERM (``docker stop``): Granian stops accepting connections, lets the workers finish the requests in
flight (up to ``KHALA_SHUTDOWN_TIMEOUT`` seconds) and runs the app's shutdown, which stops the mail worker
after its current message; the browsers' websockets reconnect, to another replica behind a balancer.
"""

from __future__ import annotations

import gc
import importlib
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import time

from khala import db
from khala.lib import i18n
from khala.ops import build, logs, migrations
from khala.settings import ROOT, Settings, get_settings

log = logging.getLogger("khala.serve")

APP_TARGET = "khala.khala:app"  # Reflex's App: calling it returns the ASGI app (compile skipped)


def refusals(settings: Settings, workers: int) -> list[str]:
    """Reasons not to start with ``workers`` processes (the settings validated themselves already)."""
    problems = []
    if workers < 1:
        problems.append("workers must be at least 1")
    if workers > 1 and not settings.redis_url:
        problems.append(
            f"{workers} workers need KHALA_REDIS_URL (without Redis each worker keeps its own copy of every "
            "visitor's state); set it, or run one worker"
        )
    if workers > 1 and settings.is_production and settings.is_sqlite:
        problems.append("SQLite serves one worker: use PostgreSQL for KHALA_WORKERS > 1")
    return problems


def reflex_environment(settings: Settings, workers: int) -> dict[str, str]:
    """What Reflex needs to serve a build it did not make in this process."""
    env = {
        "REFLEX_ENV_MODE": "prod",
        "__REFLEX_SKIP_COMPILE": "true",  # internal Reflex flags are read with a "__" prefix
        "__REFLEX_MOUNT_FRONTEND_COMPILED_APP": "true",
        "REFLEX_WEB_WORKDIR": str(build.WEB_DIR),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    if not settings.redis_url:
        # One process: visitors' state in memory (Reflex's default would pickle it, e-mails and all, to
        # ./.states). With Redis, Reflex keeps it there and every worker and replica shares it.
        env["REFLEX_STATE_MANAGER_MODE"] = "memory"
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="khala-metrics-")
    return env


def _backend_state_schema(app: object) -> str:
    """The state-tree hash Reflex compares with the frontend's on every connect ("" if it cannot tell).

    The pages' dynamic route variables (``slug`` of ``/events/[slug]``) belong to the tree; Reflex adds
    them when the worker registers the pages, so they are added here first (idempotent, same values).
    """
    try:
        from reflex.route import get_route_args

        state = app._state  # type: ignore[attr-defined]
        for _render, kwargs in app._registration_context.decorated_pages:  # type: ignore[attr-defined]
            if route := kwargs.get("route"):
                state.setup_dynamic_args(get_route_args(route))
        return str(state._to_frontend_schema())
    except Exception:  # another Reflex version: skip the check rather than refuse
        log.debug("cannot compute the backend state schema", exc_info=True)
        return ""


class BuildMismatch(RuntimeError):
    """The prebuilt frontend was compiled from other code than the backend about to serve it."""


def _preload(stamp: dict[str, object]) -> None:
    """Import the app in the supervisor so every forked worker starts with it loaded (and shares pages)."""
    multiprocessing.set_start_method("fork", force=True)
    module = importlib.import_module(APP_TARGET.split(":")[0])
    expected = str(stamp.get("state_schema", ""))
    actual = _backend_state_schema(module.app)
    if expected and actual and expected != actual:
        # Every browser would be told to reload, again and again (Reflex's state-schema check).
        raise BuildMismatch(
            f"the frontend build expects state schema {expected}, this code has {actual}: the build is from "
            "other code — rebuild it (`python -m khala build`, `make build`, or rebuild the image)"
        )
    try:
        from reflex_base.utils import serializers

        serializers._prepare_serializers_for_fork()  # what Reflex's own prod runner does before forking
    except (ImportError, AttributeError):
        pass
    # Compute once, before the fork, what the first request would otherwise compute in every worker.
    # (Imported only now: prometheus-client picks its multiprocess mode from the environment set above.)
    from khala.ops import headers, middleware

    headers.security_headers(get_settings(), build.STATIC_DIR)
    middleware.route_label({"path": "/"})
    # Every catalog loaded once, before the fork (compiled here if its .mo is stale), not in a worker mid-request.
    for lang in i18n.LANGUAGES:
        i18n.translations(lang)
    # Everything imported so far lives as long as the process: keep it out of every later collection
    # (and out of copy-on-write page faults in the workers). A full collect here would cost ~0.15 s.
    gc.freeze()
    gc.enable()


def serve(*, host: str | None = None, port: int | None = None, workers: int | None = None) -> int:
    started = time.monotonic()
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    logs.configure(settings)
    if settings.log_format != "json" and not settings.is_production:
        logging.getLogger("khala.request").setLevel(logging.WARNING)  # development: no line per asset
    problems = refusals(settings, workers)
    if problems:
        for p in problems:
            log.error("refusing to start: %s", p)
        return 2
    try:
        stamp = build.require_build()
    except build.BuildMissing as exc:
        log.error("%s", exc)
        return 2
    in_checkout = (ROOT / "reflex.lock").exists()  # a source checkout (the image carries no sources to hash)
    if in_checkout and stamp.get("source_hash") != build.source_hash():
        log.warning("the frontend sources changed since the build on disk: `make build` to rebuild it")
    migrations.migrate()
    db.get_engine().dispose()  # no pooled connection may cross the fork
    db._engine_for.cache_clear()

    os.environ.update(reflex_environment(settings, workers))
    os.chdir(ROOT)  # Reflex finds rxconfig.py and .web from here
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        _preload(stamp)
    except BuildMismatch as exc:
        log.error("refusing to start: %s", exc)
        return 2

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    log.info(
        "serving http://%s:%s (%d worker%s, %s, %s) — ready to fork after %.2f s",
        host,
        port,
        workers,
        "s" if workers > 1 else "",
        settings.environment,
        "PostgreSQL" if not settings.is_sqlite else "SQLite",
        time.monotonic() - started,
    )
    server = Server(
        target=APP_TARGET,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        log_level=LogLevels.info,
        log_dictconfig=logs.granian_log_config(),
        respawn_failed_workers=True,
        workers_kill_timeout=settings.shutdown_timeout,
    )
    try:
        server.serve()
    finally:
        metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
        if metrics_dir.startswith(tempfile.gettempdir()) and "khala-metrics-" in metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
