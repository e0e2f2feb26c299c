// One pass over a visit's answers in document order: which questions are shown, and every problem.
// A port of forms/answers.py run_visit + forms/answer_types.py; the "forms" vectors check it against Python.
import { evaluate, parse, test, toString, usesPhoneFunctions } from "./expr.js";
import { offeredChoices } from "./choice_filter.js";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const KNOWN_TYPES = new Set(["text", "integer", "decimal", "select_one", "select_multiple", "boolean", "date",
  "geopoint", "photo", "note", "group", "audio", "video", "file"]);
// Shown or not like any question, but neither rendered nor checked here: the server computes calculations and
// checks each repeat instance (the app does not collect repeats yet).
export const SERVER_TYPES = new Set(["calculate", "repeat"]);

/** A label as text in `lang`: accepts "text", {vi, en} or any {lang: text} mapping. */
export function label(value, lang) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value[lang] === "string") return value[lang];
  if (typeof value.vi === "string") return value.vi;
  const any = Object.keys(value).map((k) => value[k]).find((v) => typeof v === "string");
  return any === undefined ? "" : any;
}

/** Flatten a definition into steps, groups before their questions; unknown types are skipped. */
export function flatten(form) {
  const steps = [];
  const walk = (questions, parent) => {
    for (const q of questions || []) {
      if (q && SERVER_TYPES.has(q.type)) { steps.push({ group: false, q, parent, server: true }); continue; }
      if (!q || !KNOWN_TYPES.has(q.type)) continue;
      if (q.type === "group") {
        const index = steps.filter((s) => s.group).length;
        steps.push({ group: true, q, parent, index });
        walk(q.questions, index);
      } else {
        steps.push({ group: false, q, parent });
      }
    }
  };
  walk(form.questions, -1);
  return steps;
}

function isBlank(v) {
  if (v === null || v === undefined) return true;
  if (typeof v === "string") return v.trim() === "";
  return Array.isArray(v) && v.length === 0;
}

const problem = (code, vi, en) => ({ code, vi, en });

function bounds(low, high, value) {
  if (low !== null && low !== undefined && value < low) {
    return problem("answer.below_min", `Giá trị phải từ ${toString(low)} trở lên.`, `The value must be at least ${toString(low)}.`);
  }
  if (high !== null && high !== undefined && value > high) {
    return problem("answer.above_max", `Giá trị không được lớn hơn ${toString(high)}.`, `The value must be at most ${toString(high)}.`);
  }
  return null;
}

function unknownChoices(q, values) {
  const known = new Set((q.choices || []).map((c) => c.value));
  const unknown = values.filter((v) => !known.has(v));
  return unknown.length ? problem("answer.unknown_choice", "Phương án không có trong câu hỏi.", "Not a choice of this question.") : null;
}

const finite = (v) => typeof v === "number" && Number.isFinite(v);

// The name of an audio/video/file answer (forms/answer_types.py _attachment): its file travels beside the answers.
const FILE_NAME = /^[^/\\\u0000-\u001f\u007f]{1,255}$/;
const fileName = (q, v) => (typeof v === "string" && FILE_NAME.test(v) && v.trim() !== "." && v.trim() !== ".."
  ? null : problem("answer.bad_file_name", "Tên tệp không hợp lệ.", "Not a valid file name."));

const CHECKS = {
  audio: fileName,
  video: fileName,
  file: fileName,
  text: (q, v) => {
    if (typeof v !== "string") return problem("answer.wrong_type", "Cần nhập chữ.", "Expected text.");
    const limit = q.max_length || 500;
    return Array.from(v).length > limit ? problem("answer.too_long", `Dài quá ${limit} ký tự.`, `Longer than ${limit} characters.`) : null;
  },
  integer: (q, v) => {
    if (!Number.isInteger(v)) return problem("answer.wrong_type", "Cần một số nguyên.", "Expected a whole number.");
    if (Math.abs(v) > MAX_SAFE) return problem("answer.out_of_range", "Số quá lớn.", "The number is too large.");
    return bounds(q.min, q.max, v);
  },
  decimal: (q, v) => {
    if (!finite(v)) return problem("answer.wrong_type", "Cần một số.", "Expected a number.");
    if (Math.abs(v) > MAX_SAFE) return problem("answer.out_of_range", "Số quá lớn.", "The number is too large.");
    return bounds(q.min, q.max, v);
  },
  select_one: (q, v) => (typeof v !== "string"
    ? problem("answer.wrong_type", "Cần chọn một phương án.", "Expected one choice.") : unknownChoices(q, [v])),
  select_multiple: (q, v) => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) return problem("answer.wrong_type", "Cần danh sách các phương án đã chọn.", "Expected a list of choices.");
    if (new Set(v).size !== v.length) return problem("answer.duplicate_choice", "Một phương án được chọn hai lần.", "A choice is selected twice.");
    return unknownChoices(q, v);
  },
  boolean: (q, v) => (typeof v !== "boolean" ? problem("answer.wrong_type", "Cần trả lời Có hoặc Không.", "Expected yes or no.") : null),
  date: (q, v) => {
    if (typeof v !== "string") return problem("answer.wrong_type", "Cần một ngày.", "Expected a date.");
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (m) {
      const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
      if (+m[1] >= 1 && d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3]) return null;
    }
    return problem("answer.invalid_date", "Ngày không hợp lệ.", "Not a valid date.");
  },
  geopoint: (q, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return problem("answer.wrong_type", "Cần một vị trí GPS.", "Expected a location.");
    const keysOk = Object.keys(v).every((k) => k === "lat" || k === "lon" || k === "accuracy_m");
    const acc = v.accuracy_m;
    const ok = keysOk && finite(v.lat) && v.lat >= -90 && v.lat <= 90 && finite(v.lon) && v.lon >= -180 && v.lon <= 180
      && (acc === null || acc === undefined || (finite(acc) && acc >= 0));
    return ok ? null : problem("answer.invalid_geopoint", "Vị trí GPS không hợp lệ.", "Invalid location.");
  },
};

