"""The caller's address, for the per-address login limit: the socket peer, or — when that peer is a proxy named
in GOCUA_TRUSTED_PROXIES — the address the proxy says it forwarded for.

X-Forwarded-For is read from the right: each trusted proxy appends the address it received from, so the first
entry from the right that is not itself a trusted proxy is the client. Entries left of it were written by the
client and are never believed. Without trusted proxies the header is ignored, so a guesser cannot change its
address by sending one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | None) -> tuple[Network, ...]:
    """`10.0.0.5, 172.16.0.0/12, ::1` → networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in (value or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"GOCUA_TRUSTED_PROXIES: {entry!r} is not an address or network") from exc
    return tuple(networks)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request, networks: Sequence[Network]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [hop.strip() for hop in ",".join(request.headers.getall("x-forwarded-for", [])).split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: the proxy's own address, as if unset
    return peer
