"""Keys: the secret exists once, only its hash is kept, revocation is final, every change is audited."""

from __future__ import annotations

import pytest

from khala.api import keys
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.cli import main
from khala.errors import Conflict, InvalidInput, NotFound


def test_create_returns_the_secret_once_and_keeps_only_its_hash(db):
    made = keys.create_key("Box office", "write", actor=Actor.system("cli"))
    assert made.secret.startswith(f"khala_{made.key.prefix}_")
    assert keys.authenticate(made.secret).id == made.key.id
    listed = keys.list_keys()
    assert [k.id for k in listed] == [made.key.id]
    assert not hasattr(listed[0], "secret") and not hasattr(listed[0], "secret_hash")
    assert made.secret not in repr(listed[0])


def test_create_validates_name_and_scope(db):
    with pytest.raises(InvalidInput) as exc:
        keys.create_key("  ", "admin", actor=Actor.system("cli"))
    assert set(exc.value.errors) == {"name", "scope"}


def test_key_changes_are_audited_with_their_actor(db):
    cli = Actor.system("cli")
    made = keys.create_key("Partner site", "read", actor=cli)
    keys.revoke_key(made.key.prefix, actor=cli)
    entries = audit.list_entries(object_type="api_key", object_id=made.key.id).items
    assert [e.action for e in reversed(entries)] == ["api_key.created", "api_key.revoked"]
    created = entries[-1]
    assert created.actor_kind == "system" and created.actor_label == "cli"
    assert created.changes == {"name": "Partner site", "prefix": made.key.prefix, "scope": "read"}
    assert all(made.secret not in str(e.changes) + str(e.data) for e in entries)


def test_revoke_by_prefix_id_or_secret_and_only_once(db):
    for how in ("prefix", "id", "secret"):
        made = keys.create_key(f"k-{how}", "read", actor=Actor.system("cli"))
        ref = {"prefix": made.key.prefix, "id": made.key.id, "secret": made.secret}[how]
        assert keys.revoke_key(ref, actor=Actor.system("cli")).revoked_at is not None
        assert keys.authenticate(made.secret) is None
        with pytest.raises(Conflict):
            keys.revoke_key(ref, actor=Actor.system("cli"))
    with pytest.raises(NotFound):
        keys.revoke_key("0123456789", actor=Actor.system("cli"))


def test_cli_create_list_revoke(db, capsys):
    assert main(["api-key", "create", "--name", "Door scanner", "--scope", "write"]) == 0
    out = capsys.readouterr().out
    secret = next(w for w in out.split() if w.startswith("khala_"))
    key = keys.authenticate(secret)
    assert key is not None and key.scope == "write" and key.created_by == "system:cli"
    assert main(["api-key", "list"]) == 0
    listing = capsys.readouterr().out
    assert key.prefix in listing and "Door scanner" in listing and secret not in listing
    assert main(["api-key", "revoke", key.prefix]) == 0
    assert "revoked" in capsys.readouterr().out
    assert keys.authenticate(secret) is None
    assert main(["api-key", "revoke", key.prefix]) == 2
    assert main(["api-key", "list", "--active"]) == 0
    assert key.prefix not in capsys.readouterr().out


def test_a_key_used_again_within_seconds_costs_no_query_and_revocation_is_at_once(db, count_queries):
    made = keys.create_key("Partner site", "read", actor=Actor.system("cli"))
    assert keys.authenticate(made.secret) is not None  # looked up, and its use noted
    with count_queries() as q:
        assert keys.authenticate(made.secret).id == made.key.id
        assert keys.remembered(made.secret).id == made.key.id
    assert q.count == 0, q.report()
    assert keys.remembered(made.secret.replace("_", "-")) is None  # only the exact secret
    keys.revoke_key(made.key.prefix, actor=Actor.system("cli"))
    assert keys.remembered(made.secret) is None
    assert keys.authenticate(made.secret) is None
