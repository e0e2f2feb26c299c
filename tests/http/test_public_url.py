"""The QR code a phone scans names the server it will talk to: never whatever the caller wrote in Host."""

from __future__ import annotations

import msgspec
from litestar.testing import AsyncTestClient

from service.app import create_app


async def _issued_server(client, world) -> str:
    response = await client.post(
        f"/api/v1/members/{world['member_a1'].user.id}/device-tokens",
        json={"label": "Điện thoại mới"},
        headers={**world["admin"].headers, "Host": "evil.example"},
    )
    assert response.status_code == 201, response.text
    payload = msgspec.json.decode(response.json()["qr_payload"])
    return payload["server"]


async def test_the_configured_public_url_goes_into_the_qr_code(settings, world):
    configured = msgspec.structs.replace(settings, public_url="https://gocua.thanhhoa.gov.vn/")
    app = create_app(configured)
    async with AsyncTestClient(app=app) as client:
        assert await _issued_server(client, world) == "https://gocua.thanhhoa.gov.vn"
        await app.state.engine.dispose()


async def test_without_a_public_url_the_host_header_is_still_not_trusted(client, world):
    server = await _issued_server(client, world)
    assert "evil.example" not in server and server.startswith("http://")
