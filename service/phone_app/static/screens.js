// The app's screens: sign-in, households (home), new household, outbox (the visit form is in visit_screen.js).
import * as api from "./api.js";
import * as store from "./store.js";
import * as drafts from "./drafts.js";
import { h } from "./form.js";
import { useLimits } from "./attachments.js";
import { t, getLang } from "./i18n.js";
import * as doors from "./doors.js";

export const state = {
  me: null, households: [], forms: [], team: [], draft: null, message: "", revoked: false,
  syncing: false, waitingForForm: false, // a sync is on its way; a visit screen is waiting for its form
  pending: {}, // household id → the newest visit saved on this phone (doors.js)
  filter: "all", here: null, // the list's filter, and the GPS fix "Gần tôi" sorts by
};

/** Vietnamese without diacritics: "nguyen van" finds "Nguyễn Văn", "duc" finds "Đức". */
export function fold(text) {
  return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
}

function matches(household, words) {
  const hay = fold(`${household.head_name || ""} ${household.address || ""} ${household.official_code || ""}`);
  return words.every((w) => hay.includes(w));
}

export async function loadLocal() {
  const [team, households, forms, outbox] = await Promise.all([
    store.get("kv", "team"), store.all("households"), store.all("forms"), api.outboxItems(),
  ]);
  state.team = team || [];
  state.households = households.filter((x) => x.status !== "merged");
  state.forms = forms.map((f) => f.definition);
  state.pending = doors.pendingByHousehold(outbox);
}

/** Households just synced (already stored): the list's copy follows without reading them all back. */
export function takeHouseholds(changed) {
  const byId = new Map(state.households.map((x) => [x.id, x]));
  for (const x of changed) {
    if (x.status === "merged") byId.delete(x.id); else byId.set(x.id, x);
  }
  state.households = Array.from(byId.values());
}

/** "5/12": day/month, the order of both vi-VN and en-GB, on the phone's clock. By hand: an Intl formatter costs
 * ~0.1 s to build on a slow phone, and toLocaleDateString builds one per call (a quarter second for a list). */
export function dayMonth(value) {
  const day = new Date(value);
  return `${day.getDate()}/${day.getMonth() + 1}`;
}

export const screen = (...children) => h("main", { class: "screen" }, ...children);

export function tags(household) {
  return h("span", { class: "tags" },
    household.elderly_only ? h("span", { class: "tag elderly", text: t("elderly") }) : null,
    household.temporary_resident ? h("span", { class: "tag temporary", text: t("temporary") }) : null,
    household.status === "moved" ? h("span", { class: "tag moved", text: t("moved") }) : null,
    household.local ? h("span", { class: "tag new", text: t("new_badge") }) : null);
}

// --- sign-in ---------------------------------------------------------------------------------------------------

export function signin(done) {
  const message = h("p", { class: state.revoked ? "error big-text" : "hint", role: "alert",
    text: state.revoked ? t("revoked") : "" });
  const paste = h("textarea", { id: "token", rows: 3, autocomplete: "off", spellcheck: "false" });
  const video = h("video", { class: "scanner", hidden: true, playsinline: true, muted: true });
  let stream = null;
  const stop = () => { if (stream) stream.getTracks().forEach((tr) => tr.stop()); stream = null; video.hidden = true; };

  const tryCode = async (text) => {
    let token = text.trim();
    try { const payload = JSON.parse(token); if (payload && payload.token) token = payload.token; } catch (e) { /* plain token */ }
    if (!token.startsWith("gcd_")) { message.className = "error"; message.textContent = t("bad_code"); return; }
    api.setToken(token);
    try {
      const me = await api.me();
      stop();
      state.revoked = false;
      const before = await store.get("kv", "user_id");
      if (before !== undefined && before !== me.id) {
        // Another member on this phone: their village's households, not the last one's.
        await store.clear("households");
        await store.del("kv", "households_cursor");
        state.households = [];
      }
      await store.put("kv", "user_id", me.id);
      await store.put("kv", "token", token);
      await store.put("kv", "me", me);
      state.me = me;
      useLimits(me.file_limits);
      api.setUser(me.id);
      done();
    } catch (e) {
      message.className = "error big-text";
      message.textContent = e instanceof api.Revoked ? t("revoked") : (e instanceof api.Offline ? t("offline_signin") : t("bad_code"));
    }
  };

  const scan = async () => {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { message.className = "hint"; message.textContent = t("no_camera"); paste.focus(); return; }
    try {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const look = async () => {
        if (!stream) return;
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) { await tryCode(codes[0].rawValue); return; }
        setTimeout(look, 300);
      };
      look();
    } catch (e) {
      stop();
      message.className = "hint";
      message.textContent = t("no_camera");
    }
  };

  return screen(
    h("h1", { text: t("signin_title") }),
    h("p", { class: "hint", text: t("signin_help") }),
    message,
    h("button", { type: "button", class: "big", id: "scan", onclick: scan, text: t("scan") }),
    video,
    h("label", { class: "label", for: "token", text: t("paste_label") }),
    paste,
    h("button", { type: "button", class: "big primary", id: "signin", onclick: () => tryCode(paste.value), text: t("signin") }),
  );
}

