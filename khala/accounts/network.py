"""The real client address behind trusted reverse proxies, and the bucket a client is counted in.

Without configuration the peer address of the connection is the client: ``X-Forwarded-For`` and
``Forwarded`` are ignored, since anyone can send them. Behind a proxy, say which hops to believe:

* ``KHALA_TRUSTED_PROXY_HOPS=1``: one proxy in front (it appends the address it saw), so the client is the
  last address that proxy added; ``2`` for a CDN in front of a load balancer, and so on.
* ``KHALA_TRUSTED_PROXIES=10.0.0.0/8,fd00::/8``: the proxies' networks. Hops are believed only while the
  address that handed the request on is in one of them (the peer first), so a client that reaches the app
  directly cannot pretend to be someone else. With both settings, at most HOPS trusted addresses are skipped.

The same function serves the websocket (from the headers Reflex keeps of the connect request) and our own
HTTP routes (from the ASGI scope). Plain Python: standard library and settings only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from khala.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_FORWARDED_FOR = re.compile(r'(?:^|[;,\s])for\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]+)', re.IGNORECASE)


def parse_ip(raw: str | None) -> IPAddress | None:
    """An address from a header or the scope: ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1``,
    ``[2001:db8::1]:443``, quoted or not; IPv4-mapped IPv6 becomes IPv4. None if it is not an address
    (``unknown``, an obfuscated ``_hidden`` identifier, garbage)."""
    text = (raw or "").strip().strip('"').strip()
    if not text:
        return None
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # an IPv6 zone id
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in spec if n.strip())


def _header_chain(headers: Mapping[str, str]) -> list[str]:
    """The forwarded addresses, oldest first: ``X-Forwarded-For`` if present, else ``Forwarded``'s for=."""
    xff = headers.get("x-forwarded-for") or ""
    if xff.strip():
        return [part.strip() for part in xff.split(",") if part.strip()]
    forwarded = headers.get("forwarded") or ""
    return [m.group(1) for m in _FORWARDED_FOR.finditer(forwarded)]


def resolve_client(
    peer: str | None,
    headers: Mapping[str, str],
    *,
    hops: int | None = None,
    trusted: Iterable[str] | None = None,
) -> str:
    """The client's address as text (the peer's when no proxy is trusted), or ``"unknown"``.

    ``headers`` are lower-case names (one value each; repeated headers joined with ", ").
    ``hops``/``trusted`` default to the settings."""
    settings = get_settings()
    hops = settings.trusted_proxy_hops if hops is None else hops
    networks = _networks(tuple(settings.trusted_proxies if trusted is None else trusted))
    peer_ip = parse_ip(peer)
    if not hops and not networks:
        return str(peer_ip) if peer_ip else (peer or "unknown")[:64]
    chain: list[str] = [*_header_chain(headers), peer or ""]
    skipped = 0
    index = len(chain) - 1
    # Walk back from the peer while the address that handed the request on is a trusted proxy.
    while index > 0:
        current = parse_ip(chain[index])
        if networks and (current is None or not any(current in n for n in networks)):
            break
        if hops and skipped >= hops:
            break
        skipped += 1
        index -= 1
    client = parse_ip(chain[index])
    return str(client) if client else (chain[index] or "unknown")[:64]


def client_from_scope(scope: Mapping[str, object]) -> str:
    """For our HTTP routes and ASGI guards: the client of an ASGI ``scope`` (peer + forwarding headers)."""
    client = scope.get("client")
    peer = client[0] if isinstance(client, list | tuple) and client else None
    headers: dict[str, str] = {}
    for key, value in scope.get("headers") or []:  # type: ignore[attr-defined]
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return resolve_client(peer, headers)


def bucket(ip: str | None) -> str:
    """The key a client is counted under in rate limits: the IPv4 address, the IPv6 /64 (one household or
    one server gets a whole /64, so counting single IPv6 addresses would let it rotate past every limit),
    or the raw text clipped to 64 characters when it is not an address."""
    address = parse_ip(ip)
    if address is None:
        return (ip or "unknown")[:64]
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)
