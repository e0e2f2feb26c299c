"""The visit page lists a visit's audio, video and file answers as download links, served only as attachments and
only to whoever may see the visit."""

from __future__ import annotations

from tests.pages.conftest import sign_in
from tests.visits.test_attachments import M4A, PDF, home, media_form, media_visit, parts  # noqa: F401  (fixtures)


async def test_the_visit_page_links_each_file_with_its_label_size_and_type(client, world, media_form, home):
    body = media_visit(media_form, home, voice="lời kể.m4a", paper="giay.pdf", clip="clip.mp4")
    files = [("voice", "lời kể.m4a", M4A, "audio/mp4"), ("paper", "giay.pdf", PDF, "application/pdf")]
    sent = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, files))
    assert sent.status_code == 201, sent.text

    await sign_in(client, "giam_sat_a")
    page = await client.get(f"/review/visits/{body['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    voice_url = f"/review/visits/{body['id']}/attachments/voice"
    assert f'<a href="{voice_url}" download="lời kể.m4a"' in html and "Ghi âm lời hộ" in html
    assert "lời kể.m4a · 2 KB · audio/mp4" in html
    assert "clip.mp4: chưa nhận được tệp" in html  # answered, its file still on its way
    assert "<audio" not in html and "<video" not in html and "<embed" not in html and "<iframe" not in html

    got = await client.get(voice_url)
    assert got.status_code == 200 and got.content == M4A
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"].startswith("sandbox")

    client.cookies.clear()
    await sign_in(client, "giam_sat_b")
    assert (await client.get(f"/review/visits/{body['id']}")).status_code == 404
    assert (await client.get(voice_url)).status_code == 404
