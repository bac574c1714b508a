"""Command line: `python -m khala migrate | seed-demo | create-admin --email E | mail-worker`."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from khala import wiring
from khala.api import cli as api_cli
from khala.settings import ROOT, get_settings


def migrate() -> None:
    """Upgrade the configured database to the newest schema (Alembic, our own env.py)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    command.upgrade(cfg, "head")


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
    from khala.errors import DomainError

    try:
        link = create_admin(args.email)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"{args.email} is an administrator.")
    print(f"Set the password within the hour with this one-time link:\n  {link}")
    return 0


def _cmd_mail_worker(args: argparse.Namespace) -> int:
    from khala.mail.worker import main_worker

    return main_worker(args.worker_args)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m khala", description="Khala administration commands")
    sub = parser.add_subparsers(dest="command", required=True)
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