// --- households (home) -----------------------------------------------------------------------------------------

/** A visit left half-filled (the app closed, the battery died): one tap takes the member back to it. */
function unfinished() {
  const draft = state.draft;
  if (!drafts.hasWork(draft)) return null;
  const [householdId, formId] = draft.key.split("/");
  const household = state.households.find((x) => x.id === householdId);
  if (!household) return null;
  return h("a", { class: "big button draft", id: "draft", href: `#visit/${householdId}/${formId}`,
    text: `${t("draft_continue")}: ${household.head_name || "—"}` });
}

/** What a door's state says, in the words of the list (a badge, and the comment or reason under it). */
function doorLine(door) {
  const when = door.at ? dayMonth(door.at) : "";
  const level = door.level !== null && door.level !== undefined ? t("level", { n: door.level }) : "";
  const words = {
    todo: t("st_todo"),
    done: [t("st_done"), when, level, door.pending ? t("st_pending") : ""].filter(Boolean).join(" · "),
    return: [t("st_return"), door.at ? `${t("st_last")} ${when}` : ""].filter(Boolean).join(" · "),
    rejected: t("st_rejected"),
    issues: [t("st_issues"), when].filter(Boolean).join(" · "),
  }[door.status];
  const said = door.status === "rejected" || door.status === "issues" ? door.note : (door.status === "return" ? door.reason : null);
  return [h("span", { class: `door ${door.status}`, text: words }), said ? h("span", { class: "said", text: said }) : null];
}

