// The team's activity log on the phone (team leaders): a training class, a conference or guidance session,
// communication (a Zalo group, loudspeaker broadcasts, posts), a public wifi point, e-commerce onboarding, help at
// the one-stop office. Saved on the phone first with an id made here, then sent through the same outbox as the
// visits: a retry of a record the service already has is answered 200 with the same receipt, so it counts once.
import * as api from "./api.js";
import * as store from "./store.js";
import { h } from "./form.js";
import { getLang } from "./i18n.js";

const TEXTS = {
  vi: {
    log: "Hoạt động của tổ", new: "Ghi hoạt động mới", kind: "Loại hoạt động", held_on: "Ngày", place: "Địa điểm",
    partner: "Đơn vị phối hợp", topic: "Nội dung", attendees: "Số người tham dự", channel: "Kênh",
    quantity: "Số lượt (phát loa, tin bài)", beneficiary_kind: "Đối tượng", beneficiary: "Tên hộ / doanh nghiệp",
    platform: "Sàn thương mại điện tử", product: "Sản phẩm", services: "Số người được hỗ trợ theo dịch vụ",
    note: "Ghi chú", save: "Lưu hoạt động", back: "← Quay lại", required: "Cần điền mục này.",
    saved: "Đã lưu trên máy. Sẽ gửi khi có mạng.", empty: "Chưa ghi hoạt động nào trên máy này.",
    waiting: "Chờ gửi", sending: "Đang gửi", sent: "Đã gửi", failed: "Máy chủ không nhận", send_now: "Gửi ngay",
    no_catalog: "Chưa tải được danh mục hoạt động. Hãy mở app khi có mạng.",
  },
  en: {
    log: "Team activities", new: "Record an activity", kind: "Kind", held_on: "Date", place: "Place",
    partner: "Partner organisation", topic: "Topic", attendees: "Attendees", channel: "Channel",
    quantity: "How many (broadcasts, posts)", beneficiary_kind: "Who", beneficiary: "Household or business name",
    platform: "E-commerce platform", product: "Product", services: "People helped, by service",
    note: "Note", save: "Save activity", back: "← Back", required: "This is required.",
    saved: "Saved on the phone. It will be sent when there is a network.", empty: "No activity recorded on this phone.",
    waiting: "Waiting", sending: "Sending", sent: "Sent", failed: "Refused by the service", send_now: "Send now",
    no_catalog: "The activity list is not loaded yet. Open the app with a network.",
  },
};
const tx = (key) => (TEXTS[getLang()] || TEXTS.vi)[key] || key;

// What each kind asks for (the service checks the same: service/activities/validation.py).
const FIELDS = {
  training: ["place", "partner", "topic", "attendees"],
  conference: ["place", "topic", "attendees"],
  guidance: ["place", "topic", "attendees"],
  communication: ["channel", "quantity"],
  wifi_point: ["place"],
  ecommerce: ["beneficiary_kind", "beneficiary", "platform", "product"],
  one_stop_help: ["services"],
};
const REQUIRED = {
  training: ["topic", "attendees"], conference: ["topic"], guidance: ["topic"], communication: ["channel"],
  wifi_point: ["place"], ecommerce: ["beneficiary_kind", "beneficiary", "platform", "product"], one_stop_help: ["services"],
};
const NUMBERS = new Set(["attendees", "quantity"]);

let catalog = null;

export async function syncCatalog() {
  try {
    const response = await api.json("GET", "/api/v1/activities/catalog");
    if (response.ok) {
      catalog = await response.json();
      await store.put("kv", "activity-catalog", catalog);
    }
  } catch (e) {
    if (e instanceof api.Revoked) throw e;
  }
}

async function loadCatalog() {
  if (!catalog) catalog = (await store.get("kv", "activity-catalog")) || null;
  return catalog;
}

const name = (entry) => (entry ? entry[getLang()] || entry.vi : "");

async function sendActivity(item) {
  item.state = "sending";
  await store.put("outbox", item.id, item);
  const response = await api.json("POST", "/api/v1/activities", item.activity);
  if (response.status === 200 || response.status === 201) {
    item.receipt = await response.json();
    item.state = "sent";
  } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    item.state = "failed";
    item.problem = await response.text();
  } else {
    throw new api.Offline(`activity ${response.status}`);
  }
}
api.registerSender("activity", sendActivity);

function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

function input(field, list) {
  const attrs = { id: `act-${field}`, name: field };
  if (!list) {
    Object.assign(attrs, NUMBERS.has(field) ? { type: "number", inputmode: "numeric", min: 0, max: 100000 } : { type: "text" });
    return h("input", attrs);
  }
  return h("select", attrs, h("option", { value: "", text: "—" }),
    Object.entries(list).map(([code, label]) => h("option", { value: code, text: name(label) })));
}

