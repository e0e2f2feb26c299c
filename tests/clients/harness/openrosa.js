// The OpenRosa steps both browser hosts share, written from the clients' own sources (see OPENROSA.md §1):
// list the forms, download one form and its media, learn the accepted size, post a submission.
// `server` is the OpenRosa server URL a member is given ({public url}/openrosa/key/{device token}).

export const OPENROSA_HEADERS = { 'X-OpenRosa-Version': '1.0' };
const LIST_NS = 'http://openrosa.org/xforms/xformsList';
const MANIFEST_NS = 'http://openrosa.org/xforms/xformsManifest';

function xmlOf(text) {
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error(`not XML: ${text.slice(0, 200)}`);
  return doc;
}

function childText(element, ns, name) {
  const found = element.getElementsByTagNameNS(ns, name)[0];
  return found ? found.textContent.trim() : null;
}

async function ok(response, what) {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

// formList, optionally for one form (enketo-express asks `formList?formID=`), parsed by namespace.
export async function listForms(server, formID) {
  const url = formID ? `${server}/formList?formID=${encodeURIComponent(formID)}` : `${server}/formList`;
  const response = await ok(await fetch(url, { headers: OPENROSA_HEADERS }), 'formList');
  const doc = xmlOf(await response.text());
  return [...doc.getElementsByTagNameNS(LIST_NS, 'xform')].map((xform) => ({
    formID: childText(xform, LIST_NS, 'formID'),
    name: childText(xform, LIST_NS, 'name'),
    version: childText(xform, LIST_NS, 'version'),
    hash: childText(xform, LIST_NS, 'hash'),
    downloadUrl: childText(xform, LIST_NS, 'downloadUrl'),
    manifestUrl: childText(xform, LIST_NS, 'manifestUrl'),
  }));
}

export async function downloadForm(entry) {
  const response = await ok(await fetch(entry.downloadUrl), 'form download');
  return response.text();
}

// filename → downloadUrl, from the form's manifest (none: no media).
export async function mediaFiles(entry) {
  const files = new Map();
  if (!entry.manifestUrl) return files;
  const response = await ok(await fetch(entry.manifestUrl, { headers: OPENROSA_HEADERS }), 'manifest');
  for (const media of xmlOf(await response.text()).getElementsByTagNameNS(MANIFEST_NS, 'mediaFile')) {
    files.set(childText(media, MANIFEST_NS, 'filename'), childText(media, MANIFEST_NS, 'downloadUrl'));
  }
  return files;
}

// HEAD /submission: the size the server accepts, read only from a 204 as Collect does; null otherwise.
export async function acceptedLength(server) {
  const response = await fetch(`${server}/submission`, { method: 'HEAD', headers: OPENROSA_HEADERS });
  if (response.status !== 204) return { status: response.status, length: null };
  const length = Number(response.headers.get('X-OpenRosa-Accept-Content-Length'));
  return { status: response.status, length: Number.isFinite(length) && length > 0 ? length : null };
}

// One POST; what was sent and what came back, for the test to read.
export async function postSubmission(server, formData, headers = {}) {
  const parts = [];
  let xml = null;
  for (const [name, value] of formData.entries()) {
    if (value instanceof Blob) {
      parts.push({ name, filename: value.name ?? null, type: value.type, size: value.size });
      if (name === 'xml_submission_file') xml = await value.text();
    } else {
      parts.push({ name, value });
    }
  }
  const response = await fetch(`${server}/submission`, {
    method: 'POST',
    body: formData,
    headers: { ...OPENROSA_HEADERS, ...headers },
  });
  return { status: response.status, body: await response.text(), parts, xml };
}
