// The visit screen: a household's form, filled in and saved to the outbox (a return visit shows the last one's
// answers as hints). Moved out of screens.js, which holds the list, sign-in and outbox screens.
import * as api from "./api.js";
import * as store from "./store.js";
import * as drafts from "./drafts.js";
import { h, newDraft, renderForm } from "./form.js";
import { deviceId, metadataAnswers } from "./form_media.js";
import { label } from "./visit.js";
import { t, getLang } from "./i18n.js";
import * as doors from "./doors.js";
import { state, screen, tags, dayMonth } from "./screens.js";

// --- a visit ---------------------------------------------------------------------------------------------------

export function visit(go, householdId, formId) {
  const household = state.households.find((x) => x.id === householdId);
  const forms = state.forms;
  // Tapped before the first sync brought the form: say it is coming (app.js draws the screen again when it is).
  state.waitingForForm = !forms.length && state.syncing;
  if (!forms.length) {
    const message = state.waitingForForm ? h("p", { class: "hint", text: t("form_loading") }) : h("p", { class: "error", text: t("no_form") });
    return screen(h("a", { href: "#", class: "back", text: t("back") }), message);
  }
  if (!formId && forms.length > 1) {
    return screen(h("a", { href: "#", class: "back", text: t("back") }), h("h1", { text: t("choose_form") }),
      ...forms.map((f) => h("a", { class: "big button", href: `#visit/${householdId}/${f.id}`, text: label(f.title, getLang()) })));
  }
  const form = forms.find((f) => f.id === formId) || forms[0];
  const key = `${householdId}/${form.id}/${form.version}`;
  if (!state.draft || state.draft.key !== key) {
    state.draft = Object.assign(newDraft(), { key, startedAt: new Date().toISOString(), onBehalf: "" });
  }
  const draft = state.draft;
  const startedAt = draft.startedAt;
  // A household visited before: this is a return visit (or the redo of one sent back), linked to the last visit,
  // with the last answers shown under each question as hints, never filled in.
  const door = household ? doors.doorState(household, state.pending) : null;
  const again = door && door.lastVisit ? door : null;
  const body = h("div", { class: "form" });
  const rendered = renderForm(body, form, draft, () => drafts.saveSoon(draft), again ? again.answers : null);
  // A leader may record the visit of a team member who has no smartphone.
  let onBehalf = null;
  if (state.me && state.me.role === "leader" && state.team.length) {
    onBehalf = h("select", { id: "on_behalf_of" },
      h("option", { value: "", text: `${t("myself")} (${state.me.full_name})` }),
      ...state.team.map((p) => h("option", { value: String(p.id), text: p.full_name + (p.has_smartphone ? "" : ` — ${t("no_phone")}`) })));
    onBehalf.value = draft.onBehalf;
    onBehalf.addEventListener("change", () => { draft.onBehalf = onBehalf.value; drafts.saveSoon(draft); });
  }
  const message = h("p", { class: "error", role: "alert" });
  const submit = async (event) => {
    const button = event.target;
    const result = rendered.collect();
    if (result.errors.length) {
      message.textContent = t("fix_errors");
      const first = rendered.firstError();
      if (first) first.scrollIntoView({ block: "center" });
      return;
    }
    button.disabled = true;
    const id = api.uuid();
    const photos = [];
    for (const [question, list] of Object.entries(result.photos)) {
      for (let index = 0; index < list.length; index++) {
        const key = `${id}/${question}/${index}`;
        await store.put("photos", key, list[index].blob);
        const entry = list[index];
        photos.push(entry.attachment
          ? { question, index, key, sent: false, attachment: true, type: entry.type, name: entry.name }
          : { question, index, key, sent: false, width: entry.width, height: entry.height });
      }
    }
    const loc = result.location;
    const payload = {
      id, form_id: form.id, form_version: form.version, household_id: householdId, started_at: startedAt,
      finished_at: new Date().toISOString(), answers: result.answers, app: api.APP,
      location: loc ? { lat: loc.lat, lon: loc.lon, accuracy_m: loc.accuracy_m, captured_at: loc.captured_at } : null,
    };
    Object.assign(payload.answers, metadataAnswers(form, { startedAt, finishedAt: payload.finished_at, me: state.me,
      device: deviceId(api.uuid) }));
    const behalf = onBehalf && onBehalf.value ? state.team.find((p) => String(p.id) === onBehalf.value) : null;
    if (behalf) payload.on_behalf_of = behalf.id;
    // A visit the phone made itself and the service has not synced back yet is not a visit to link to.
    if (again && again.lastVisit && !again.pending) {
      if (again.review === "rejected" || again.review === "has_issues") payload.corrects = again.lastVisit;
      else payload.revisit_of = again.lastVisit;
    }
    const item = { id, kind: "visit", visit: payload, photos, household_name: household ? household.head_name : "",
      on_behalf_name: behalf ? behalf.full_name : null, created_at: payload.finished_at };
    await api.enqueue(item);
    state.pending[householdId] = item; // the list shows it done at once
    state.draft = null;
    await drafts.discard();
    state.message = t("saved_waiting");
    api.flush().catch(() => {});
    go("#outbox");
  };
  return screen(
    h("a", { href: "#", class: "back", text: t("back") }),
    h("h1", { text: label(form.title, getLang()) }),
    h("p", { class: "household-line" }, h("strong", { text: `${t("visit_for")}: ${household ? household.head_name : ""}` }),
      household ? tags(household) : null),
    form.description ? h("p", { class: "hint", text: label(form.description, getLang()) }) : null,
    again ? revisitNotice(again) : null,
    onBehalf ? h("label", { class: "label", for: "on_behalf_of", text: t("visited_by") }) : null,
    onBehalf,
    body,
    message,
    h("button", { type: "button", class: "big primary", id: "submit", onclick: submit, text: t("submit") }),
  );
}

/** Above a return visit's form: when the household was last seen and why it is visited again. */
function revisitNotice(door) {
  const redo = door.status === "rejected" || door.status === "issues";
  return h("div", { class: `notice revisit ${door.status}`, id: "revisit" },
    h("strong", { text: redo ? t("redo_title") : t("revisit_title") }),
    h("span", { text: [door.at ? `${t("last_visit")}: ${dayMonth(door.at)}` : "",
      door.level !== null && door.level !== undefined ? t("level", { n: door.level }) : ""].filter(Boolean).join(" · ") }),
    redo && door.note ? h("span", { class: "said", text: `${t("supervisor_said")}: ${door.note}` }) : null,
    !redo && door.reason ? h("span", { class: "said", text: door.reason }) : null,
    door.answers ? h("span", { class: "hint", text: t("revisit_help") }) : null);
}
