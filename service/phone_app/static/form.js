// A form rendered from its JSON definition; relevant / constraint / required are evaluated as the member types.
import { label, flatten, runVisit } from "./visit.js";
import { preparePhoto } from "./photo.js";
import { attachmentInput } from "./attachments.js";
import { t, getLang } from "./i18n.js";

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  // No Array.prototype.flat: it needs Chrome 69, older phones still run 61+.
  const add = (child) => {
    if (Array.isArray(child)) child.forEach(add);
    else if (child !== null && child !== undefined) el.append(child);
  };
  children.forEach(add);
  return el;
}

const lbl = (v) => label(v, getLang());

function formatAccuracy(m) { return `± ${Math.round(m)} m`; }

/** A visit being filled in: kept across re-renders (the language switch, going back to the list and in again). */
export function newDraft() {
  return { answers: {}, photos: {}, location: null, touched: new Set() };
}

/** The household's answer last time, as words (a return visit shows it under the question; nothing is filled). */
export function lastAnswerText(q, value) {
  if (value === undefined || value === null || value === "") return "";
  const choice = (v) => {
    const found = (q.choices || []).find((c) => c.value === v);
    return found ? lbl(found.label) : String(v);
  };
  if (q.type === "boolean") return value === true ? t("yes") : (value === false ? t("no") : "");
  if (q.type === "select_one") return choice(value);
  if (q.type === "select_multiple") return Array.isArray(value) ? value.map(choice).join(", ") : "";
  if (["text", "integer", "decimal", "date"].indexOf(q.type) >= 0 && typeof value !== "object") return String(value);
  return ""; // locations, photos, repeats: nothing worth reading back
}

/**
 * Render `form` into `root`, showing and filling `draft`; `changed()` runs after every change to it. `previous`:
 * the household's last answers, shown as hints on a return visit (never filled in). Returns
 * {collect()} giving {answers, photos, location, errors}.
 */
