"""A form published from an XLSForm with CSV media, as ODK Collect meets it: the XForm is built from the author's
own workbook (its select_one_from_file questions intact), and the manifest lists the uploaded CSV files beside
the member's households.csv, each with the md5 of the bytes its downloadUrl serves."""

from __future__ import annotations

import hashlib
import re

from tests.openrosa.conftest import base
from tests.registry.test_form_media_api import BASE, COMMUNES, VILLAGES, publish

MANIFEST_FILE = re.compile(
    r"<mediaFile>\s*<filename>([^<]+)</filename>\s*<hash>md5:([0-9a-f]+)</hash>\s*<downloadUrl>([^<]+)</downloadUrl>"
)


async def test_uploaded_csv_media_are_in_the_manifest_and_served_as_hashed(client, world):
    await publish(client, world)
    files = [("a", ("communes.csv", COMMUNES, "text/csv")), ("b", ("villages.csv", VILLAGES, "text/csv"))]
    assert (await client.post(f"{BASE}/media", files=files, headers=world["admin"].headers)).status_code == 201

    root = base(world)
    listing = await client.get(f"{root}/formList", params={"formID": "Village.Survey"})
    assert listing.status_code == 200 and "<formID>Village.Survey</formID>" in listing.text, listing.text
    download = re.search(r"<downloadUrl>([^<]+)</downloadUrl>", listing.text)
    assert download
    xform = await client.get("/" + download.group(1).split("://", 1)[1].split("/", 1)[1])
    assert xform.status_code == 200
    # The author's questions as they wrote them, reading the CSV files as ODK does.
    assert 'src="jr://file-csv/communes.csv"' in xform.text and 'src="jr://file-csv/villages.csv"' in xform.text

    manifest = await client.get(f"{root}/forms/Village.Survey/v/1/manifest")
    assert manifest.status_code == 200 and "text/xml" in manifest.headers["content-type"]
    listed = {name: (md5, url) for name, md5, url in MANIFEST_FILE.findall(manifest.text)}
    assert {"communes.csv", "villages.csv", "households.csv"} <= set(listed), manifest.text
    for name, expected in (("communes.csv", COMMUNES), ("villages.csv", VILLAGES)):
        md5, url = listed[name]
        served = await client.get("/" + url.split("://", 1)[1].split("/", 1)[1])
        assert served.status_code == 200 and served.content == expected
        assert md5 == hashlib.md5(expected).hexdigest()