/** The form a team leader fills in; saved to the outbox, then sent. */
export async function form(go) {
  const known = await loadCatalog();
  const main = h("main", { class: "screen" }, h("a", { href: "#activities", class: "back", text: tx("back") }),
    h("h1", { text: tx("new") }));
  if (!known) {
    main.append(h("p", { class: "error", text: tx("no_catalog") }));
    return main;
  }
  const kind = input("kind", known.kinds);
  kind.value = "training";
  const heldOn = h("input", { id: "act-held_on", type: "date", value: today(), max: today() });
  const boxes = {};
  const lists = { channel: known.channels, beneficiary_kind: known.beneficiaries };
  for (const field of ["place", "partner", "topic", "attendees", "channel", "quantity", "beneficiary_kind", "beneficiary",
    "platform", "product"]) {
    boxes[field] = h("div", { class: "question", "data-field": field },
      h("label", { class: "label", for: `act-${field}`, text: tx(field) }), input(field, lists[field]),
      h("p", { class: "error", role: "alert" }));
  }
  const serviceInputs = Object.entries(known.services).map(([code, label]) =>
    h("label", { class: "choice" }, h("input", { type: "number", inputmode: "numeric", min: 0, max: 10000,
      "data-service": code, class: "service-count" }), h("span", { text: name(label) })));
  boxes.services = h("div", { class: "question", "data-field": "services" },
    h("span", { class: "label", text: tx("services") }), h("div", { class: "choices" }, serviceInputs),
    h("p", { class: "error", role: "alert" }));
  for (const box of Object.values(boxes)) {
    box.addEventListener("input", () => { box.querySelector(".error").textContent = ""; });  // fixed: say no more
  }
  const note = h("textarea", { id: "act-note", rows: 2 });
  const show = () => {
    const wanted = new Set(FIELDS[kind.value] || []);
    for (const [field, box] of Object.entries(boxes)) box.hidden = !wanted.has(field);
  };
  kind.addEventListener("change", show);
  show();
  const save = h("button", { type: "button", class: "big primary", id: "act-save", text: tx("save") });
  save.addEventListener("click", async () => {
    const activity = { id: api.uuid(), kind: kind.value, held_on: heldOn.value || today() };
    let ok = true;
    for (const field of FIELDS[kind.value] || []) {
      const box = boxes[field];
      box.querySelector(".error").textContent = "";
      let value;
      if (field === "services") {
        value = {};
        for (const el of box.querySelectorAll("input.service-count")) {
          if (Number(el.value) > 0) value[el.dataset.service] = Number(el.value);
        }
        if (!Object.keys(value).length) value = null;
      } else {
        const raw = box.querySelector(`#act-${field}`).value.trim();
        value = raw === "" ? null : NUMBERS.has(field) ? Number(raw) : raw;
      }
      if (value === null && (REQUIRED[kind.value] || []).includes(field)) {
        box.querySelector(".error").textContent = tx("required");
        ok = false;
      }
      if (value !== null) activity[field] = value;
    }
    if (note.value.trim()) activity.note = note.value.trim();
    if (!ok) return;
    save.disabled = true;
    await api.enqueue({ id: activity.id, kind: "activity", activity, created_at: new Date().toISOString() });
    message = tx("saved");
    go("#activities");
    if (navigator.onLine) api.flush(true).catch(() => {}).then(() => { if (location.hash === "#activities") go("#activities"); });
  });
  main.append(
    h("div", { class: "question" }, h("label", { class: "label", for: "act-kind", text: tx("kind") }), kind),
    h("div", { class: "question" }, h("label", { class: "label", for: "act-held_on", text: tx("held_on") }), heldOn),
    ...Object.values(boxes),
    h("div", { class: "question" }, h("label", { class: "label", for: "act-note", text: tx("note") }), note),
    save,
  );
  return main;
}

let message = "";

/** What this phone recorded, with where each one is on its way. */
export async function list(go) {
  const known = (await loadCatalog()) || { kinds: {} };
  const items = (await api.outboxItems()).filter((item) => item.kind === "activity").reverse();
  const ul = h("ul", { class: "outbox" });
  for (const item of items) {
    const a = item.activity;
    ul.append(h("li", { class: `visit activity state-${item.state}`, "data-activity": item.id, "data-state": item.state },
      h("strong", { text: name(known.kinds[a.kind]) || a.kind }),
      h("span", { class: "when", text: [a.held_on.split("-").reverse().join("/"), a.topic || a.place || a.beneficiary]
        .filter(Boolean).join(" · ") }),
      h("span", { class: `badge ${item.state}`, text: tx(item.state === "photos" ? "sending" : item.state) })));
  }
  if (!items.length) ul.append(h("li", { class: "hint", text: tx("empty") }));
  const shown = message;
  message = "";
  return h("main", { class: "screen" },
    h("a", { href: "#", class: "back", text: tx("back") }),
    h("h1", { text: tx("log") }),
    shown ? h("p", { class: "notice", text: shown }) : null,
    h("a", { class: "big button primary", href: "#activity-new", id: "activity-new", text: "+ " + tx("new") }),
    ul,
    h("button", { type: "button", class: "big", id: "activities-send", text: tx("send_now"),
      onclick: () => { api.flush(true).catch(() => {}).then(() => go("#activities")); } }),
  );
}

export const linkText = () => tx("log");
