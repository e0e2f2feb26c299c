// The form expression language (relevant / constraint), a line-by-line port of forms/expr*.py: ODK's functions
// with XPath 1.0's types (forms/expr_values.py says the rules). It must mean exactly what the server means:
// tests/forms/expr_vectors.json, generated from the Python code, is run against this file in headless Chromium
// (tests/phone_app/test_app_pieces.py), and tests/phone_app/test_odk_differential.py runs both against Enketo's.

import { digest } from "./expr_digest.js";

const MAX_EXPRESSION_LENGTH = 2000;
const MAX_NESTING = 40;
const MAX_REGEX_PATTERN = 200;
const MAX_REGEX_INPUT = 2000;
const MAX_TEXT = 100000;
const MAX_ARGS = 100;
const RESERVED = new Set(["and", "or", "div", "mod", "not", "true", "false"]);
const OPERATORS = ["!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ","];
const NESTED_QUANTIFIER = /\([^()]*[+*}][^()]*\)\s*[+*{]/;
// forms/expr_catalog.py ARITY: (fewest, most) arguments.
export const ARITY = {
  "string": [0, 1], "concat": [1, MAX_ARGS], "join": [1, MAX_ARGS], "substr": [2, 3], "substring": [2, 3], "substring-before": [2, 2],
  "substring-after": [2, 2], "translate": [3, 3], "normalize-space": [0, 1], "contains": [2, 2], "starts-with": [2, 2],
  "ends-with": [2, 2], "string-length": [0, 1], "regex": [2, 2], "digest": [2, 3], "base64-decode": [1, 1],
  "coalesce": [2, 2], "uuid": [0, 1], "selected": [2, 2], "selected-at": [2, 2], "count-selected": [1, 1],
  "jr:choice-name": [2, 2], "number": [0, 1], "int": [1, 1], "round": [1, 2], "floor": [1, 1], "ceiling": [1, 1],
  "abs": [1, 1], "pow": [2, 2], "min": [1, MAX_ARGS], "max": [1, MAX_ARGS], "sqrt": [1, 1], "exp": [1, 1],
  "exp10": [1, 1], "log": [1, 1], "log10": [1, 1], "sin": [1, 1], "cos": [1, 1], "tan": [1, 1], "asin": [1, 1],
  "acos": [1, 1], "atan": [1, 1], "atan2": [2, 2], "pi": [0, 0], "random": [0, 0], "boolean": [1, 1],
  "boolean-from-string": [1, 1], "not": [1, 1], "true": [0, 0], "false": [0, 0], "checklist": [2, MAX_ARGS],
  "weighted-checklist": [2, MAX_ARGS], "today": [0, 0], "now": [0, 0], "date": [1, 1], "date-time": [1, 1],
  "decimal-date-time": [1, 1], "decimal-time": [1, 1], "format-date": [2, 2], "format-date-time": [2, 2],
  "if": [3, 3], "count": [1, 1], "count-non-empty": [1, 1], "sum": [1, 1], "position": [0, 1],
  "indexed-repeat": [3, 7], "area": [1, 1], "distance": [1, MAX_ARGS], "geofence": [2, 2], "pulldata": [4, 4], "version": [0, 0],
  "once": [1, 1],
};

/** A repeat's values read from outside it (Python's tuple): one per instance; a plain array is a multi-select. */
export class Instances extends Array {}

export class ExpressionError extends Error {
  constructor(message, position) { super(`${message} (at position ${position})`); this.name = "ExpressionError"; this.position = position; }
}

// --- values (forms/expr_values.py) ---------------------------------------------------------------------------

const isList = Array.isArray;
const isObject = (v) => v !== null && typeof v === "object" && !isList(v);
const isNumber = (v) => typeof v === "number";
const NUMBER_TEXT = /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;
const DATE_PREFIX = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})/;
const DATE_TEXT = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(T[\s\S]*)?$/;
const DATE_TIME_TEXT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAY_MS = 86400000;
const pyStrip = (s) => s.replace(/^\s+|\s+$/g, "");

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
const choiceList = (v) => (isList(v) ? v.map(toString) : toString(v).split(" "));

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

const itemsOf = (v) => (v instanceof Instances ? v : [v]);

