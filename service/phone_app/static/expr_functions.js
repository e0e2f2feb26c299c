// The functions of the form expression language (forms/expr_functions.py), by name; their argument counts are
// ARITY in expr_parse.js. Part of expr.js, which the app imports from.

import { digest } from "./expr_digest.js";
import { area, dateText, decimalDateTime, decimalTime, distance, formatDate, geofence, pad } from "./expr_dates.js";
import {
  Instances, choiceList, has, itemsOf, numberOf, pyStrip, roundHalfUp, selectedValues, sumOf, toString, truthy,
} from "./expr_values.js";

const MAX_TEXT = 100000;

const chars = (s) => Array.from(s); // Python counts code points, JavaScript UTF-16 units: count as Python does

function isoToday() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`;
}

function int(v) {
  const n = numberOf(v);
  return Number.isFinite(n) ? Math.trunc(n) + 0 : n;
}

const numbersOf = (values) => values.flatMap((v) => itemsOf(v).map(numberOf));

function maxMin(pick) {
  return (c, ...values) => {
    const numbers = numbersOf(values);
    if (!numbers.length || numbers.some(Number.isNaN)) return NaN;
    return pick(...numbers);
  };
}

function pow(base, exponent) {
  const x = numberOf(base), y = numberOf(exponent);
  if (y === 0) return 1;
  return x ** y;
}

function substr(text, start, end) {
  const value = chars(toString(text));
  const index = (bound) => {
    const n = numberOf(bound);
    if (Number.isNaN(n)) return 0;
    if (!Number.isFinite(n)) return n > 0 ? value.length : -value.length - 1;
    return Math.trunc(n);
  };
  // Python's slice: negative bounds count from the end.
  const norm = (i) => (i < 0 ? Math.max(0, value.length + i) : Math.min(i, value.length));
  const from = norm(index(start));
  const to = end === undefined ? value.length : norm(index(end));
  return value.slice(from, Math.max(from, to)).join("");
}

function substring(text, start, length) {
  // XPath 1.0 substring(text, start[, length]): counted from 1, bounds rounded, NaN selects nothing.
  const xround = (n) => (Number.isFinite(n) ? Math.floor(n + 0.5) : n);
  const first = xround(numberOf(start));
  const last = length === undefined ? Infinity : first + xround(numberOf(length));
  if (Number.isNaN(first) || Number.isNaN(last)) return "";
  return chars(toString(text)).filter((c, i) => first <= i + 1 && i + 1 < last).join("");
}

function substringBefore(text, part) {
  const value = toString(text), found = value.indexOf(toString(part));
  return found < 0 ? "" : value.slice(0, found);
}

function substringAfter(text, part) {
  const value = toString(text), needle = toString(part), found = value.indexOf(needle);
  return found < 0 ? "" : value.slice(found + needle.length);
}

function translate(text, source, target) {
  const from = chars(toString(source)), to = chars(toString(target));
  const table = new Map();
  from.forEach((c, i) => { if (!table.has(c)) table.set(c, i < to.length ? to[i] : ""); });
  return chars(toString(text)).map((c) => (table.has(c) ? table.get(c) : c)).join("");
}

const pySplit = (s) => s.split(/\s+/).filter((part) => part !== "");

function selectedAt(answer, index) {
  const values = toString(answer).split(" ");
  const n = int(index);
  return Number.isInteger(n) && n >= 0 && n < values.length ? values[n] : "";
}

function checklist(c, fewest, most, ...values) {
  const low = numberOf(fewest), high = numberOf(most);
  const trues = values.flatMap(itemsOf).filter(truthy).length;
  return (low < 0 || trues >= low) && (high < 0 || trues <= high);
}

function weightedChecklist(c, fewest, most, ...pairs) {
  const low = numberOf(fewest), high = numberOf(most);
  let total = 0;
  for (let p = 0; p + 1 < pairs.length; p += 2) {
    const items = itemsOf(pairs[p]), weights = itemsOf(pairs[p + 1]);
    for (let i = 0; i < Math.min(items.length, weights.length); i++) {
      if (truthy(items[i])) { const n = numberOf(weights[i]); total += Number.isNaN(n) ? 0 : n; }
    }
  }
  return (low < 0 || total >= low) && (high < 0 || total <= high);
}

function indexedRepeat(c, value, ...groupsAndIndexes) {
  const index = groupsAndIndexes.length > 1 ? int(groupsAndIndexes[1]) : NaN;
  const items = itemsOf(value);
  return Number.isInteger(index) && index >= 1 && index <= items.length ? items[index - 1] : "";
}

function base64Decode(v) {
  const text = toString(v);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return "";
  try {
    const bytes = Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    return "";
  }
}

function pulldata(c, table, column, keyColumn, key) {
  const wanted = toString(column), by = toString(keyColumn), match = toString(key);
  for (const row of c.table(toString(table))) if (has(row, by) && row[by] === match) return (has(row, wanted) && row[wanted]) || "";
  return "";
}

const UUID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function uuid(c, length) {
  if (length === undefined) {
    // crypto.randomUUID exists only in secure contexts; a v4 UUID from getRandomValues works everywhere.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  const n = int(length);
  const size = Number.isInteger(n) && n > 0 && n <= 1000 ? n : 0;
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  return Array.from(bytes, (b) => UUID_ALPHABET[b % UUID_ALPHABET.length]).join("");
}

export const FUNCTIONS = {
  "string": (c, ...v) => toString(v.length ? v[0] : c.current),
  "concat": (c, ...v) => v.flatMap(itemsOf).map(toString).join("").slice(0, MAX_TEXT),
  "join": (c, sep, ...v) => v.flatMap(itemsOf).map(toString).join(toString(sep)).slice(0, MAX_TEXT),
  "substr": (c, text, start, end) => substr(text, start, end),
  "substring": (c, text, start, length) => substring(text, start, length),
  "substring-before": (c, a, b) => substringBefore(a, b),
  "substring-after": (c, a, b) => substringAfter(a, b),
  "translate": (c, a, b, d) => translate(a, b, d),
  "normalize-space": (c, ...v) => pySplit(toString(v.length ? v[0] : c.current)).join(" "),
  "contains": (c, a, b) => toString(a).includes(toString(b)),
  "starts-with": (c, a, b) => toString(a).startsWith(toString(b)),
  "ends-with": (c, a, b) => toString(a).endsWith(toString(b)),
  "string-length": (c, ...v) => chars(toString(v.length ? v[0] : c.current)).length,
  "regex": () => false, // only a literal pattern parses (the "regex" node)
  "digest": (c, message, algorithm, encoding) => digest(toString(message), toString(algorithm), encoding === undefined ? "base64" : toString(encoding)),
  "base64-decode": (c, v) => base64Decode(v),
  "coalesce": (c, a, b) => toString(a) || toString(b),
  "uuid": uuid,
  "selected": (c, answer, choice) => choiceList(answer).includes(pyStrip(toString(choice))),
  "selected-at": (c, answer, index) => selectedAt(answer, index),
  "count-selected": (c, v) => selectedValues(v).length,
  "jr:choice-name": (c, value, question) => c.choiceName(toString(question), toString(value)),
  "number": (c, ...v) => numberOf(v.length ? v[0] : c.current),
  "int": (c, v) => int(v),
  "round": (c, v, d) => roundHalfUp(v, d === undefined ? 0 : d),
  "floor": (c, v) => { const n = numberOf(v); return Number.isFinite(n) ? Math.floor(n) + 0 : n; },
  "ceiling": (c, v) => { const n = numberOf(v); return Number.isFinite(n) ? Math.ceil(n) + 0 : n; },
  "abs": (c, v) => Math.abs(numberOf(v)),
  "pow": (c, x, y) => pow(x, y),
  "min": maxMin(Math.min),
  "max": maxMin(Math.max),
  "sqrt": (c, v) => Math.sqrt(numberOf(v)),
  "exp": (c, v) => Math.exp(numberOf(v)),
  "exp10": (c, v) => pow(10, v),
  "log": (c, v) => Math.log(numberOf(v)),
  "log10": (c, v) => Math.log10(numberOf(v)),
  "sin": (c, v) => Math.sin(numberOf(v)),
  "cos": (c, v) => Math.cos(numberOf(v)),
  "tan": (c, v) => Math.tan(numberOf(v)),
  "asin": (c, v) => Math.asin(numberOf(v)),
  "acos": (c, v) => Math.acos(numberOf(v)),
  "atan": (c, v) => Math.atan(numberOf(v)),
  "atan2": (c, y, x) => Math.atan2(numberOf(y), numberOf(x)),
  "pi": () => Math.PI,
  "random": () => Math.random(),
  "boolean": (c, v) => truthy(v),
  "boolean-from-string": (c, v) => toString(v) === "true" || toString(v) === "1",
  "not": (c, v) => !truthy(v),
  "true": () => true,
  "false": () => false,
  "checklist": checklist,
  "weighted-checklist": weightedChecklist,
  "today": (c) => c.today || isoToday(),
  "now": () => new Date().toISOString().replace("Z", "+00:00"),
  "date": (c, v) => dateText(v),
  "date-time": (c, v) => dateText(v),
  "decimal-date-time": (c, v) => decimalDateTime(v),
  "decimal-time": (c, v) => decimalTime(v),
  "format-date": (c, v, f) => formatDate(v, f),
  "format-date-time": (c, v, f) => formatDate(v, f),
  "count": (c, v) => (v instanceof Instances ? v.length : v === null || v === undefined ? 0 : 1),
  "count-non-empty": (c, v) => itemsOf(v).filter((item) => toString(item) !== "").length,
  "sum": (c, v) => sumOf(v),
  "position": (c) => c.position,
  "indexed-repeat": indexedRepeat,
  "area": (c, ...v) => area(v),
  "distance": (c, ...v) => distance(v),
  "geofence": (c, point, shape) => geofence(point, shape),
  "pulldata": pulldata,
  "version": (c) => c.formVersion,
  "once": (c, v) => toString(c.current) || toString(v),
};
