// An Enketo host, bundled by esbuild in the test: enketo-transformer's web build turns the XForm into HTML with
// the browser's XSLTProcessor, enketo-core runs it, and the submission is built and sent the way enketo-express
// does (enketo/enketo packages/enketo-express: app/lib/communicator.js for the server steps,
// public/js/src/module/connection.js for the record). Query: ?server=<OpenRosa server URL>&form=<formID>.
import { Form } from 'enketo-core';
import fileManager from 'enketo-core/src/js/file-manager';
import { transform } from 'enketo-transformer/web';
import { listForms, downloadForm, mediaFiles, acceptedLength, postSubmission, OPENROSA_HEADERS } from './openrosa.js';

const params = new URLSearchParams(location.search);
const server = params.get('server');
const harness = (window.harness = { ready: false, posts: [], error: null, xslt: typeof XSLTProcessor !== 'undefined' });
// enketo-express's default when the server names no size (config "max submission size" → 5 MB).
const DEFAULT_MAX_SIZE = 5 * 1024 * 1024;

// communicator.js authenticate(): a HEAD to formList that must answer 2xx.
async function authenticate() {
  const response = await fetch(`${server}/formList`, { method: 'HEAD', headers: OPENROSA_HEADERS });
  harness.formListHead = response.status;
  if (!response.ok) throw new Error(`HEAD formList answered ${response.status}`);
}

// RFC 4180 rows (quoted cells may hold commas, quotes and line breaks), as enketo-express's papaparse reads them.
function csvRows(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') cell += text[++i];
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(cell), (cell = ''));
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

// enketo-express turns CSV media into XML instances (<root><item><column>…</column></item></root>).
function csvToXml(csv) {
  const [header, ...rows] = csvRows(csv.replace(/^\uFEFF/, ''));
  const doc = document.implementation.createDocument(null, 'root');
  for (const row of rows) {
    const item = doc.createElement('item');
    header.forEach((column, i) => {
      const cell = doc.createElement(column.trim());
      cell.textContent = row[i] ?? '';
      item.appendChild(cell);
    });
    doc.documentElement.appendChild(item);
  }
  return doc;
}

async function externalData(model, media) {
  const modelDoc = new DOMParser().parseFromString(model, 'text/xml');
  const external = [];
  for (const instance of modelDoc.querySelectorAll('instance[src]')) {
    const src = instance.getAttribute('src');
    const name = decodeURIComponent(src.split('/').pop());
    const url = media.get(name) ?? src;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`media ${name}: HTTP ${response.status}`);
    const text = await response.text();
    external.push({
      id: instance.id,
      src,
      xml: name.endsWith('.csv') ? csvToXml(text) : new DOMParser().parseFromString(text, 'text/xml'),
    });
  }
  return external;
}

// connection.js _divideIntoBatches: largest file first, each batch filled while it stays under the limit.
function divideIntoBatches(sizes, limit) {
  const left = sizes.map((size, index) => ({ index, size })).sort((a, b) => b.size - a.size);
  const batches = [];
  while (left.length) {
    const first = left.shift();
    const batch = [first.index];
    let total = first.size;
    for (let j = 0; j < left.length; j++) {
      if (total + left[j].size < limit) {
        batch.push(left[j].index);
        total += left[j].size;
        left.splice(j, 1);
        j--;
      }
    }
    batches.push(batch);
  }
  return batches;
}

// connection.js _prepareFormDataArray: strip type="file", the XML as a Blob named xml_submission_file, then
// the referenced files named by their file names, in batches under the server's accepted size.
function prepareFormDataArray(recordXml, files, maxSize) {
  const recordDoc = new DOMParser().parseFromString(recordXml, 'text/xml');
  const fileElements = [...recordDoc.querySelectorAll('[type="file"]')];
  fileElements.forEach((element) => element.removeAttribute('type'));
  const xml = new XMLSerializer().serializeToString(recordDoc.documentElement);
  const attached = [];
  const failedFiles = [];
  for (const element of fileElements) {
    const file = files.find((candidate) => candidate.name === element.textContent);
    if (file) attached.push(file);
    else if (element.textContent) failedFiles.push(element.textContent);
  }
  const batches = attached.length ? divideIntoBatches(attached.map((file) => file.size), maxSize) : [[]];
  return batches.map((batch) => {
    const formData = new FormData();
    formData.append('xml_submission_file', new Blob([xml], { type: 'text/xml' }), 'xml_submission_file');
    for (const index of batch) formData.append(attached[index].name, attached[index], attached[index].name);
    return { formData, failedFiles };
  });
}

function instanceIds(recordXml) {
  const doc = new DOMParser().parseFromString(recordXml, 'text/xml');
  const text = (name) => doc.querySelector(`meta > ${name}`)?.textContent || null;
  return { instanceId: text('instanceID'), deprecatedId: text('deprecatedID') };
}

// enketo-express hands enketo-core the session properties; its deviceid is the browser's own "enketo.org:…" id.
function session() {
  return { deviceid: `enketo.org:${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}` };
}

let form = null;

async function main() {
  if (!harness.xslt) throw new Error('XSLTProcessor is gone from this browser');
  await authenticate();
  const [entry] = (await listForms(server, params.get('form'))).filter((f) => f.formID === params.get('form'));
  if (!entry) throw new Error(`form ${params.get('form')} not in formList?formID=`);
  harness.form = entry;
  const xform = await downloadForm(entry);
  const media = await mediaFiles(entry);
  const started = performance.now();
  const result = await transform({ xform, media: Object.fromEntries(media) });
  harness.transformMs = performance.now() - started;
  const container = document.querySelector('#form');
  container.innerHTML = result.form;
  const formElement = container.querySelector('form.or');
  form = new Form(formElement, { modelStr: result.model, external: await externalData(result.model, media), session: session() });
  harness.loadErrors = form.init();
  const size = await acceptedLength(server);
  harness.submissionHead = size.status;
  harness.maxSize = size.length ?? DEFAULT_MAX_SIZE;
  harness.ready = true;
}

// The Submit button: validate, then every batch as enketo-express uploads it; 201 or 202 only is success.
window.submitRecord = async () => {
  const valid = await form.validate();
  if (!valid) return { valid, posts: [] };
  const xml = form.getDataStr();
  const { instanceId, deprecatedId } = instanceIds(xml);
  const headers = { 'X-OpenRosa-Instance-Id': instanceId };
  if (deprecatedId) headers['X-OpenRosa-Deprecated-Id'] = deprecatedId;
  const files = fileManager.getCurrentFiles();
  const posts = [];
  harness.sent = { batches: prepareFormDataArray(xml, files, harness.maxSize), headers };
  for (const batch of harness.sent.batches) {
    const result = await postSubmission(server, batch.formData, headers);
    posts.push({ ...result, failedFiles: batch.failedFiles });
    if (result.status !== 201 && result.status !== 202) break;
  }
  harness.posts.push(...posts);
  return { valid, posts };
};

// The queued record sent again (enketo-express retries a record until it gets 201/202).
window.resend = async () => {
  const results = [];
  for (const batch of harness.sent.batches) results.push(await postSubmission(server, batch.formData, harness.sent.headers));
  return results;
};

main().catch((error) => {
  harness.error = String(error && error.stack ? error.stack : error);
  console.error(error);
});