function sumOf(v) {
  let total = 0;
  for (const item of itemsOf(v)) total = arithmetic("+", total, item);
  return total;
}

function roundHalfUp(value, digits) {
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

// --- tokens and parser (forms/expr.py) -----------------------------------------------------------------------

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const HYPHENATED = /[A-Za-z_][A-Za-z0-9_]*(?:[-:][A-Za-z_][A-Za-z0-9_]*)+(?=\s*\()/y;
const BRACED_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/y;
const NUMBER = /[0-9]+(?:\.[0-9]*)?|\.[0-9]+/y;
const SPACE = /\s+/y;

function stickyMatch(re, source, pos) {
  re.lastIndex = pos;
  return re.exec(source);
}

export function tokenize(source) {
  const tokens = [];
  let pos = 0;
  while (pos < source.length) {
    const char = source[pos];
    if (/\s/.test(char)) { pos = stickyMatch(SPACE, source, pos).index + stickyMatch(SPACE, source, pos)[0].length; continue; }
    if (char === "$") {
      const m = stickyMatch(BRACED_REF, source, pos);
      if (!m) throw new ExpressionError("a reference must look like ${question_name}", pos);
      tokens.push({ kind: "ref", text: m[0], pos, value: m[1] });
      pos += m[0].length;
      continue;
    }
    if (char === "'" || char === '"') {
      const end = source.indexOf(char, pos + 1);
      if (end < 0) throw new ExpressionError("text started with a quote is never closed", pos);
      tokens.push({ kind: "string", text: source.slice(pos, end + 1), pos, value: source.slice(pos + 1, end) });
      pos = end + 1;
      continue;
    }
    const number = stickyMatch(NUMBER, source, pos);
    if (number) {
      tokens.push({ kind: "number", text: number[0], pos, value: Number(number[0]) });
      pos += number[0].length;
      continue;
    }
    if (char === ".") {
      if (source.startsWith("..", pos)) { tokens.push({ kind: "dotdot", text: "..", pos }); pos += 2; continue; }
      tokens.push({ kind: "dot", text: ".", pos });
      pos += 1;
      continue;
    }
    const name = stickyMatch(HYPHENATED, source, pos) || stickyMatch(NAME, source, pos);
    if (name) {
      tokens.push({ kind: "name", text: name[0], pos });
      pos += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, pos));
    if (!op) throw new ExpressionError(`unexpected character ${char}`, pos);
    tokens.push({ kind: "op", text: op, pos });
    pos += op.length;
  }
  tokens.push({ kind: "end", text: "", pos: source.length });
  return tokens;
}

class Parser {
  constructor(source) { this.tokens = tokenize(source); this.index = 0; this.depth = 0; }
  get token() { return this.tokens[this.index]; }
  advance() { return this.tokens[this.index++]; }
  at(kind, ...texts) { const t = this.token; return t.kind === kind && (texts.length === 0 || texts.includes(t.text)); }
  fail(message) { throw new ExpressionError(message, this.token.pos); }
  expect(text) { if (!this.at("op", text)) this.fail(`expected ${text}`); return this.advance(); }

  parse() {
    if (this.token.kind === "end") throw new ExpressionError("the expression is empty", 0);
    const node = this.parseOr();
    if (this.token.kind !== "end") this.fail(`unexpected ${this.token.text}`);
    return node;
  }
  parseOr() {
    let node = this.parseAnd();
    while (this.at("name", "or")) { this.advance(); node = { t: "or", l: node, r: this.parseAnd() }; }
    return node;
  }
  parseAnd() {
    let node = this.parseEquality();
    while (this.at("name", "and")) { this.advance(); node = { t: "and", l: node, r: this.parseEquality() }; }
    return node;
  }
  parseEquality() {
    let node = this.parseRelational();
    while (this.at("op", "=", "!=")) { const op = this.advance().text; node = { t: "cmp", op, l: node, r: this.parseRelational() }; }
    return node;
  }
  parseRelational() {
    let node = this.parseAdditive();
    while (this.at("op", "<", "<=", ">", ">=")) { const op = this.advance().text; node = { t: "cmp", op, l: node, r: this.parseAdditive() }; }
    return node;
  }
  parseAdditive() {
    let node = this.parseMultiplicative();
    while (this.at("op", "+", "-")) { const op = this.advance().text; node = { t: "arith", op, l: node, r: this.parseMultiplicative() }; }
    return node;
  }
  parseMultiplicative() {
    let node = this.parseUnary();
    while (this.at("op", "*") || this.at("name", "div", "mod")) {
      const op = this.advance().text;
      node = { t: "arith", op, l: node, r: this.parseUnary() };
    }
    return node;
  }
  parseUnary() {
    if (this.at("op", "-")) { this.advance(); return { t: "neg", x: this.nested(() => this.parseUnary()) }; }
    return this.parsePrimary();
  }
  nested(parse) {
    this.depth += 1;
    if (this.depth > MAX_NESTING) this.fail("the expression is nested too deeply");
    try { return parse(); } finally { this.depth -= 1; }
  }
  parsePrimary() {
    const token = this.token;
    if (token.kind === "number" || token.kind === "string") { this.advance(); return { t: "lit", v: token.value }; }
    if (token.kind === "ref") { this.advance(); return { t: "ref", name: token.value }; }
    if (token.kind === "dot") { this.advance(); return { t: "cur" }; }
    if (token.kind === "dotdot") throw new ExpressionError("'..' is not supported", token.pos);
    if (this.at("op", "(")) {
      this.advance();
      const node = this.nested(() => this.parseOr());
      this.expect(")");
      return node;
    }
    if (token.kind === "name") {
      this.advance();
      if (this.at("op", "(")) return this.parseCall(token);
      if (token.text === "true" || token.text === "false") return { t: "lit", v: token.text === "true" };
      if (RESERVED.has(token.text)) throw new ExpressionError(`unexpected ${token.text}`, token.pos);
      return { t: "ref", name: token.text, bare: true }; // in a choice_filter: a column of the choice (below)
    }
    this.fail(`unexpected ${token.text || "end of expression"}`);
  }
  parseCall(name) {
    if (!Object.prototype.hasOwnProperty.call(ARITY, name.text)) throw new ExpressionError(`unknown function ${name.text}`, name.pos);
    this.expect("(");
    const args = [];
    if (name.text === "position" && this.at("dotdot")) this.advance();
    else if (!this.at("op", ")")) {
      args.push(this.nested(() => this.parseOr()));
      while (this.at("op", ",")) { this.advance(); args.push(this.nested(() => this.parseOr())); }
    }
    this.expect(")");
    const [fewest, most] = ARITY[name.text];
    if (args.length < fewest || args.length > most) throw new ExpressionError(`${name.text}() takes ${fewest} argument(s)`, name.pos);
    if (name.text === "regex") return { t: "regex", x: args[0], re: compilePattern(args[1], name.pos) };
    return { t: "call", name: name.text, args };
  }
}

function compilePattern(node, pos) {
  if (node.t !== "lit" || typeof node.v !== "string") throw new ExpressionError("regex() needs its pattern written as 'text'", pos);
  const pattern = node.v;
  if (pattern.length > MAX_REGEX_PATTERN) throw new ExpressionError("regex() pattern is too long", pos);
  if (NESTED_QUANTIFIER.test(pattern)) throw new ExpressionError("regex() pattern repeats a repeated group", pos);
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (e) {
    throw new ExpressionError("regex() pattern is invalid", pos);
  }
}

const cache = new Map();

export function parse(source) {
  if (cache.has(source)) return cache.get(source);
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError("the expression is too long", 0);
  const node = new Parser(source).parse();
  if (cache.size > 500) cache.clear();
  cache.set(source, node);
  return node;
}

// --- dates and places (forms/expr_dates.py) -------------------------------------------------------------------

const RAW_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
const TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,3})?([+-])([0-9]{2}):([0-9]{2})$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MIN_DAYS = -719162, MAX_DAYS = 2932896;
const EARTH_RADIUS_M = 6378100;
const pad = (n, width) => String(n).padStart(width, "0");