export function renderForm(root, form, draft, changed = () => {}, previous = null) {
  const steps = flatten(form);
  const answers = draft.answers;
  const photos = draft.photos; // question → [{blob, url, width, height, takenAt}]
  const touched = draft.touched;
  const blocks = {}; // name → {el, error}
  const groupBlocks = [];
  let showAll = false;
  const valueText = (name) => (answers[name] === undefined || answers[name] === null ? "" : String(answers[name]));

  const update = () => {
    let state = runVisit(form, answers);
    // A choice_filter may stop offering an answer given earlier: it is cleared, as ODK Collect does.
    for (let again = 0; again < steps.length && dropUnoffered(state.offered); again++) state = runVisit(form, answers);
    const byName = {};
    for (const e of state.errors) if (!byName[e.question]) byName[e.question] = e;
    let gi = 0;
    for (const step of steps) {
      if (step.group) {
        groupBlocks[gi++].hidden = !state.groups[step.q.name];
        continue;
      }
      const name = step.q.name;
      const block = blocks[name];
      if (!block) continue;
      block.el.hidden = !state.visible[name];
      if (block.offer && state.offered[name]) block.offer(state.offered[name]);
      let problem = byName[name];
      if (step.q.type === "photo" && state.visible[name]) problem = photoProblem(step.q);
      const shown = problem && (showAll || (touched.has(name) && problem.code !== "answer.required"));
      block.error.textContent = shown ? (problem.text || (getLang() === "en" ? problem.en : problem.vi)) : "";
      block.el.classList.toggle("invalid", !!shown);
    }
    changed();
    return state;
  };

  function dropUnoffered(offered) {
    let dropped = false;
    for (const [name, choices] of Object.entries(offered)) {
      const values = choices.map((c) => c.value);
      const value = answers[name];
      if (value === undefined) continue;
      const kept = Array.isArray(value) ? value.filter((v) => values.indexOf(v) >= 0) : (values.indexOf(value) >= 0 ? value : null);
      if (Array.isArray(value) ? kept.length === value.length : kept !== null) continue;
      if (kept === null || !kept.length) delete answers[name];
      else answers[name] = kept;
      dropped = true;
    }
    return dropped;
  }

  function photoProblem(q) {
    const count = (photos[q.name] || []).length;
    const min = q.min_count !== undefined && q.min_count !== null ? q.min_count : (q.required ? 1 : 0);
    if (count < min) return { code: "photo.missing", text: t("photo_need", { n: min }) };
    return null;
  }

  const set = (name, value) => {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) delete answers[name];
    else answers[name] = value;
    touched.add(name);
    update();
  };

  let gi = 0;
  for (const step of steps) {
    if (step.server) continue;
    const q = step.q;
    const into = step.parent < 0 ? root : groupBlocks[step.parent];
    if (step.group) {
      const fieldset = h("section", { class: "group", "data-group": q.name },
        h("h2", { text: lbl(q.label) }), q.hint ? h("p", { class: "hint", text: lbl(q.hint) }) : null);
      groupBlocks[gi++] = fieldset;
      into.append(fieldset);
      continue;
    }
    const id = `q-${q.name}`;
    const error = h("p", { class: "error", role: "alert" });
    const block = h("div", { class: `question q-${q.type}`, "data-question": q.name });
    const title = h("label", { class: "label", for: id, text: lbl(q.label) + (q.required && q.type !== "note" ? " *" : "") });
    block.append(title);
    if (q.hint) block.append(h("p", { class: "hint", text: lbl(q.hint) }));
    const was = previous ? lastAnswerText(q, previous[q.name]) : "";
    if (was) block.append(h("p", { class: "hint last-answer", text: `${t("last_answer")}: ${was}` }));
    blocks[q.name] = { el: block, error };
    block.append(input(q, id), error);
    into.append(block);
  }

  function input(q, id) {
    switch (q.type) {
      case "text": {
        const area = h("textarea", { id, rows: 2, maxlength: q.max_length || 500, oninput: (e) => set(q.name, e.target.value) });
        area.value = valueText(q.name);
        return area;
      }
      case "integer":
        return h("input", { id, type: "number", inputmode: "numeric", step: 1, min: q.min, max: q.max, value: valueText(q.name),
          oninput: (e) => { const raw = e.target.value.trim(); set(q.name, raw === "" ? null : (/^-?\d+$/.test(raw) ? Number(raw) : raw)); } });
      case "decimal":
        return h("input", { id, type: "text", inputmode: "decimal", value: valueText(q.name),
          oninput: (e) => { const raw = e.target.value.trim().replace(",", "."); set(q.name, raw === "" ? null : (isFinite(Number(raw)) ? Number(raw) : raw)); } });
      case "date":
        return h("input", { id, type: "date", value: valueText(q.name), oninput: (e) => set(q.name, e.target.value || null) });
      case "boolean":
        return choices(q, [{ value: true, label: t("yes") }, { value: false, label: t("no") }], false);
      case "select_one":
      case "select_multiple":
        return q.choice_filter ? filtered(q) : choices(q, options(q), q.type === "select_multiple");
      case "note":
        return h("span", { id });
      case "geopoint":
        return geopoint(q, id);
      case "photo":
        return photoInput(q, id);
      case "audio": case "video": case "file":
        return attachmentInput(q, id, { h, files: photos, set });
      default:
        return h("span");
    }
  }

  function options(q) { return (q.choices || []).map((c) => ({ value: c.value, label: lbl(c.label) })); }

  // A select with a choice_filter shows the choices update() says it offers, redrawn when they change.
  function filtered(q) {
    const holder = h("div", { class: "filtered" });
    let drawn = null;
    blocks[q.name].offer = (offered) => {
      if (drawn !== null && drawn.length === offered.length && offered.every((c, i) => c === drawn[i])) return;
      drawn = offered;
      holder.textContent = "";
      const shown = offered.map((c) => ({ value: c.value, label: lbl(c.label) }));
      holder.append(shown.length ? choices(q, shown, q.type === "select_multiple") : h("p", { class: "hint", text: t("choices_none") }));
    };
    return holder;
  }

  function choices(q, options, multiple) {
    const box = h("div", { class: "choices", role: multiple ? "group" : "radiogroup" });
    const current = answers[q.name];
    for (const option of options) {
      const checked = multiple ? Array.isArray(current) && current.indexOf(option.value) >= 0 : current === option.value;
      const field = h("input", { type: multiple ? "checkbox" : "radio", name: `c-${q.name}`, value: String(option.value), checked,
        onchange: () => {
          if (multiple) {
            set(q.name, Array.from(box.querySelectorAll("input:checked")).map((i) => i.value));
          } else {
            set(q.name, option.value);
          }
        } });
      box.append(h("label", { class: "choice" }, field, h("span", { text: option.label })));
    }
    return box;
  }

  function geopoint(q, id) {
    const threshold = q.accuracy_threshold_m || 50;
    const status = h("p", { class: "gps-status", "aria-live": "polite" });
    const anyway = h("button", { type: "button", class: "secondary", hidden: true, text: t("gps_use_anyway") });
    let watch = null, best = null;
    const accept = (fix) => {
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      watch = null;
      anyway.hidden = true;
      draft.location = fix;
      status.textContent = `${t("gps_ok")}: ${formatAccuracy(fix.accuracy_m)}`;
      status.className = fix.accuracy_m <= threshold ? "gps-status good" : "gps-status poor";
      set(q.name, { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m });
    };
    const start = () => {
      if (!navigator.geolocation) { status.textContent = t("gps_denied"); return; }
      status.textContent = t("gps_waiting");
      best = null;
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      watch = navigator.geolocation.watchPosition((p) => {
        const fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: Math.round(p.coords.accuracy * 10) / 10,
          captured_at: new Date(p.timestamp || Date.now()).toISOString() };
        if (!best || fix.accuracy_m < best.accuracy_m) best = fix;
        if (best.accuracy_m <= threshold) { accept(best); return; }
        // Poor fix: keep waiting for a better one, and let the member choose honestly.
        status.textContent = `${t("gps_poor")} ${formatAccuracy(best.accuracy_m)}`;
        status.className = "gps-status poor";
        anyway.hidden = false;
      }, () => { status.textContent = t("gps_denied"); }, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
    };
    anyway.addEventListener("click", () => { if (best) accept(best); });
    if (draft.location && answers[q.name]) {
      status.textContent = `${t("gps_ok")}: ${formatAccuracy(draft.location.accuracy_m)}`;
      status.className = draft.location.accuracy_m <= threshold ? "gps-status good" : "gps-status poor";
    }
    return h("div", { class: "gps" }, h("button", { id, type: "button", class: "big", onclick: start, text: t("gps_get") }), status, anyway);
  }

  function photoInput(q, id) {
    const max = q.max_count || 1;
    const maxPixels = q.max_pixels || 1600000;
    const list = h("div", { class: "photos" });
    const note = h("p", { class: "hint" });
    const file = h("input", { id, type: "file", accept: "image/*", capture: "environment", class: "file" });
    const button = h("label", { class: "big button", for: id, text: t("photo_take") });
    const redraw = () => {
      list.textContent = "";
      (photos[q.name] || []).forEach((p, i) => {
        list.append(h("figure", { class: "photo" }, h("img", { src: p.url, alt: "" }),
          h("button", { type: "button", class: "secondary", text: t("photo_remove"), onclick: () => {
            URL.revokeObjectURL(p.url); photos[q.name].splice(i, 1); redraw(); update();
          } })));
      });
      const full = (photos[q.name] || []).length >= max;
      button.hidden = full;
      note.textContent = full ? t("photo_max", { n: max }) : "";
    };
    file.addEventListener("change", async () => {
      const chosen = Array.from(file.files || []);
      file.value = "";
      for (const f of chosen) {
        if ((photos[q.name] || []).length >= max) break;
        note.textContent = t("photo_working");
        try {
          const prepared = await preparePhoto(f, maxPixels);
          prepared.url = URL.createObjectURL(prepared.blob);
          (photos[q.name] = photos[q.name] || []).push(prepared);
        } catch (e) {
          note.textContent = String(e);
        }
      }
      touched.add(q.name);
      redraw();
      update();
    });
    redraw();
    return h("div", {}, file, button, list, note);
  }

  update();

  return {
    collect() {
      showAll = true;
      const state = update();
      // A hidden question's answer is dropped, as the server drops it: not a reason to stop the member.
      const errors = state.errors.filter((e) => e.code !== "answer.not_relevant");
      for (const step of steps) {
        if (!step.group && step.q.type === "photo" && state.visible[step.q.name]) {
          const p = photoProblem(step.q);
          if (p) errors.push({ question: step.q.name, code: p.code });
        }
      }
      const shownPhotos = {};
      for (const [name, list] of Object.entries(photos)) if (state.visible[name]) shownPhotos[name] = list;
      return { answers: state.effective, photos: shownPhotos, location: draft.location, errors };
    },
    firstError() { return root.querySelector(".question.invalid"); },
  };
}
