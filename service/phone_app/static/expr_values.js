// Values of the form expression language (forms/expr_values.py): XPath 1.0's types as ODK defines them — truth,
// numbers, text, dates as days, comparison and arithmetic. Part of expr.js, which the app imports from.

/** A repeat's values read from outside it (Python's tuple): one per instance; a plain array is a multi-select. */
export class Instances extends Array {}

const isList = Array.isArray;
const isObject = (v) => v !== null && typeof v === "object" && !isList(v);
export const isNumber = (v) => typeof v === "number";
const NUMBER_TEXT = /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;
const DATE_PREFIX = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})/;
export const DATE_TEXT = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(T[\s\S]*)?$/;
const DATE_TIME_TEXT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export const DAY_MS = 86400000;
export const pyStrip = (s) => s.replace(/^\s+|\s+$/g, "");
export const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

export function truthy(v) {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (isNumber(v)) return v !== 0 && !Number.isNaN(v);
  if (typeof v === "string" || isList(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return false;
}

function civilDays(year, month, day) {
  year += Math.floor((month - 1) / 12);
  month = ((month - 1) % 12 + 12) % 12 + 1;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, 1);
  return Math.round(d.getTime() / DAY_MS) + day - 1;
}

function epochMillis(text) {
  const m = DATE_TIME_TEXT.exec(pyStrip(text));
  if (!m) return null;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => parseInt(m[i], 10));
  const second = parseInt(m[6] || "0", 10);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= MONTH_DAYS[month - 1]) || (month === 2 && day === 29 && !leap)) return null;
  if (hour > 23 || minute > 59 || second > 59 || year < 1) return null;
  const millis = parseInt((m[7] || "0").slice(0, 3).padEnd(3, "0"), 10);
  const zone = m[8] || "Z";
  const offset = zone === "Z" ? 0 : (parseInt(zone.slice(1, 3), 10) * 60 + parseInt(zone.slice(4, 6), 10)) * (zone[0] === "+" ? 1 : -1);
  const minutes = (civilDays(year, month, day) * 24 + hour) * 60 + minute - offset;
  return (minutes * 60 + second) * 1000 + millis;
}

export function daysOfDateText(text) {
  const m = DATE_TEXT.exec(text);
  if (!m) return NaN;
  if (m[4]) { const millis = epochMillis(text); return millis === null ? NaN : millis / DAY_MS; }
  const [year, month, day] = [1, 2, 3].map((i) => parseInt(m[i], 10));
  const rolled = year + Math.floor((month - 1) / 12);
  if (rolled < 1 || rolled > 9999) return NaN;
  return civilDays(year, month, day);
}

/** XPath number(): NaN when the value has no numeric meaning; date text → days since 1970. */
export function numberOf(v) {
  if (v === null || v === undefined) return NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (isNumber(v)) return v;
  if (typeof v === "string") {
    if (v.length > 64) return NaN;
    if (NUMBER_TEXT.test(v)) return Number(pyStrip(v));
    const text = pyStrip(v);
    if (DATE_PREFIX.test(text)) return daysOfDateText(text);
    if (text === "Infinity" || text === "+Infinity" || text === "-Infinity") return Number(text); // string(1 div 0) reads back
    return NaN;
  }
  if (v instanceof Instances) return v.length ? numberOf(v[0]) : NaN;
  if (isList(v) || isObject(v)) return numberOf(toString(v));
  return NaN;
}

/** A finite number or null (for callers outside the language, e.g. a question's bounds). */
export function toNumber(v) {
  const n = numberOf(v);
  return Number.isFinite(n) ? n : null;
}

export function toString(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (isNumber(v)) return String(v);
  if (typeof v === "string") return v;
  if (isList(v)) return v.map(toString).join(" ");
  if (isObject(v)) return pyStrip(`${toString(v.lat)} ${toString(v.lon)}`);
  return "";
}

export function selectedValues(v) {
  if (v === null || v === undefined) return [];
  if (isList(v)) return v.map(toString);
  return toString(v).split(/\s+/).filter((s) => s !== "");
}

// forms/expr_values.py choice_list: a multi-select's values, or text split at each single space (as ODK does).
export const choiceList = (v) => (isList(v) ? v.map(toString) : toString(v).split(" "));

function apply(op, a, b) {
  switch (op) {
    case "=": return a === b;
    case "!=": return a !== b;
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    default: return a >= b;
  }
}

const scalar = (v) => (v === null || v === undefined ? "" : (isList(v) || isObject(v)) && !(v instanceof Instances) ? toString(v) : v);
const dated = (v) => (typeof v === "string" && DATE_PREFIX.test(pyStrip(v)) ? daysOfDateText(pyStrip(v)) : v);

export function compare(op, left, right) {
  if (left instanceof Instances || right instanceof Instances) {
    if (typeof left === "boolean" || typeof right === "boolean") return apply(op, +truthy(left), +truthy(right));
    const lefts = left instanceof Instances ? left : [left];
    const rights = right instanceof Instances ? right : [right];
    return lefts.some((a) => rights.some((b) => compare(op, a, b)));
  }
  left = scalar(left); right = scalar(right);
  if (op === "=" || op === "!=") {
    if (typeof left === "boolean" || typeof right === "boolean") return apply(op, truthy(left), truthy(right));
    left = dated(left); right = dated(right);
    if (isNumber(left) || isNumber(right)) return apply(op, numberOf(left), numberOf(right));
    return apply(op, left, right);
  }
  return apply(op, numberOf(left), numberOf(right));
}

export function arithmetic(op, left, right) {
  const a = numberOf(left), b = numberOf(right);
  if (op === "+") return a + b;
  if (op === "-") return a - b;
  if (op === "*") return a * b;
  if (op === "div") return a / b;
  return a % b; // truncating, the sign of the dividend: XPath's mod
}

export const itemsOf = (v) => (v instanceof Instances ? v : [v]);

export function sumOf(v) {
  let total = 0;
  for (const item of itemsOf(v)) total = arithmetic("+", total, item);
  return total;
}

export function roundHalfUp(value, digits) {
  const number = numberOf(value), places = numberOf(digits);
  if (Number.isNaN(number) || Number.isNaN(places) || !Number.isFinite(number)) return Number.isNaN(places) ? NaN : number;
  if (!Number.isFinite(places)) return NaN;
  const d = Math.max(-15, Math.min(15, Math.trunc(places)));
  let magnitude;
  if (d >= 0) { const scale = 10 ** d; magnitude = Math.floor(Math.abs(number) * scale + 0.5) / scale; }
  else { const scale = 10 ** -d; magnitude = Math.floor(Math.abs(number) / scale + 0.5) * scale; }
  const signed = number < 0 ? -magnitude : magnitude;
  return d <= 0 && Number.isFinite(signed) ? signed + 0 : signed; // + 0: no "-0" (Python's int has none)
}