function momentOf(v) {
  let days;
  if (typeof v === "boolean") return null;
  if (isNumber(v)) days = v;
  else {
    const text = pyStrip(toString(v));
    if (!text) return null;
    if (RAW_NUMBER.test(text)) days = Math.trunc(Number(text));
    else if (DATE_TEXT.test(text)) days = daysOfDateText(text);
    else return null;
  }
  if (!(days > MIN_DAYS && days < MAX_DAYS)) return null;
  return new Date(Math.floor(days * DAY_MS + 0.5));
}

function dateText(v) {
  const d = momentOf(v);
  if (d === null) return "";
  const iso = d.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace("Z", "+00:00");
}

function decimalDateTime(v) {
  if (isNumber(v)) return v;
  const text = pyStrip(toString(v));
  return DATE_TEXT.test(text) ? daysOfDateText(text) : NaN;
}

function decimalTime(v) {
  if (isNumber(v)) return NaN;
  const m = TIME.exec(toString(v));
  if (!m) return NaN;
  const [hours, minutes, seconds, zoneH, zoneM] = [1, 2, 3, 6, 7].map((i) => parseInt(m[i], 10));
  if (hours > 23 || minutes > 59 || seconds > 59 || zoneH > 23 || zoneM > 59) return NaN;
  const offset = (zoneH * 60 + zoneM) * (m[5] === "+" ? 1 : -1);
  const inUtc = (((hours * 60 + minutes - offset) % 1440) + 1440) % 1440;
  return (seconds / 3600 + (inUtc % 60) / 60 + Math.floor(inUtc / 60)) / 24;
}

