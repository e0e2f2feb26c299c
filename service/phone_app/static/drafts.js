// The visit being filled in, kept on the phone as it is typed: a member whose battery dies, who takes a call,
// or whose browser drops the page finds the form as they left it (answers, GPS fix, photos, start time).
// One draft at a time; it goes when its visit is saved to the outbox.
import * as store from "./store.js";

const KEY = "draft";
let timer = null;

function stored(draft) {
  const photos = {};
  for (const [question, list] of Object.entries(draft.photos || {})) {
    photos[question] = list.map(({ url, ...rest }) => rest); // a blob is kept; its object URL is not
  }
  return {
    key: draft.key, startedAt: draft.startedAt, onBehalf: draft.onBehalf || "", answers: draft.answers,
    location: draft.location, touched: Array.from(draft.touched || []), photos, savedAt: new Date().toISOString(),
  };
}

/** Write now (the page is being hidden); a pending delayed write is folded in. */
export function save(draft) {
  clearTimeout(timer);
  timer = null;
  return store.put("kv", KEY, stored(draft));
}

/** Write a moment after the last change, not on every keystroke. */
export function saveSoon(draft) {
  clearTimeout(timer);
  timer = setTimeout(() => { timer = null; save(draft).catch(() => {}); }, 300);
}

export async function load() {
  const saved = await store.get("kv", KEY);
  if (!saved || !saved.key) return null;
  const photos = {};
  for (const [question, list] of Object.entries(saved.photos || {})) {
    photos[question] = list.map((p) => ({ ...p, url: URL.createObjectURL(p.blob) }));
  }
  return { ...saved, touched: new Set(saved.touched || []), photos };
}

export function discard() {
  clearTimeout(timer);
  timer = null;
  return store.del("kv", KEY);
}

/** Whether a draft holds anything the member would miss. */
export function hasWork(draft) {
  if (!draft) return false;
  const answered = Object.values(draft.answers || {}).some((v) => v !== null && v !== undefined && v !== "");
  const photographed = Object.values(draft.photos || {}).some((list) => list.length);
  return answered || photographed;
}
