"""A request body that stops arriving is cut: 408, and the connection closed.

granian 2.8 has no body read timeout (its header timeout ends once the headers are in), so a client that sends
headers and then a few body bytes held its connection and the handler waiting on it for good (70 s and counting
in an attack). This ASGI middleware bounds every wait for the next body chunk by GOCUA_HTTP_BODY_TIMEOUT_S.
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from service import errors


def body_timeout_middleware(timeout_s: float) -> Any:
    """Litestar middleware (a factory of ASGI apps) with the timeout fixed."""

    def middleware(app: ASGIApp) -> ASGIApp:
        if timeout_s <= 0:
            return app

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            body_done = False

            async def timed_receive() -> ReceiveMessage:
                nonlocal body_done
                if body_done:  # after the body only a disconnect can come: waiting for it is no stall
                    return await receive()
                with anyio.move_on_after(timeout_s) as waited:
                    message = await receive()
                if waited.cancelled_caught:
                    raise errors.DomainError(
                        errors.REQUEST_TIMEOUT,
                        f"Không nhận được dữ liệu trong {timeout_s:g} giây.",
                        f"No body bytes arrived for {timeout_s:g} s.",
                        headers={"Connection": "close"},
                    )
                if message["type"] != "http.request" or not message.get("more_body", False):
                    body_done = True
                return message

            await app(scope, timed_receive, send)

        return wrapped

    return middleware
