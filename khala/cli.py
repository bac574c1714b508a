"""Command line: `python -m khala build | serve | run | migrate | seed-demo | create-admin --email E | mail-worker`."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time

from khala import wiring
from khala.api import cli as api_cli
from khala.settings import get_settings


def migrate() -> None:
    """Upgrade the configured database to the newest schema (Alembic, our own env.py), under the
    database's migration lock so replicas starting together migrate once."""
    from khala.ops import migrations

    migrations.migrate()


def seed_demo(force_images: bool = True) -> dict[str, int]:
    from khala.demo.seed import seed_demo as seed

    return seed(with_images=force_images)


def _cmd_migrate(_: argparse.Namespace) -> int:
    started = time.perf_counter()
    migrate()
    print(
        f"database migrated ({get_settings().database_url.split('://')[0]}, {time.perf_counter() - started:.1f}s)"
    )
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    if get_settings().is_production:
        print("production mode never loads the demo data", file=sys.stderr)
        return 2
    from khala.demo.seed import is_seeded

    if args.if_empty and is_seeded():
        print("demo data already present; nothing to do")
        return 0
    started = time.perf_counter()
    created = seed_demo()
    if not created.get("events"):
        print("demo data already present; nothing to do")
    else:
        summary = ", ".join(f"{v} {k}" for k, v in created.items())
        print(f"demo data created: {summary} ({time.perf_counter() - started:.1f}s)")
    return 0


def _cmd_create_admin(args: argparse.Namespace) -> int:
    try:
        from khala.accounts.service import create_admin
    except ImportError:
        print("accounts are not available in this build", file=sys.stderr)
        return 2
    from khala.audit.service import Actor
    from khala.errors import DomainError

    try:
        link = create_admin(args.email, actor=Actor.system("cli"))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"{args.email} is an administrator.")
    print(f"Set the password within the hour with this one-time link:\n  {link}")
    return 0


def _cmd_mail_worker(args: argparse.Namespace) -> int:
    from khala.mail.worker import main_worker

    return main_worker(args.worker_args)


def _cmd_build(args: argparse.Namespace) -> int:
    from khala.ops import build

    if args.check:
        st = build.status()
        print("frontend build is current" if st.current else "frontend build is missing or stale")
        return 0 if st.current else 1
    try:
        build.build(if_changed=args.if_changed)
    except (RuntimeError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    gc.disable()  # the start-up imports make ~1 M objects and no garbage: collect after (serve re-enables)
    from khala.ops.serve import serve

    return serve(host=args.host, port=args.port, workers=args.workers)


def _cmd_run(args: argparse.Namespace) -> int:
    """`make run`: the quick start in one process — build the frontend only when its sources changed, migrate,
    load the demo data into an empty database, then serve. (Four commands in a row started Python four
    times: ~3 s before serve's own second.)"""
    gc.disable()  # as serve: the imports make no garbage (serve collects and re-enables before forking)
    if get_settings().is_production:
        print("`run` is the development quick start (demo data); production runs `serve`", file=sys.stderr)
        return 2
    from khala.ops import build

    with build.web_lock(shared=True):  # shared: a server already serving this build does not block the check
        current = build.status()
    try:
        if current.current:
            print(f"frontend is up to date ({current.source_hash[:12]})")
        else:
            build.build(if_changed=True)
    except (RuntimeError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    migrate()
    from khala.demo.seed import is_seeded

    if not is_seeded():
        created = seed_demo()
        print("demo data created: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    from khala.ops.serve import serve

    return serve(host=args.host, port=args.port, workers=args.workers)


def _settings_problem() -> str | None:
    """The configuration error, worded for a person, or None (settings are read once, here)."""
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
    return None


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if problem := _settings_problem():
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m khala", description="Khala administration commands")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="compile and build the frontend once (serve never builds)")
    build.add_argument(
        "--if-changed", action="store_true", help="only when its sources changed since the last build"
    )
    build.add_argument("--check", action="store_true", help="exit 0 when the build is current, 1 otherwise")
    build.set_defaults(func=_cmd_build)
    serve = sub.add_parser(
        "serve", help="migrate, then serve the prebuilt frontend and the backend on one port"
    )
    serve.add_argument("--host", default=None, help="address to bind (default KHALA_HOST / HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default PORT, 3000)")
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (default KHALA_WORKERS, 1)"
    )
    serve.set_defaults(func=_cmd_serve)
    run = sub.add_parser(
        "run",
        help="development quick start: build if the sources changed, migrate, demo data if empty, serve",
    )
    run.add_argument("--host", default=None, help="address to bind (default KHALA_HOST / HOST, 127.0.0.1)")
    run.add_argument("--port", type=int, default=None, help="port (default PORT, 3000)")
    run.add_argument("--workers", type=int, default=None, help="worker processes (default KHALA_WORKERS, 1)")
    run.set_defaults(func=_cmd_run)
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=_cmd_migrate)
    seed = sub.add_parser("seed-demo", help="create the demo catalogue (idempotent)")
    seed.add_argument("--if-empty", action="store_true", help="only when the demo is not there yet")
    seed.set_defaults(func=_cmd_seed)
    admin = sub.add_parser("create-admin", help="create or promote an administrator")
    admin.add_argument("--email", required=True)
    admin.set_defaults(func=_cmd_create_admin)
    worker = sub.add_parser("mail-worker", help="deliver queued mail until stopped (--once: what is due now)")
    worker.set_defaults(func=_cmd_mail_worker, worker_args=[])
    api_cli.add_commands(sub)  # api-key create | list | revoke
    args, extra = parser.parse_known_args(argv)
    wiring.install()
    if args.command == "mail-worker":
        args.worker_args = [*args.worker_args, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.func(args)
