// A host page for ODK Web Forms 0.22.0, as a province's own site would embed it: the form comes from our formList
// and downloadUrl, media through the manifest, and each FormData Web Forms hands over is posted as is to
// /submission. Query: ?server=<OpenRosa server URL>&form=<formID>[&chunked]: with `chunked`, the host asks HEAD
// /submission for the size the server accepts and lets Web Forms split the attachments under it.
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from '/node_modules/@getodk/web-forms/dist/index.js';
import { listForms, downloadForm, mediaFiles, acceptedLength, postSubmission } from './openrosa.js';

const params = new URLSearchParams(location.search);
const server = params.get('server');
const harness = (window.harness = { ready: false, posts: [], error: null, form: null });

async function main() {
  const forms = await listForms(server);
  const entry = forms.find((form) => form.formID === params.get('form'));
  if (!entry) throw new Error(`form ${params.get('form')} not in formList`);
  harness.form = entry;
  const formXml = await downloadForm(entry);
  const media = await mediaFiles(entry);
  // jr://file-csv/households.csv and the like: by file name, through the manifest's downloadUrl.
  const fetchFormAttachment = (url) => {
    const name = decodeURIComponent(String(url).split('/').pop());
    const downloadUrl = media.get(name);
    if (!downloadUrl) return Promise.resolve(new Response('', { status: 404 }));
    return fetch(downloadUrl);
  };
  const send = async (payload, callback) => {
    harness.payloadStatus = payload.status;
    const results = [];
    harness.sent = payload.data;
    for (const formData of payload.data) results.push(await postSubmission(server, formData));
    harness.posts.push(...results);
    if (results.every((result) => result.status === 201 || result.status === 202)) {
      callback({ next: POST_SUBMIT__NEW_INSTANCE });
    }
  };
  const maxSize = params.has('chunked') ? (await acceptedLength(server)).length : null;
  harness.maxSize = maxSize;
  const props = {
    formXml,
    fetchFormAttachment,
    missingResourceBehavior: 'ERROR',
    ...(maxSize ? { submissionMaxSize: maxSize, onSubmitChunked: send } : { onSubmit: send }),
  };
  createApp({ render: () => h(OdkWebForm, props) }).use(webFormsPlugin).mount('#app');
  harness.ready = true;
}

// The same FormData again, as a host does when an answer was lost on the way back (a retry).
window.resend = async () => {
  const results = [];
  for (const formData of harness.sent) results.push(await postSubmission(server, formData));
  return results;
};

main().catch((error) => {
  harness.error = String(error && error.stack ? error.stack : error);
  console.error(error);
});
