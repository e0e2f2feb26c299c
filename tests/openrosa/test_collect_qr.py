"""Issuing a device token also offers ODK Collect's settings QR: one scan points Collect at the member's forms."""

from __future__ import annotations

import base64
import io
import zlib

import msgspec
from litestar.testing import AsyncTestClient
from PIL import Image

from tests.openrosa.conftest import Published
from tests.support.world import World


async def test_the_collect_qr_carries_a_server_url_that_lists_the_members_forms(
    client: AsyncTestClient, world: World, published: Published
) -> None:
    member = world["member_a1"].user.id
    issued = await client.post(
        f"/api/v1/members/{member}/device-tokens", headers=world["leader_a1"].headers, json={"label": "Collect"}
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    settings = msgspec.json.decode(zlib.decompress(base64.b64decode(body["collect_qr_payload"])))
    assert set(settings) == {"general", "admin", "project"}
    server_url = settings["general"]["server_url"]
    assert server_url.endswith(f"/openrosa/key/{body['token']}")
    image = Image.open(io.BytesIO(base64.b64decode(body["collect_qr_png_base64"])))
    assert image.format == "PNG"
    listed = await client.get(server_url.split("://", 1)[1].partition("/")[2].join(["/", ""]) + "/formList")
    assert listed.status_code == 200 and published.definition.id.encode() in listed.content
