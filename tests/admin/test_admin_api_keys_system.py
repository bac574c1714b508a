"""The API keys and system pages as an administrator sees them (both databases)."""

from __future__ import annotations

from khala.admin.state.api_keys import AdminApiKeysState
from khala.admin.state.system import AdminSystemState
from khala.api import keys
from tests.admin.conftest import PASSWORD
from tests.admin.test_admin_audit import _state
from tests.handlers import run


def test_a_key_is_made_after_the_password_and_its_secret_works(person) -> None:
    _, token = person(admin=True)
    state = _state(token, AdminApiKeysState, "/admin/api-keys")
    run(state.load())
    run(state.create({"name": "", "scope": "read"}))
    assert "name" in state.errors
    run(state.create({"name": "Door tablet", "scope": "admin"}))
    assert "scope" in state.errors
    run(state.create({"name": "Door tablet", "scope": "read"}))
    run(state.confirm_password({"password": "not my password at all"}))
    assert state.reauth_open and state.reauth_error and keys.list_keys() == []
    run(state.confirm_password({"password": PASSWORD}))
    secret = state.new_secret
    assert keys.authenticate(secret).name == "Door tablet"
    run(state.create({"name": "Second", "scope": "write"}))  # within 10 minutes: no second prompt
    assert not state.reauth_open and state.new_name == "Second"
    assert [r.name for r in state.rows] == ["Second", "Door tablet"] and state.rows[1].last_used != "never"
    run(state.dismiss_secret())
    assert state.new_secret == ""
    run(state.ask_revoke(state.rows[1].id))
    run(state.revoke(state.rows[1].id))
    assert keys.authenticate(secret) is None and state.rows[1].revoked


def test_the_system_page_shows_the_health_report(person) -> None:
    _, token = person(admin=True)
    state = _state(token, AdminSystemState, "/admin/system")
    run(state.load())
    names = {c.name for c in state.checks}
    assert {"Database", "Migrations", "Redis", "Images", "Frontend"} <= names
    database = next(c for c in state.checks if c.name == "Database")
    assert database.ok and database.detail in ("sqlite", "postgresql")
    assert any(f.name == "Pid" for f in state.facts) and state.checked_at
