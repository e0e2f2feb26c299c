// Boot and routing. Everything the member does is saved on the phone first; the network is a bonus.
import * as api from "./api.js";
import * as store from "./store.js";
import * as drafts from "./drafts.js";
import * as screens from "./screens.js";
import { visit as visitScreen } from "./visit_screen.js";
import * as activities from "./activities.js";
import { h } from "./form.js";
import { useLimits } from "./attachments.js";
import { setLang, getLang, t } from "./i18n.js";

const root = document.getElementById("app");
const header = document.getElementById("bar");
let reviews = {};

function go(hash) {
  if (location.hash.replace(/^#/, "") === hash.replace(/^#/, "")) route(); else location.hash = hash;
}

function drawBar() {
  header.textContent = "";
  const online = navigator.onLine;
  // Element.append prints a null as the word "null": the outbox link is left out, not passed as null.
  header.append(...[
    h("a", { href: "#", class: "brand", text: t("app") }),
    h("span", { class: `net ${online ? "on" : "off"}`, id: "net", text: online ? t("online") : t("offline") }),
    state().me ? h("a", { href: "#outbox", class: "bar-button", id: "outbox-link", text: t("outbox") }) : null,
    state().me && state().me.role === "leader"
      ? h("a", { href: "#activities", class: "bar-button", id: "activities-link", text: activities.linkText() }) : null,
    h("button", { type: "button", class: "bar-button", id: "lang", text: t("lang_switch"), title: t("lang_name"), "aria-label": t("lang_name"), onclick: async () => {
      setLang(getLang() === "vi" ? "en" : "vi");
      await store.put("kv", "lang", getLang());
      drawBar();
      route();
    } }),
  ].filter(Boolean));
}

const state = () => screens.state;

async function route() {
  drawBar();
  const hash = location.hash.replace(/^#/, "");
  let view;
  if (!state().me) {
    view = screens.signin(() => { go("#"); background(); });
  } else if (hash.startsWith("visit/")) {
    const [, id, formId] = hash.split("/");
    view = visitScreen(go, id, formId);
  } else if (hash === "new-household") {
    view = screens.newHousehold(go);
  } else if (hash === "activities") {
    view = await activities.list(go);
  } else if (hash === "activity-new") {
    view = await activities.form(go);
  } else if (hash === "outbox") {
    view = await screens.outbox(go, reviews);
  } else {
    view = screens.home();
  }
  root.textContent = "";
  root.append(view);
  window.scrollTo(0, 0);
}

function revoked() {
  // The token is dead: forget it (and who it was), keep every saved visit for the next sign-in.
  store.del("kv", "token");
  store.del("kv", "me");
  screens.state.me = null;
  screens.state.revoked = true;
  go("#");
}

// A sign-in from before the service sent `file_limits` (GET /api/v1/me) has none, so the app could not refuse an
// oversized recording when it is picked: such a sign-in is read again once, on the next sync.
async function completeOldSignIn() {
  const me = screens.state.me;
  if (!me || me.file_limits) return;
  const fresh = await api.me();
  if (fresh.id !== me.id) return; // the same token, so the same member; never mix two members' data
  await store.put("kv", "me", fresh);
  screens.state.me = fresh;
  useLimits(fresh.file_limits);
}

let running = false;
async function background() {
  if (running) return;
  running = true;
  screens.state.syncing = true;
  try {
    await api.flush();
    const onList = () => { const hash = location.hash; return hash === "" || hash === "#" || hash === "#outbox"; };
    // The list is drawn as soon as the households are in (the form and the reviews are not needed to see it).
    // The households first, alone on the line (over 2G the form's bytes would share it); the list is drawn as
    // soon as they are in, and the form, the team and the reviews follow.
    let drawn = false;
    const changed = await api.syncHouseholds();
    if (changed.length) {
      screens.takeHouseholds(changed); // in memory as well: reading 300 back from IndexedDB costs a slow phone
      if (onList()) { route(); drawn = true; }
    }
    const fetchedReviews = api.fetchReviews();
    fetchedReviews.catch(() => {}); // awaited below; a failure is handled there, not reported as uncaught first
    // Each one to its end even when another fails (the network drops part way): what did arrive is stored and
    // read in before the first failure is handled. (Promise.allSettled needs Chrome 76; phones run 61+.)
    const steps = [api.syncForms(), api.syncTeam(screens.state.me), activities.syncCatalog(), completeOldSignIn()];
    const failures = await Promise.all(steps.map((step) => step.then(() => null, (e) => e)));
    await screens.loadLocal();
    const failure = failures.find((e) => e !== null);
    if (failure) throw failure;
    reviews = await fetchedReviews;
    await store.put("kv", "reviews", reviews);
    performance.mark("gocua:synced"); // the whole sync is in and stored (bench/phone.py and the tests wait on it)
    // The outbox shows the reviews, a leader's list the team; else the list was drawn when the households came.
    const leader = screens.state.me && screens.state.me.role === "leader";
    if (location.hash === "#outbox" || (onList() && (!drawn || leader))) route();
  } catch (e) {
    if (e instanceof api.Revoked) revoked();
  } finally {
    running = false;
    screens.state.syncing = false;
    // A visit opened while the form was on its way: draw it now (with the form, or saying it did not come).
    if (screens.state.waitingForForm && location.hash.startsWith("#visit/")) route();
  }
}

async function flushAndShow(force) {
  try {
    await api.flush(force);
  } catch (e) {
    if (e instanceof api.Revoked) { revoked(); return; }
  }
  if (location.hash === "#outbox" || location.hash === "#activities") route();
}

async function boot() {
  performance.mark("gocua:boot"); // these marks: where a slow phone's time goes (bench/phone.py prints them)
  // What the phone holds, read together (two waits instead of seven: a cheap phone opens in about a second);
  // who is signed in first, since the saved visits shown are theirs.
  const [lang, token, me] = await Promise.all([store.get("kv", "lang"), store.get("kv", "token"), store.get("kv", "me")]);
  setLang(lang || "vi");
  if (token) {
    api.setToken(token);
    screens.state.me = me || null;
    useLimits(me && me.file_limits);
    if (screens.state.me) api.setUser(screens.state.me.id);
  }
  const [saved, , draft] = await Promise.all([
    store.get("kv", "reviews"), screens.loadLocal(), drafts.load().catch(() => null),
  ]);
  reviews = saved || {};
  performance.mark("gocua:read");
  screens.state.draft = draft; // a visit left half-filled, as it was
  // Put away what is being typed the moment the app leaves the screen (a call, the home button, a dying battery).
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && screens.state.draft) drafts.save(screens.state.draft).catch(() => {});
  });
  window.addEventListener("hashchange", route);
  window.addEventListener("online", () => { drawBar(); flushAndShow(true).then(background); });
  window.addEventListener("offline", drawBar);
  // Retries with backoff: each item keeps its own next try; this only wakes the outbox up.
  setInterval(() => { if (navigator.onLine && screens.state.me) flushAndShow(false); }, 3000);
  await route();
  performance.mark("gocua:first-screen"); // bench/phone.py reads it
  if (screens.state.me) background();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "flush") flushAndShow(true);
    });
  }
}

boot();
