"""H2: behind the production reverse proxy every client had the proxy's address, so each per-IP limit was a
site-wide one (anyone could lock everybody out of sign-in). Before the fix ``auth.client_ip`` returned the
websocket peer and the HTTP routes ``request.client.host``, and IPv6 clients were counted per /128.

Now a setting says which proxies to believe (KHALA_TRUSTED_PROXY_HOPS and/or KHALA_TRUSTED_PROXIES), the same
resolution serves the websocket and the HTTP routes, and IPv6 clients are counted per /64.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from reflex.istate.data import RouterData

from khala.accounts import api, auth, network, sessions, throttle
from khala.errors import InvalidInput, RateLimited
from khala.settings import get_settings
from tests.security.conftest import PASSWORD


@pytest.fixture
def behind_proxy(monkeypatch):
    """configure(hops=…, proxies=[…]): the settings the network module sees."""

    def configure(*, hops: int = 0, proxies: list[str] | None = None) -> None:
        changed = get_settings().model_copy(
            update={"trusted_proxy_hops": hops, "trusted_proxies": proxies or []}
        )
        monkeypatch.setattr(network, "get_settings", lambda: changed)

    return configure


def _socket_state(peer: str, forwarded_for: str | None = None) -> object:
    """A state as Reflex builds it on connect: the raw headers carry the peer as ``asgi-scope-client``."""
    from tests.handlers import state_tree

    root = state_tree(None, ip=peer)
    headers = {"origin": "http://localhost:3000", "asgi-scope-client": peer}
    if forwarded_for:
        headers["x-forwarded-for"] = forwarded_for
    root.router = RouterData.from_router_data({"headers": headers, "ip": peer, "pathname": "/"})
    return root


def test_without_configuration_forwarding_headers_are_ignored(behind_proxy) -> None:
    behind_proxy()
    assert network.resolve_client("203.0.113.9", {"x-forwarded-for": "1.2.3.4"}) == "203.0.113.9"
    assert auth.client_ip(_socket_state("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_hops_believe_the_addresses_the_proxies_added(behind_proxy) -> None:
    behind_proxy(hops=1)
    # The client's own "X-Forwarded-For: 6.6.6.6" comes first; the proxy appends what it saw.
    assert network.resolve_client("10.0.0.2", {"x-forwarded-for": "6.6.6.6, 198.51.100.7"}) == "198.51.100.7"
    assert auth.client_ip(_socket_state("10.0.0.2", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    behind_proxy(hops=2)
    assert network.resolve_client("10.0.0.2", {"x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.0.0.9"}) == (
        "198.51.100.7"
    )
    # No header (a health check straight to the app): the peer.
    assert network.resolve_client("10.0.0.2", {}) == "10.0.0.2"


def test_trusted_networks_believe_only_what_a_proxy_handed_on(behind_proxy) -> None:
    behind_proxy(proxies=["10.0.0.0/8", "fd00::/8"])
    headers = {"x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.1.1.1"}
    assert network.resolve_client("10.0.0.2", headers) == "198.51.100.7"
    # A client that reaches the app directly cannot pretend to be someone else.
    assert network.resolve_client("198.51.100.50", headers) == "198.51.100.50"
    # RFC 7239 Forwarded, IPv6 with brackets and port.
    forwarded = {"forwarded": 'for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"'}
    assert network.resolve_client("fd00::1", forwarded) == "2001:db8::17"


def test_the_http_routes_use_the_same_address(db, person, behind_proxy) -> None:
    behind_proxy(hops=1)
    user, _ = person()
    code = sessions.authenticate(user.email, PASSWORD, ip="198.51.100.7")
    app = FastAPI()
    app.include_router(api.router)
    client = TestClient(app, base_url="http://localhost:3000", follow_redirects=False)
    r = client.post(
        "/auth/complete",
        data={"code": code, "next": "/"},
        headers={"origin": "http://localhost:3000", "x-forwarded-for": "6.6.6.6, 198.51.100.7"},
    )
    assert r.status_code == 303
    token = r.cookies.get(auth.cookie_name()) or r.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    (row,) = sessions.list_sessions(user.id, current_secret=token)[:1]
    assert row.ip == "198.51.100.7"


def test_one_client_behind_the_proxy_cannot_lock_out_the_others(db, person, behind_proxy) -> None:
    behind_proxy(hops=1)
    victim, _ = person()
    attacker = _socket_state("10.0.0.2", "198.51.100.66")
    neighbour = _socket_state("10.0.0.2", "192.0.2.10")
    for i in range(20):  # the per-client tier of failed sign-ins
        with pytest.raises(InvalidInput):
            sessions.authenticate(f"nobody{i}@example.com", "wrong password!", ip=auth.client_ip(attacker))
    with pytest.raises(RateLimited):
        sessions.authenticate(victim.email, PASSWORD, ip=auth.client_ip(attacker))
    # Same proxy, another client: unaffected.
    assert sessions.authenticate(victim.email, PASSWORD, ip=auth.client_ip(neighbour))


def test_ipv6_clients_are_counted_per_64(behind_proxy) -> None:
    behind_proxy()
    assert throttle.client_key("2001:db8:1:2:aaaa::1") == throttle.client_key("2001:db8:1:2:bbbb::2")
    assert throttle.client_key("2001:db8:1:2::1") != throttle.client_key("2001:db8:1:3::1")
    assert throttle.client_key("::ffff:192.0.2.1") == "192.0.2.1"
    for i in range(20):
        throttle.sign_in_failures_by_client.hit(throttle.client_key(f"2001:db8:1:2::{i:x}"))
    with pytest.raises(RateLimited):  # rotating through the /64 does not help
        throttle.sign_in_failures_by_client.check(throttle.client_key("2001:db8:1:2:ffff::1"))


def test_the_settings_parse_and_check_networks(monkeypatch) -> None:
    from khala.settings import Settings

    monkeypatch.setenv("KHALA_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8")
    monkeypatch.setenv("KHALA_TRUSTED_PROXY_HOPS", "1")
    s = Settings()
    assert s.trusted_proxies == ["10.0.0.0/8", "fd00::/8"] and s.trusted_proxy_hops == 1
    monkeypatch.setenv("KHALA_TRUSTED_PROXIES", "not-a-network")
    with pytest.raises(ValueError, match="not-a-network"):
        Settings()