function formatDate(v, pattern) {
  const d = momentOf(v);
  if (d === null) return "";
  const fmt = toString(pattern);
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== "%") { out += c; continue; }
    if (++i >= fmt.length) return "";
    const year = pad(d.getUTCFullYear(), 4);
    const piece = {
      "%": "%", "Y": year, "y": year.slice(2), "m": pad(d.getUTCMonth() + 1, 2), "n": String(d.getUTCMonth() + 1),
      "b": MONTHS[d.getUTCMonth()], "d": pad(d.getUTCDate(), 2), "e": String(d.getUTCDate()), "H": pad(d.getUTCHours(), 2),
      "h": String(d.getUTCHours()), "M": pad(d.getUTCMinutes(), 2), "S": pad(d.getUTCSeconds(), 2),
      "3": pad(d.getUTCMilliseconds(), 3), "a": WEEKDAYS[d.getUTCDay()],
    }[fmt[i]];
    if (piece === undefined) return "";
    out += piece;
  }
  return out;
}

function geopoints(values) {
  let texts;
  if (values.length > 1) texts = values.map(toString);
  else if (values[0] instanceof Instances && values[0].length > 1) texts = values[0].map(toString);
  else texts = toString(values[0]).split(";");
  const points = [];
  for (const text of texts) {
    const parts = pyStrip(text).split(" ");
    if (parts.length < 2) return null;
    const lat = numberOf(parts[0]), lon = numberOf(parts[1]);
    if (parts[0] === "" || parts[1] === "" || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) return null;
    if (parts.length > 2 && Number.isNaN(numberOf(parts[2]))) return null;
    if (parts.length > 3 && !(numberOf(parts[3]) >= 0)) return null;
    points.push([lat, lon]);
  }
  return points;
}

const radians = (degrees) => (degrees * Math.PI) / 180;
const roundCm = (m) => (Number.isFinite(m) ? Math.abs(Math.floor(m * 100 + 0.5)) / 100 : m);

function area(values) {
  const points = geopoints(values);
  if (points === null) return NaN;
  let total = 0;
  if (points.length > 2) {
    points.forEach(([lat1, lon1], i) => {
      const [lat2, lon2] = points[(i + 1) % points.length];
      total += radians(lon2 - lon1) * (2 + Math.sin(radians(lat1)) + Math.sin(radians(lat2)));
    });
    total = (total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2.0;
  }
  return roundCm(total);
}

function distance(values) {
  const points = geopoints(values);
  if (points === null) return NaN;
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const [lat1, lon1] = points[i - 1], [lat2, lon2] = points[i];
    const phi1 = radians(lat1), phi2 = radians(lat2);
    const cosine = Math.sin(phi1) * Math.sin(phi2) + Math.cos(phi1) * Math.cos(phi2) * Math.cos(radians(lon1 - lon2));
    total += cosine >= -1 && cosine <= 1 ? Math.acos(cosine) * EARTH_RADIUS_M : NaN;
  }
  return roundCm(total);
}

