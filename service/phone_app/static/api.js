// Talking to the service: sign-in check, households sync, forms, and the outbox that sends saved visits.
import * as store from "./store.js";
import { fillFileChoices } from "./form_media.js";

export const APP = { name: "gocua-app", version: "1" };
export class Revoked extends Error {}
export class Offline extends Error {}

let token = null;
let userId = null;
export const setToken = (value) => { token = value; };
// Saved visits belong to the member who made them: another member signing in on this phone never sends them.
export const setUser = (value) => { userId = value; };

async function call(method, path, body, contentType) {
  const headers = { Authorization: `Bearer ${token}` };
  if (contentType) headers["Content-Type"] = contentType;
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch (e) {
    throw new Offline(String(e));
  }
  if (response.status === 401) throw new Revoked();
  return response;
}

export const json = (method, path, value) => call(method, path, value === undefined ? undefined : JSON.stringify(value),
  value === undefined ? null : "application/json");

export async function me() {
  const response = await json("GET", "/api/v1/me");
  if (!response.ok) throw new Error(`me ${response.status}`);
  return response.json();
}

// Households carry their visit state since format 2 (issue 19): a copy synced by an older app has none, and the
// incremental sync would only bring it for households that change, so such a copy is synced again in full once.
const HOUSEHOLDS_FORMAT = 2;

/** Fetch every household changed since the saved cursor; returns the changed ones (merged ones included). */
export async function syncHouseholds() {
  const format = await store.get("kv", "households_format");
  let cursor = format === HOUSEHOLDS_FORMAT ? await store.get("kv", "households_cursor") : null;
  const changed = [];
  for (let page = 0; page < 1000; page++) {
    const query = new URLSearchParams({ limit: "500" });
    if (cursor) query.set("updated_since", cursor);
    const response = await json("GET", `/api/v1/households?${query}`);
    if (!response.ok) throw new Error(`households ${response.status}`);
    const body = await response.json();
    const keep = [], drop = [];
    for (const h of body.items) (h.status === "merged" ? drop : keep).push(h);
    await store.putMany("households", keep.map((h) => [h.id, h]));
    if (drop.length) await store.deleteMany("households", drop.map((h) => h.id));
    for (const h of body.items) changed.push(h);
    cursor = body.next;
    await store.put("kv", "households_cursor", cursor);
    if (!body.has_more) {
      if (format !== HOUSEHOLDS_FORMAT) await store.put("kv", "households_format", HOUSEHOLDS_FORMAT);
      break;
    }
  }
  return changed;
}

/** A team leader may submit for a member of the team (older members often have no smartphone). */
export async function syncTeam(me) {
  if (!me || me.role !== "leader") return [];
  const response = await json("GET", "/api/v1/members?limit=200");
  if (!response.ok) return [];
  const people = ((await response.json()).items || [])
    .filter((p) => p.id !== me.id && p.active && p.team_id === (me.team ? me.team.id : null))
    .map((p) => ({ id: p.id, full_name: p.full_name, has_smartphone: p.has_smartphone }));
  // Members without a smartphone first: they are the ones a leader visits for.
  people.sort((a, b) => (a.has_smartphone - b.has_smartphone) || a.full_name.localeCompare(b.full_name));
  await store.put("kv", "team", people);
  return people;
}

/** Refresh every published form into IndexedDB (ETag: unchanged forms cost a 304). */
export async function syncForms() {
  const response = await json("GET", "/api/v1/forms");
  if (!response.ok) throw new Error(`forms ${response.status}`);
  const { items } = await response.json();
  for (const summary of items) {
    const known = await store.get("forms", summary.id);
    const headers = { Authorization: `Bearer ${token}` };
    if (known && known.etag) headers["If-None-Match"] = known.etag;
    const one = await fetch(`/api/v1/forms/${encodeURIComponent(summary.id)}`, { headers, cache: "no-store" });
    if (one.status === 200) {
      const definition = await one.json();
      const missing = await fillFileChoices(definition, (name) => mediaText(definition, name));
      await store.put("forms", summary.id, { definition, etag: one.headers.get("ETag"), missing });
    } else if (one.status === 304 && known && known.missing) {
      // A CSV the form's choices come from was not uploaded at the last sync: try again.
      const missing = await fillFileChoices(known.definition, (name) => mediaText(known.definition, name));
      await store.put("forms", summary.id, Object.assign(known, { missing }));
    }
  }
  return items.length;
}

/** The text of one CSV media file of the form's version, or null when it is not there (yet). */
async function mediaText(form, name) {
  const path = `/api/v1/forms/${encodeURIComponent(form.id)}/versions/${encodeURIComponent(form.version)}/media/${encodeURIComponent(name)}`;
  const response = await call("GET", path);
  return response.ok ? response.text() : null;
}

// --- outbox ---------------------------------------------------------------------------------------------------

