"""``python -m khala api-key create --name N --scope read|write | list | revoke KEY``.

The secret is printed once, when the key is made; it is not stored anywhere (only its hash is).
Keys made here are audited with the actor ``system:cli``.
"""

from __future__ import annotations

import argparse
import sys


def add_commands(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("api-key", help="REST API keys: create (prints the secret once), list, revoke")
    actions = parser.add_subparsers(dest="api_key_command", required=True)
    create = actions.add_parser("create", help="make a key and print its secret once")
    create.add_argument("--name", required=True, help="who or what uses it, e.g. 'Box office'")
    create.add_argument("--scope", choices=("read", "write"), default="read")
    create.set_defaults(func=_create)
    listing = actions.add_parser("list", help="every key (never the secrets)")
    listing.add_argument("--active", action="store_true", help="leave out revoked keys")
    listing.set_defaults(func=_list)
    revoke = actions.add_parser("revoke", help="stop a key from working, at once")
    revoke.add_argument("key", help="the key's prefix (as listed), its id, or the secret itself")
    revoke.set_defaults(func=_revoke)


def _create(args: argparse.Namespace) -> int:
    from khala.api import keys
    from khala.audit.service import Actor
    from khala.errors import DomainError

    try:
        made = keys.create_key(args.name, args.scope, actor=Actor.system("cli"))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"API key '{made.key.name}' ({made.key.scope}) created; prefix {made.key.prefix}.")
    print("The secret is shown this once; keep it somewhere safe:")
    print(f"  {made.secret}")
    print("Send it as the X-API-Key header.")
    return 0


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"  # type: ignore[attr-defined]


def _list(args: argparse.Namespace) -> int:
    from khala.api import keys

    rows = keys.list_keys(include_revoked=not args.active)
    if not rows:
        print("no API keys yet: python -m khala api-key create --name NAME --scope read|write")
        return 0
    print(f"{'prefix':<12} {'scope':<6} {'created':<17} {'last used':<17} {'revoked':<17} name")
    for k in rows:
        print(
            f"{k.prefix:<12} {k.scope:<6} {_when(k.created_at):<17} {_when(k.last_used_at):<17} "
            f"{_when(k.revoked_at):<17} {k.name}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from khala.api import keys
    from khala.audit.service import Actor
    from khala.errors import DomainError

    try:
        key = keys.revoke_key(args.key, actor=Actor.system("cli"))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"API key '{key.name}' ({key.prefix}) is revoked; requests with it now get 401.")
    return 0