const UNUSABLE = new Set(["answer.wrong_type", "answer.invalid_date", "answer.invalid_geopoint"]);

function safeTest(expression, answers, current, today) {
  // A form with an expression this app cannot parse must not block the member: the server decides.
  try { parse(expression); } catch (e) { return true; }
  return test(expression, answers, current, today);
}

const phoneCalculation = (q) => q.__phone === undefined ? (q.__phone = usesPhoneFunctions(q.calculation || "")) : q.__phone;

// A calculate using random(), now(), uuid() or once() is worked out here and sent: the server keeps it as sent
// (docs/forms.md). It is written back into the draft's answers so that once() keeps its first value.
function phoneCalculate(q, answers, effective, today) {
  const previous = Object.prototype.hasOwnProperty.call(answers, q.name) ? answers[q.name] : null;
  let value;
  try { value = evaluate(q.calculation, effective, previous, today); } catch (e) { return; }
  if (value === null || value === undefined || value === "" || (typeof value === "number" && !Number.isFinite(value))) return;
  answers[q.name] = value;
  effective[q.name] = value;
}

/** {visible: {name: bool}, groups: {name: bool}, effective: {name: value}, errors: [{question, code, vi, en}],
 *  offered: {name: [choice]} for each shown select with a choice_filter: the choices it offers} */
export function runVisit(form, answers, today = null) {
  const steps = form.__steps || (form.__steps = flatten(form));
  const visible = {}, groups = {}, effective = {}, errors = [], offered = {};
  const groupVisible = [];
  const add = (question, p) => errors.push({ question, code: p.code, vi: p.vi, en: p.en });
  for (const step of steps) {
    const q = step.q;
    const parentVisible = step.parent < 0 || groupVisible[step.parent];
    const shown = parentVisible && (!q.relevant || safeTest(q.relevant, effective, null, today));
    if (step.group) { groupVisible.push(shown); groups[q.name] = shown; continue; }
    const name = q.name;
    visible[name] = shown;
    if (step.server) {
      if (q.type === "calculate" && shown && phoneCalculation(q)) phoneCalculate(q, answers, effective, today);
      continue;
    }
    const value = Object.prototype.hasOwnProperty.call(answers, name) ? answers[name] : null;
    if (q.type === "photo" || q.type === "note") continue;
    if (shown && q.choice_filter) offered[name] = offeredChoices(q, effective, today);
    if (isBlank(value)) {
      if (shown && q.required) add(name, problem("answer.required", "Câu hỏi này bắt buộc trả lời.", "This question must be answered."));
      continue;
    }
    if (!shown) {
      add(name, problem("answer.not_relevant", "Câu hỏi này đang bị ẩn.", "This question is hidden."));
      continue;
    }
    const p = CHECKS[q.type](q, value);
    if (p) {
      add(name, p);
      if (UNUSABLE.has(p.code)) continue;
    } else if (offered[name]) {
      const values = offered[name].map((c) => c.value);
      const hidden = (Array.isArray(value) ? value : [value]).filter((v) => values.indexOf(v) < 0);
      if (hidden.length) add(name, problem("answer.filtered_choice", "Phương án không được đưa ra với các câu trả lời trước.", "Not offered for the earlier answers (choice filter)."));
    }
    effective[name] = value;
    if (q.constraint && !safeTest(q.constraint, effective, value, today)) {
      const message = q.constraint_message;
      add(name, problem("answer.constraint_failed",
        message ? label(message, "vi") : "Câu trả lời không đúng điều kiện của câu hỏi.",
        message ? label(message, "en") : "The answer does not meet this question's condition."));
    }
  }
  return { visible, groups, effective, errors, offered };
}
