"""The real websocket: drive Reflex's socket.io endpoint of the running app as an anonymous client and as a
signed-in non-admin, call handlers that need more by name, and check they are refused with nothing changed.
Also: a connection from a foreign Origin is refused before it is accepted."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid

import pytest
from sqlmodel import select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from khala.accounts import auth, service, sessions, throttle
from khala.accounts.models import User
from khala.accounts.state import AccountState, SessionState
from khala.admin.state.users import UsersAdminState
from khala.db import session_scope
from khala.mail import service as mail
from khala.mail.models import OutboxMessage

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("accounts_wired")]

PASSWORD = "websocket passphrase 7"


class SocketClient:
    """A minimal Engine.IO 4 / Socket.IO 5 client speaking to Reflex's ``/_event`` namespace."""

    def __init__(self, base_url: str, *, cookie: str | None = None, origin: str | None = None) -> None:
        self.token = str(uuid.uuid4())
        url = (
            base_url.replace("http://", "ws://", 1) + f"/_event/?EIO=4&transport=websocket&token={self.token}"
        )
        headers = {"Cookie": cookie} if cookie else {}
        self.ws: ClientConnection = connect(
            url,
            origin=origin or base_url,
            additional_headers=headers,
            open_timeout=15,  # type: ignore[arg-type]
        )
        opened = self.ws.recv(timeout=15)
        assert str(opened).startswith("0"), opened
        self.ws.send("40/_event,")
        self.frames: list[str] = []
        self._read_until(lambda f: f.startswith("40/_event"), 15)

    def _read_until(self, done, timeout: float) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = str(self.ws.recv(timeout=max(0.05, deadline - time.monotonic())))
            except TimeoutError:
                break
            if frame == "2":  # engine.io ping
                self.ws.send("3")
                continue
            got.append(frame)
            self.frames.append(frame)
            if done(frame):
                return got
        raise AssertionError(f"no matching frame within {timeout}s; got {got}")

    def _drain(self, first_timeout: float, quiet: float) -> list[str]:
        """Frames until the server has been quiet for ``quiet`` seconds (after a first frame)."""
        got: list[str] = []
        timeout = first_timeout
        while True:
            try:
                frame = str(self.ws.recv(timeout=timeout))
            except TimeoutError:
                break
            if frame == "2":
                self.ws.send("3")
                continue
            got.append(frame)
            self.frames.append(frame)
            timeout = quiet
        assert got, f"no answer within {first_timeout}s"
        return got

    def call(self, state_cls, handler: str, payload: dict | None = None, *, path: str = "/account") -> str:
        """Send one event and return everything the server sent back for it (all frames, joined)."""
        event = {
            "name": f"{state_cls.get_full_name()}.{handler}",
            "payload": payload or {},
            "router_data": {"pathname": path, "query": {}, "asPath": path},
        }
        self.ws.send("42/_event," + json.dumps(["event", event]))
        return "\n".join(self._drain(20, 1.5))

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def accounts_wired(live_app) -> None:
    try:
        urllib.request.urlopen(f"{live_app.url}/auth/signout", timeout=5)  # noqa: S310 - our own test server
    except Exception as exc:  # noqa: BLE001
        if "404" in str(exc):
            pytest.skip("accounts are not wired into khala/khala.py yet")


def _session_cookie(email: str) -> str:
    code = sessions.authenticate(email, PASSWORD, ip=f"10.88.{uuid.uuid4().int % 250}.1")
    token, _ = sessions.complete_login(code, user_agent="websocket-test")
    return f"{auth.cookie_name()}={token}"


def _make(email: str, name: str) -> User:
    """A verified user in the live app's database (through the service, as sign-up + link would)."""
    throttle.use_storage("memory://")
    service.sign_up(email, name, PASSWORD, ip=f"10.89.{uuid.uuid4().int % 250}.1")
    with session_scope() as session:
        body = session.exec(select(OutboxMessage.text_body).where(OutboxMessage.recipient == email)).one()
        service.confirm_email_token(re.search(r"token=([A-Za-z0-9_\-]+)", mail.unseal(body)).group(1))
        return session.exec(select(User).where(User.email == email)).one()


def test_anonymous_and_non_admin_are_refused_over_the_real_websocket(live_app, app_db) -> None:
    suffix = uuid.uuid4().hex[:8]
    ada = _make(f"ada-{suffix}@example.com", "Ada")
    bob = _make(f"bob-{suffix}@example.com", "Bob")

    # Anonymous.
    anon = SocketClient(live_app.url)
    try:
        out = anon.call(AccountState, "load")
        assert "/login?next=/account" in out and ada.email not in out
        out = anon.call(AccountState, "save_name", {"form_data": {"display_name": "Hacked"}})
        out += anon.call(AccountState, "delete_account", {"form_data": {"delete_password": PASSWORD}})
        out += anon.call(AccountState, "download_data")
        out += anon.call(UsersAdminState, "load", path="/admin/users")
        out += anon.call(UsersAdminState, "set_admin", {"user_id": str(bob.id), "is_admin": True})
        out += anon.call(SessionState, "setvar", {"var_name": "is_admin", "value": True})
        assert ada.email not in out and bob.email not in out
        assert "base64," not in out  # no data download was sent
    finally:
        anon.close()

    # Signed in as Ada (not an admin): the cookie travels with the websocket upgrade.
    client = SocketClient(live_app.url, cookie=_session_cookie(ada.email))
    try:
        out = client.call(AccountState, "load")
        assert ada.email in out  # positive control: the handler sees who is calling
        out = client.call(UsersAdminState, "load", path="/admin/users")
        assert bob.email not in out and "Only administrators" in out
        out = client.call(UsersAdminState, "set_admin", {"user_id": str(ada.id), "is_admin": True})
        out += client.call(UsersAdminState, "set_admin", {"user_id": str(bob.id), "is_admin": True})
        out += client.call(UsersAdminState, "search", {"form_data": {"query": "bob"}})
        out += client.call(
            AccountState, "save_name", {"form_data": {"display_name": "X", "user_id": str(bob.id)}}
        )
        out += client.call(SessionState, "setvar", {"var_name": "is_admin", "value": True})
        assert bob.email not in out
        session_frames = client.call(SessionState, "load_session")
        assert '"is_admin_rx_state_":true' not in session_frames.replace(" ", "")
    finally:
        client.close()

    # Nothing changed.
    assert not service.get_user(ada.id).is_admin and not service.get_user(bob.id).is_admin
    assert service.get_user(bob.id).display_name == "Bob"


def test_foreign_origin_is_refused(live_app) -> None:
    for origin in ("http://evil.example", "https://localhost.evil.example", "null"):
        with pytest.raises(InvalidStatus) as exc:
            SocketClient(live_app.url, origin=origin)
        assert exc.value.response.status_code == 403
    assert "refused websocket connection from origin 'http://evil.example'" in live_app.log_tail(400)
    # Our own origin works.
    SocketClient(live_app.url).close()
