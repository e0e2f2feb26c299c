"""Requests truly in flight together: httpx over a real socket to the service under granian, with a meter of how
many requests were sent and not yet answered at the same moment (the proof that they overlapped)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx


@dataclass
class InFlight:
    now: int = 0
    most: int = 0

    async def sent(self, _request: httpx.Request) -> None:
        self.now += 1
        self.most = max(self.most, self.now)

    async def answered(self, _response: httpx.Response) -> None:
        self.now -= 1


@asynccontextmanager
async def socket_client(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, InFlight]]:
    meter = InFlight()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=url, timeout=60, limits=limits, event_hooks={"request": [meter.sent], "response": [meter.answered]}
    ) as client:
        yield client, meter