function geofence(point, shape) {
  // forms/expr_dates.py geofence: ray casting on lat/lon.
  const points = geopoints([point]), polygon = geopoints([shape]);
  if (points === null || polygon === null || points.length !== 1 || polygon.length < 3) return false;
  const [y, x] = points[0];
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [yi, xi] = polygon[i], [yj, xj] = polygon[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// --- functions (forms/expr_functions.py) ------------------------------------------------------------------------

const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
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

const FUNCTIONS = {
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

function ev(node, ctx) {
  switch (node.t) {
    case "lit": return node.v;
    case "ref":
      if (node.bare && ctx.choice) return has(ctx.choice, node.name) ? ctx.choice[node.name] : null;
      return has(ctx.answers, node.name) && ctx.answers[node.name] !== undefined ? ctx.answers[node.name] : null;
    case "cur": return ctx.current === undefined ? null : ctx.current;
    case "neg": return arithmetic("-", 0, ev(node.x, ctx));
    case "arith": return arithmetic(node.op, ev(node.l, ctx), ev(node.r, ctx));
    case "cmp": return compare(node.op, ev(node.l, ctx), ev(node.r, ctx));
    case "and": return truthy(ev(node.l, ctx)) && truthy(ev(node.r, ctx));
    case "or": return truthy(ev(node.l, ctx)) || truthy(ev(node.r, ctx));
    case "regex": {
      const text = toString(ev(node.x, ctx));
      return text.length <= MAX_REGEX_INPUT && node.re.test(text);
    }
    default:
      if (node.name === "if") return truthy(ev(node.args[0], ctx)) ? ev(node.args[1], ctx) : ev(node.args[2], ctx);
      return FUNCTIONS[node.name](ctx, ...node.args.map((arg) => ev(arg, ctx)));
  }
}

class Context {
  // forms/expr_ast.py EvalContext; env: {tables, choiceNames, formVersion, position, choice}.
  constructor(answers, current, today, env) {
    this.answers = answers || {};
    this.current = current === undefined ? null : current;
    this.today = today;
    this.tables = env.tables || null; // file name → rows ([{column: text}]), or a function of the name
    this.choiceNames = env.choiceNames || null; // (question, value) → label
    this.formVersion = env.formVersion || "";
    this.position = env.position || 0;
    this.choice = env.choice || null; // the choice a choice_filter is testing: column → text, name = its value
  }

  table(name) {
    if (!this.tables) return [];
    for (const candidate of [name, `${name}.csv`, name.replace(/\.csv$/, "")]) {
      const rows = typeof this.tables === "function" ? this.tables(candidate) : (has(this.tables, candidate) ? this.tables[candidate] : null);
      if (rows) return rows;
    }
    return [];
  }

  choiceName(question, value) {
    if (!this.choiceNames) return "";
    let name = pyStrip(question);
    if (name.startsWith("${") && name.endsWith("}")) name = name.slice(2, -1);
    return this.choiceNames(name.split("/").pop(), value);
  }
}

// forms/expr_catalog.py PHONE_FUNCTIONS: only the phone can know their value; the server keeps it as sent.
const PHONE_FUNCTIONS = new Set(["random", "now", "uuid", "once"]);

/** Whether an expression calls random(), now(), uuid() or once() (false when it does not parse). */
export function usesPhoneFunctions(expression) {
  let node;
  try { node = parse(expression); } catch (e) { return false; }
  const stack = [node];
  while (stack.length) {
    const current = stack.pop();
    if (current.t === "call" && PHONE_FUNCTIONS.has(current.name)) return true;
    for (const child of [current.l, current.r, current.x, ...(current.args || [])]) if (child) stack.push(child);
  }
  return false;
}

/** Evaluate `expression` (text or parsed tree) against flat answers; `current` is what "." means.
 *  `env` holds what lives beside the answers: {tables (CSV media for pulldata), choiceNames, formVersion, position}. */
export function evaluate(expression, answers, current = null, today = null, env = {}) {
  const node = typeof expression === "string" ? parse(expression) : expression;
  return ev(node, new Context(answers, current, today, env));
}

export function test(expression, answers, current = null, today = null, env = {}) {
  return truthy(evaluate(expression, answers, current, today, env));
}