const BACKOFF_MS = [2000, 5000, 15000, 30000, 60000, 120000, 300000];
let sending = null;

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export async function outboxItems() {
  const items = (await store.all("outbox")).filter((item) => item.user_id === userId);
  return items.sort((a, b) => a.seq - b.seq);
}

export async function enqueue(item) {
  item.seq = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  item.user_id = userId;
  item.state = "waiting";
  item.attempts = 0;
  item.next_try = 0;
  await store.put("outbox", item.id, item);
  askForBackgroundSync();
}

function askForBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => (registration.sync ? registration.sync.register("outbox") : null))
    .catch(() => {});
}

async function save(item) { await store.put("outbox", item.id, item); }

// Other kinds of outbox item bring their own sender (activities.js: "activity"); households and visits are here.
const senders = {};
export function registerSender(kind, send) { senders[kind] = send; }

async function sendHousehold(item) {
  const response = await json("POST", "/api/v1/households", item.household);
  if (response.status === 200 || response.status === 201) {
    const body = await response.json();
    await store.put("households", body.id, body);
    item.state = "sent";
  } else if (response.status >= 400 && response.status < 500) {
    item.state = "failed";
    item.problem = await response.text();
  } else {
    throw new Offline(`household ${response.status}`);
  }
}

async function sendVisit(item) {
  if (!item.posted) {
    item.state = "sending";
    await save(item);
    const response = await json("POST", "/api/v1/visits", item.visit);
    if (response.status === 200 || response.status === 201) {
      item.receipt = await response.json();
      item.posted = true; // from now on only photos are sent: the visit itself never goes again
      await save(item);
    } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      item.state = "failed";
      item.problem = await response.text();
      return;
    } else {
      throw new Offline(`visit ${response.status}`);
    }
  }
  item.state = "photos";
  for (const photo of item.photos) {
    if (photo.sent) continue;
    const blob = await store.get("photos", photo.key);
    // An audio/video/file answer's file goes as it is, with the type the phone gave it (attachments.js).
    const path = photo.attachment
      ? `/api/v1/visits/${item.id}/attachments/${encodeURIComponent(photo.question)}`
      : `/api/v1/visits/${item.id}/photos/${encodeURIComponent(photo.question)}/${photo.index}`;
    const response = await call("PUT", path, blob, photo.attachment ? photo.type || "application/octet-stream" : "image/jpeg");
    if (response.status === 200 || response.status === 201) {
      item.receipt = await response.json();
      photo.sent = true;
      await save(item); // one dropped connection costs one photo, not the visit
    } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      photo.sent = true;
      photo.problem = await response.text();
      await save(item);
    } else {
      throw new Offline(`photo ${response.status}`);
    }
  }
  item.state = "sent";
  for (const photo of item.photos) await store.del("photos", photo.key);
}

/** Send what is due, oldest first; a failure backs the item off. Returns when nothing more can be sent. */
export function flush(force = false) {
  if (!sending && navigator.onLine !== false) {
    sending = (async () => {
      try {
        for (const item of await outboxItems()) {
          if (item.state === "sent" || item.state === "failed") continue;
          if (!force && item.next_try > Date.now()) continue;
          try {
            if (senders[item.kind]) await senders[item.kind](item);
            else if (item.kind === "household") await sendHousehold(item); else await sendVisit(item);
            item.attempts = 0;
            item.next_try = 0;
            await save(item);
          } catch (e) {
            if (e instanceof Revoked) throw e;
            item.attempts += 1;
            item.next_try = Date.now() + BACKOFF_MS[Math.min(item.attempts - 1, BACKOFF_MS.length - 1)];
            item.state = "waiting";
            await save(item);
            if (e instanceof Offline) break; // the network is gone: stop here, keep the order
          }
        }
      } finally {
        sending = null;
      }
    })();
  }
  return sending || Promise.resolve();
}

/** The supervisor's decisions on my visits: /api/v1/me/visits when the service has it, else my visit list. */
export async function fetchReviews() {
  let response = await json("GET", "/api/v1/me/visits?limit=100");
  if (response.status === 404) response = await json("GET", "/api/v1/visits?limit=100");
  if (!response.ok) return {};
  const body = await response.json();
  const reviews = {};
  for (const v of body.items || []) {
    const review = v.review || {};
    reviews[v.id] = { status: review.status || v.review_status || "pending",
      note: review.note || v.review_comment || v.review_note || null };
  }
  // The plain visit list has no comment: read it from the visit itself, for the few sent back.
  const noted = Object.keys(reviews).filter((id) => reviews[id].status === "rejected" && !reviews[id].note).slice(0, 10);
  for (const id of noted) {
    const one = await json("GET", `/api/v1/visits/${id}`);
    if (one.ok) reviews[id].note = ((await one.json()).review || {}).note || null;
  }
  return reviews;
}