/** "42/60 hộ đã thăm" with a bar; for a team leader, each member's households this week. */
function progressCard() {
  const { visited, total } = doors.progress(state.households, state.pending);
  const share = total ? Math.round((100 * visited) / total) : 0;
  const fill = h("div", { class: "bar-fill" });
  fill.style.width = `${share}%`; // a property, not a style attribute: the page's CSP forbids inline styles
  const card = h("section", { class: "progress", id: "progress" },
    h("p", { class: "progress-text", text: t("progress", { done: visited, total }) }),
    h("div", { class: "bar-track", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": total, "aria-valuenow": visited }, fill));
  if (state.me && state.me.role === "leader") {
    const people = [{ id: state.me.id, full_name: `${t("myself")} (${state.me.full_name})` }].concat(state.team);
    const rows = doors.weekCounts(state.households, state.pending, people);
    card.append(h("p", { class: "label", text: t("week_title") }),
      h("ul", { class: "week", id: "week" }, ...rows.map((r) => h("li", { "data-member": r.id },
        h("span", { text: r.full_name }), h("strong", { text: t("week_count", { n: r.count }) })))));
  }
  return card;
}

const SHOWN = 100; // a longer list is found by searching or filtering
const FIRST = 25; // drawn at once (more than a screenful); the rest a moment later, so the list shows sooner

function householdRow({ household: x, door, distance }) {
  return h("li", {}, h("a", { class: `household s-${door.status}`, href: `#visit/${x.id}`, "data-id": x.id,
    "data-status": door.status },
    h("span", { class: "household-top" }, h("strong", { text: x.head_name || "—" }),
      state.here ? h("span", { class: "distance", text: distance === null ? t("no_location") : doors.formatDistance(distance, getLang()) }) : null),
    h("span", { class: "address", text: [x.address, x.official_code].filter(Boolean).join(" · ") }),
    ...doorLine(door),
    tags(x)));
}

export function home() {
  const list = h("ul", { class: "households" });
  const search = h("input", { id: "search", type: "search", placeholder: t("search"), autocomplete: "off" });
  const more = h("p", { class: "hint", id: "more" });
  const nearStatus = h("p", { class: "hint", id: "near-status", "aria-live": "polite" });
  const filters = h("div", { class: "filters", role: "group", "aria-label": t("filter_label") });
  const near = h("button", { type: "button", class: "chip near", id: "near", "aria-pressed": String(!!state.here),
    text: t("near") });
  let rest = null;
  const draw = () => {
    clearTimeout(rest);
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    const found = state.households.filter((x) => matches(x, words));
    const rows = doors.arrange(found, state.pending, { here: state.here, filter: state.filter, fold });
    list.textContent = "";
    list.append(...rows.slice(0, FIRST).map(householdRow));
    if (rows.length > FIRST) rest = setTimeout(() => list.append(...rows.slice(FIRST, SHOWN).map(householdRow)), 0);
    if (!rows.length) list.append(h("li", { class: "hint", text: t("no_match") }));
    more.textContent = rows.length > SHOWN ? t("shown_of", { n: SHOWN, total: rows.length }) : "";
    for (const chip of filters.querySelectorAll("[data-filter]")) chip.setAttribute("aria-pressed", String(chip.dataset.filter === state.filter));
    near.setAttribute("aria-pressed", String(!!state.here));
  };
  for (const name of Object.keys(doors.FILTERS)) {
    filters.append(h("button", { type: "button", class: "chip", "data-filter": name, text: t(`f_${name}`),
      onclick: () => { state.filter = name; draw(); } }));
  }
  near.addEventListener("click", () => {
    if (state.here) { state.here = null; nearStatus.textContent = ""; draw(); return; }
    if (!navigator.geolocation) { nearStatus.textContent = t("gps_denied"); return; }
    nearStatus.textContent = t("gps_waiting");
    // The phone's own GPS: no network needed, so "Gần tôi" works offline like the rest of the list.
    navigator.geolocation.getCurrentPosition((fix) => {
      state.here = { lat: fix.coords.latitude, lon: fix.coords.longitude };
      nearStatus.textContent = t("near_on");
      draw();
    }, () => { nearStatus.textContent = t("gps_denied"); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
  filters.append(near);
  search.addEventListener("input", draw);
  draw();
  return screen(
    h("h1", { text: `${t("hello")}, ${state.me ? state.me.full_name : ""}` }),
    state.message ? h("p", { class: "notice", text: state.message }) : null,
    unfinished(),
    progressCard(),
    h("label", { class: "label", for: "search", text: `${t("households")} (${state.households.length} ${t("households_count")})` }),
    search,
    filters,
    nearStatus,
    list,
    more,
    h("a", { class: "big button", href: "#new-household", id: "new-household", text: "+ " + t("new_household") }),
  );
}

export function newHousehold(go) {
  const name = h("input", { id: "head_name", type: "text", required: true });
  const address = h("input", { id: "address", type: "text" });
  const members = h("input", { id: "member_count", type: "number", inputmode: "numeric", min: 1, max: 30 });
  const elderly = h("input", { id: "elderly_only", type: "checkbox" });
  const temporary = h("input", { id: "temporary_resident", type: "checkbox" });
  const error = h("p", { class: "error", role: "alert" });
  const save = async () => {
    if (!name.value.trim()) { error.textContent = t("required"); return; }
    const household = {
      id: api.uuid(), head_name: name.value.trim(), address: address.value.trim() || null,
      member_count: members.value ? Number(members.value) : null, elderly_only: elderly.checked,
      temporary_resident: temporary.checked,
    };
    // The phone's UUID names the household everywhere; a supervisor merges duplicates later.
    const local = Object.assign({ local: true, status: "active", official_code: null }, household);
    await store.put("households", household.id, local);
    await api.enqueue({ id: `household-${household.id}`, kind: "household", household, created_at: new Date().toISOString() });
    state.households.push(local);
    api.flush().catch(() => {});
    go(`#visit/${household.id}`);
  };
  const row = (input, text) => h("label", { class: "choice" }, input, h("span", { text }));
  return screen(
    h("a", { href: "#", class: "back", text: t("back") }),
    h("h1", { text: t("new_household") }),
    h("label", { class: "label", for: "head_name", text: t("head_name") + " *" }), name,
    h("label", { class: "label", for: "address", text: t("address") }), address,
    h("label", { class: "label", for: "member_count", text: t("member_count") }), members,
    row(elderly, t("elderly_q")), row(temporary, t("temporary_q")),
    error,
    h("button", { type: "button", class: "big primary", id: "save-household", onclick: save, text: t("save") }),
  );
}

// --- outbox ----------------------------------------------------------------------------------------------------

function problemText(raw) {
  try {
    const problem = JSON.parse(raw);
    const en = getLang() === "en";
    const details = (problem.errors || []).map((e) => (en ? e.message_en : e.message_vi)).filter(Boolean);
    return [en ? problem.message_en : problem.message_vi].concat(details).join(" ");
  } catch (e) {
    return String(raw || "").slice(0, 200);
  }
}

const STATE_TEXT = { waiting: "state_waiting", sending: "state_sending", photos: "state_photos", sent: "state_sent", failed: "state_failed" };

export async function outbox(go, reviews) {
  const items = (await api.outboxItems()).filter((i) => i.kind === "visit").reverse();
  const list = h("ul", { class: "outbox" });
  for (const item of items) {
    const sentPhotos = item.photos.filter((p) => p.sent).length;
    const review = reviews[item.id];
    const when = new Date(item.created_at);
    list.append(h("li", { class: `visit state-${item.state}`, "data-visit": item.id, "data-state": item.state },
      h("strong", { text: item.household_name || "—" }),
      item.on_behalf_name ? h("span", { class: "hint", text: `${t("for_member")} ${item.on_behalf_name}` }) : null,
      h("span", { class: "when", text: when.toLocaleString(getLang() === "en" ? "en-GB" : "vi-VN",
        { hour: "2-digit", minute: "2-digit", day: "numeric", month: "numeric" }) }),
      h("span", { class: `badge ${item.state}`, text: t(STATE_TEXT[item.state] || "state_waiting") }),
      item.state === "failed" ? h("p", { class: "error", text: problemText(item.problem) }) : null,
      ...item.photos.filter((p) => p.problem).map((p) => h("p", { class: "error", text: problemText(p.problem) })),
      item.photos.length ? h("span", { class: "hint", text: t("photos_sent", { sent: sentPhotos, n: item.photos.length }) }) : null,
      item.state === "waiting" && item.next_try > Date.now()
        ? h("span", { class: "hint", text: `${t("retry_in")} ${Math.ceil((item.next_try - Date.now()) / 1000)} ${t("seconds")}` }) : null,
      review && item.state === "sent" ? h("p", { class: `review ${review.status}` },
        h("span", { text: t(`review_${review.status}`) || review.status }), review.note ? h("em", { text: ` — ${review.note}` }) : null) : null));
  }
  if (!items.length) list.append(h("li", { class: "hint", text: t("outbox_empty") }));
  const message = state.message;
  state.message = "";
  return screen(
    h("a", { href: "#", class: "back", text: t("back") }),
    h("h1", { text: t("outbox") }),
    message ? h("p", { class: "notice", text: message }) : null,
    list,
    h("button", { type: "button", class: "big", id: "send-now", text: t("send_now"),
      onclick: () => { api.flush(true).catch(() => {}).then(() => go("#outbox")); } }),
  );
}
