"""A Python client that behaves as ODK Collect does over HTTP (read from getodk/collect's source), for tests.

- Every GET carries `?deviceID=collect:…` (OpenRosaXmlFetcher.fetch) and the OpenRosa request headers.
- formList and manifest must be `text/xml` with `X-OpenRosa-Version` (OkHttpConnection.executeGetRequest,
  HttpGetResult.isOpenRosaResponse); a missing formID/name/downloadUrl fails the whole list, `hash` must be `md5:`
  (Kxml2OpenRosaResponseParser); the downloaded bytes must match it (ServerFormDownloader).
- Before sending: HEAD /submission must answer 204; only then is X-OpenRosa-Accept-Content-Length read
  (OpenRosaServerInstanceUploader.kt, OkHttpConnection.executeHeadRequest). Any other 2xx is fatal.
- Files are batched: a batch closes past 100 files or when the next file would push XML + files past the accepted
  length (multipart overhead not counted); every POST but the last carries `*isIncomplete*=yes`.
- A POST succeeds only with 201 or 202; otherwise the first `<message>` of the OpenRosaResponse is what the member
  sees (ResponseMessageParser).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"
DEVICE_ID = "collect:PYTHONCOLLECT0001"
DEFAULT_CONTENT_LENGTH = 10_000_000
MAX_FILES_PER_POST = 100


# Collect types each file by its extension (ContentTypeMapping), anything else as application/octet-stream.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "3gpp": "audio/3gpp",
    "3gp": "video/3gpp",
    "amr": "audio/amr",
    "m4a": "audio/m4a",
    "mp3": "audio/mp3",
    "mp4": "video/mp4",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "webm": "video/webm",
    "csv": "text/csv",
    "pdf": "application/pdf",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rpartition(".")[2].lower(), "application/octet-stream")


class CollectError(Exception):
    """What Collect would show the member."""


@dataclass
class FormEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str | None


@dataclass
class Sent:
    statuses: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    incomplete_flags: list[bool] = field(default_factory=list)


class Collect:
    def __init__(self, server_url: str, client: httpx.Client) -> None:
        self.server_url = server_url.rstrip("/")
        self.http = client
        self.headers = {"X-OpenRosa-Version": "1.0", "User-Agent": "org.odk.collect.android/v2026.2.0 (test)"}

    def _get(self, url: str, openrosa: bool) -> httpx.Response:
        response = self.http.get(url, params={"deviceID": DEVICE_ID}, headers=self.headers)
        if response.status_code != 200:
            raise CollectError(_first_message(response) or f"HTTP {response.status_code}")
        if openrosa:
            if "text/xml" not in response.headers.get("content-type", ""):
                raise CollectError("This is often caused by a network proxy")
            if "x-openrosa-version" not in response.headers:
                raise CollectError("ServerNotOpenRosaError")
        return response

    def form_list(self) -> list[FormEntry]:
        root = ElementTree.fromstring(self._get(f"{self.server_url}/formList", True).content)
        entries = []
        for xform in root.findall(f"{LIST}xform"):
            fields = {child.tag.removeprefix(LIST): (child.text or "") for child in xform}
            if not all(fields.get(k) for k in ("formID", "name", "downloadUrl")):
                raise CollectError("formList entry without formID, name or downloadUrl")
            hash_ = fields.get("hash", "")
            entries.append(
                FormEntry(
                    fields["formID"],
                    fields["name"],
                    fields.get("version", ""),
                    hash_.removeprefix("md5:") if hash_.startswith("md5:") else "",
                    fields["downloadUrl"],
                    fields.get("manifestUrl"),
                )
            )
        return entries

    def download(self, entry: FormEntry, folder: Path) -> Path:
        """The form file and its media folder, as Collect keeps them; every hash checked."""
        if not entry.md5:
            raise CollectError("FormWithNoHash")
        content = self._get(entry.download_url, False).content
        if hashlib.md5(content).hexdigest() != entry.md5:
            raise CollectError("the downloaded form's md5 differs from formList's hash")
        form = folder / f"{entry.form_id}.xml"
        form.write_bytes(content)
        media = folder / f"{entry.form_id}-media"
        media.mkdir(exist_ok=True)
        if entry.manifest_url:
            manifest = ElementTree.fromstring(self._get(entry.manifest_url, True).content)
            for item in manifest.findall(f"{MANIFEST}mediaFile"):
                name = item.findtext(f"{MANIFEST}filename") or ""
                expected = (item.findtext(f"{MANIFEST}hash") or "").removeprefix("md5:")
                data = self._get(item.findtext(f"{MANIFEST}downloadUrl") or "", False).content
                if hashlib.md5(data).hexdigest() != expected:
                    raise CollectError(f"media file {name}: md5 differs from the manifest")
                (media / name).write_bytes(data)
        return form

    def send(self, instance: bytes, files: list[tuple[str, bytes]]) -> Sent:
        submission = f"{self.server_url}/submission"
        head = self.http.head(submission, params={"deviceID": DEVICE_ID}, headers=self.headers)
        content_length = DEFAULT_CONTENT_LENGTH
        if head.status_code == 204:
            content_length = int(head.headers.get("x-openrosa-accept-content-length", content_length))
        elif 200 <= head.status_code < 300:
            raise CollectError("Is this an OpenRosa submission endpoint?")
        elif head.status_code == 401:
            raise CollectError("FormUploadAuthRequestedException")
        batches: list[list[tuple[str, bytes]]] = [[]]
        total = len(instance)
        for name, data in files:
            batch = batches[-1]
            if batch and (len(batch) >= MAX_FILES_PER_POST or total + len(data) > content_length):
                batches.append([])
                total = len(instance)
            batches[-1].append((name, data))
            total += len(data)
        sent = Sent()
        for index, batch in enumerate(batches):
            last = index == len(batches) - 1
            parts: list[tuple[str, tuple[str | None, bytes, str | None]]] = [
                ("xml_submission_file", ("submission.xml", instance, "text/xml"))
            ]
            parts += [(name, (name, data, content_type(name))) for name, data in batch]
            if not last:
                parts.append(("*isIncomplete*", (None, b"yes", None)))
            response = self.http.post(submission, params={"deviceID": DEVICE_ID}, files=parts, headers=self.headers)
            sent.statuses.append(response.status_code)
            sent.messages.append(_first_message(response))
            sent.incomplete_flags.append(not last)
            if response.status_code not in (201, 202):
                raise CollectError(_first_message(response) or f"HTTP {response.status_code}")
        return sent


def _first_message(response: httpx.Response) -> str:
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        return ""
    found = root.find(f"{RESPONSE}message")
    return (found.text or "") if found is not None else ""
