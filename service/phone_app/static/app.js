// Boot and routing. Everything the member does is saved on the phone first; the network is a bonus.
import * as api from "./api.js";
import * as store from "./store.js";
import * as drafts from "./drafts.js";
import * as screens from "./screens.js";
import { h } from "./form.js";
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
  // Signed out there is no outbox link: a null must be left out (Element.append would write "null").
  const items = [
    h("a", { href: "#", class: "brand", text: t("app") }),
    h("span", { class: `net ${online ? "on" : "off"}`, id: "net", text: online ? t("online") : t("offline") }),
    state().me ? h("a", { href: "#outbox", class: "bar-button", id: "outbox-link", text: t("outbox") }) : null,
    h("button", { type: "button", class: "bar-button", id: "lang", text: t("lang_switch"), title: t("lang_name"), "aria-label": t("lang_name"), onclick: async () => {
      setLang(getLang() === "vi" ? "en" : "vi");
      await store.put("kv", "lang", getLang());
      drawBar();
      route();
    } }),
  ];
  header.append(...items.filter((item) => item !== null));
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
    view = screens.visit(go, id, formId);
  } else if (hash === "new-household") {
    view = screens.newHousehold(go);
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

let running = false;
async function background() {
  if (running) return;
  running = true;
  try {
    await api.flush();
    await Promise.all([api.syncForms(), api.syncHouseholds(), api.syncTeam(screens.state.me)]);
    await screens.loadLocal();
    reviews = await api.fetchReviews();
    await store.put("kv", "reviews", reviews);
    const hash = location.hash;
    if (hash === "" || hash === "#" || hash === "#outbox") route();
  } catch (e) {
    if (e instanceof api.Revoked) revoked();
  } finally {
    running = false;
  }
}

async function flushAndShow(force) {
  try {
    await api.flush(force);
  } catch (e) {
    if (e instanceof api.Revoked) { revoked(); return; }
  }
  if (location.hash === "#outbox") route();
}

async function boot() {
  setLang((await store.get("kv", "lang")) || "vi");
  const token = await store.get("kv", "token");
  if (token) {
    api.setToken(token);
    screens.state.me = await store.get("kv", "me");
    if (screens.state.me) api.setUser(screens.state.me.id);
  }
  reviews = (await store.get("kv", "reviews")) || {};
  await screens.loadLocal();
  screens.state.draft = await drafts.load().catch(() => null); // a visit left half-filled, as it was
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
  if (screens.state.me) background();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "flush") flushAndShow(true);
    });
  }
}

boot();
