// The form expression language (relevant / constraint), a line-by-line port of forms/expr*.py.
// It must mean exactly what the server means: tests/forms/expr_vectors.json, generated from the Python code,
// is run against this file in headless Chromium (tests/phone_app/test_app_pieces.py).

const MAX_EXPRESSION_LENGTH = 2000;
const MAX_NESTING = 40;
const MAX_REGEX_PATTERN = 200;
const MAX_REGEX_INPUT = 2000;
const RESERVED = new Set(["and", "or", "div", "mod", "not", "true", "false"]);
const OPERATORS = ["!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ","];
const NESTED_QUANTIFIER = /\([^()]*[+*}][^()]*\)\s*[+*{]/;
const ARITY = {
  "not": [1, 1], "true": [0, 0], "false": [0, 0], "selected": [2, 2], "count-selected": [1, 1],
  "string-length": [1, 1], "today": [0, 0], "if": [3, 3], "coalesce": [2, 2], "contains": [2, 2],
  "starts-with": [2, 2], "number": [1, 1], "int": [1, 1], "string": [1, 1], "regex": [2, 2],
  "count": [1, 1], "sum": [1, 1], "concat": [1, 50], "round": [1, 2],
};

/** A repeat's values read from outside it (Python's tuple): one per instance; a plain array is a multi-select. */
export class Instances extends Array {}

function roundHalfUp(value, digits) {
  const number = toNumber(value), places = toNumber(digits);
  if (number === null || places === null) return null;
  const d = Math.max(-15, Math.min(15, Math.trunc(places)));
  const scale = 10 ** d;
  const magnitude = Math.floor(Math.abs(number) * scale + 0.5) / scale;
  if (!Number.isFinite(magnitude)) return null;
  return number < 0 ? -magnitude : magnitude;
}

export class ExpressionError extends Error {
  constructor(message, position) { super(`${message} (at position ${position})`); this.name = "ExpressionError"; this.position = position; }
}

// --- values (forms/expr_values.py) ---------------------------------------------------------------------------

const isList = Array.isArray;
const isObject = (v) => v !== null && typeof v === "object" && !isList(v);
const isNumber = (v) => typeof v === "number";

export function truthy(v) {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (isNumber(v)) return v !== 0 && !Number.isNaN(v);
  if (typeof v === "string" || isList(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return false;
}

// Python's int() / float() grammar for ASCII text (underscores between digits; no hex, no "Infinity").
const INT_TEXT = /^[+-]?\d(?:_?\d)*$/;
const FLOAT_TEXT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

export function toNumber(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (isNumber(v)) return Number.isFinite(v) ? v : null;
  if (typeof v === "string") {
    const text = v.trim();
    if (!text || text.length > 64) return null;
    if (!INT_TEXT.test(text) && !FLOAT_TEXT.test(text)) return null;
    const n = Number(text.replace(/_/g, ""));
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function floatRepr(x) {
  // Python's repr of a non-integral float: shortest digits, exponent form below 1e-4.
  const a = Math.abs(x);
  if (a !== 0 && a < 1e-4) {
    const [mantissa, exponent] = x.toExponential().split("e");
    const sign = exponent[0] === "-" ? "-" : "+";
    const digits = exponent.replace(/^[+-]/, "");
    return `${mantissa}e${sign}${digits.padStart(2, "0")}`;
  }
  return String(x);
}

export function toString(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (isNumber(v)) {
    if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v === 0 ? 0 : v) : BigInt(v).toString();
    return floatRepr(v);
  }
  if (typeof v === "string") return v;
  if (isList(v)) return v.map(toString).join(" ");
  if (isObject(v)) return `${toString(v.lat)} ${toString(v.lon)}`.trim();
  return "";
}

export function selectedValues(v) {
  if (v === null || v === undefined) return [];
  if (isList(v)) return v.map(toString);
  return toString(v).split(/\s+/).filter((s) => s !== "");
}

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

function codePointCompare(op, a, b) {
  // Python orders text by code point; JS's < by UTF-16 unit. Same for Vietnamese; exact for the rest.
  if (op === "=" || op === "!=") return apply(op, a, b);
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  let order = 0;
  for (let i = 0; i < Math.min(x.length, y.length) && order === 0; i++) order = x[i] - y[i];
  if (order === 0) order = x.length - y.length;
  return apply(op, order, 0);
}

export function compare(op, left, right) {
  if (left === null || left === undefined || right === null || right === undefined) {
    const other = left === null || left === undefined ? right : left;
    if ((op === "=" || op === "!=") && other === "") return apply(op, "", "");
    return false;
  }
  if (typeof left === "boolean" || typeof right === "boolean") {
    if (typeof left === "boolean" && typeof right === "boolean") return apply(op, +left, +right);
    if (isNumber(left) || isNumber(right)) {
      const a = toNumber(left), b = toNumber(right);
      return a !== null && b !== null && apply(op, a, b);
    }
    return codePointCompare(op, toString(left), toString(right));
  }
  if (isList(left) || isObject(left)) left = toString(left);
  if (isList(right) || isObject(right)) right = toString(right);
  if (isNumber(left) && isNumber(right)) {
    if (Number.isNaN(left) || Number.isNaN(right)) return false;
    return apply(op, left, right);
  }
  if (isNumber(left) || isNumber(right)) {
    const a = toNumber(left), b = toNumber(right);
    return a !== null && b !== null && apply(op, a, b);
  }
  const a = toNumber(left), b = toNumber(right);
  if (a !== null && b !== null) return apply(op, a, b);
  return codePointCompare(op, left, right);
}

export function arithmetic(op, left, right) {
  const a = toNumber(left), b = toNumber(right);
  if (a === null || b === null) return null;
  let result;
  if (op === "+") result = a + b;
  else if (op === "-") result = a - b;
  else if (op === "*") result = a * b;
  else if (op === "div") { if (b === 0) return null; result = a / b; }
  else { if (b === 0) return null; result = a % b; } // truncating, like XPath and Python's fmod
  if (!Number.isFinite(result)) return null;
  return result;
}

// --- tokens and parser (forms/expr.py) -----------------------------------------------------------------------

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const HYPHENATED = /(count-selected|string-length|starts-with)(?=\s*\()/y;
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
      if (source.startsWith("..", pos)) throw new ExpressionError("'..' is not supported", pos);
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
      return { t: "ref", name: token.text };
    }
    this.fail(`unexpected ${token.text || "end of expression"}`);
  }
  parseCall(name) {
    if (!Object.prototype.hasOwnProperty.call(ARITY, name.text)) throw new ExpressionError(`unknown function ${name.text}`, name.pos);
    this.expect("(");
    const args = [];
    if (!this.at("op", ")")) {
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

// --- evaluation (forms/expr_ast.py) ---------------------------------------------------------------------------

const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function isoToday() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const FUNCTIONS = {
  "not": (c, a) => !truthy(ev(a[0], c)),
  "true": () => true,
  "false": () => false,
  "selected": (c, a) => selectedValues(ev(a[0], c)).includes(toString(ev(a[1], c))),
  "count-selected": (c, a) => selectedValues(ev(a[0], c)).length,
  "string-length": (c, a) => Array.from(toString(ev(a[0], c))).length,
  "today": (c) => c.today || isoToday(),
  "if": (c, a) => (truthy(ev(a[0], c)) ? ev(a[1], c) : ev(a[2], c)),
  "coalesce": (c, a) => {
    const first = ev(a[0], c);
    if (first === null || first === undefined || first === "" || (isList(first) && first.length === 0)) return ev(a[1], c);
    return first;
  },
  "contains": (c, a) => toString(ev(a[0], c)).includes(toString(ev(a[1], c))),
  "starts-with": (c, a) => toString(ev(a[0], c)).startsWith(toString(ev(a[1], c))),
  "number": (c, a) => toNumber(ev(a[0], c)),
  "int": (c, a) => { const n = toNumber(ev(a[0], c)); return n === null ? null : Math.trunc(n) || 0; },
  "string": (c, a) => toString(ev(a[0], c)),
  // forms/expr_values.py count_of, sum_of, concat_of, round_half_up.
  "count": (c, a) => { const v = ev(a[0], c); return v instanceof Instances ? v.length : (v === null ? 0 : 1); },
  "sum": (c, a) => {
    const v = ev(a[0], c);
    let total = 0;
    for (const item of (v instanceof Instances ? v : [v])) { const n = toNumber(item); if (n !== null) total += n; }
    return Number.isFinite(total) ? total : null;
  },
  "concat": (c, a) => a.map((arg) => toString(ev(arg, c))).join(""),
  "round": (c, a) => roundHalfUp(ev(a[0], c), a.length > 1 ? ev(a[1], c) : 0),
};

function ev(node, ctx) {
  switch (node.t) {
    case "lit": return node.v;
    case "ref": return has(ctx.answers, node.name) && ctx.answers[node.name] !== undefined ? ctx.answers[node.name] : null;
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
    default: return FUNCTIONS[node.name](ctx, node.args);
  }
}

/** Evaluate `expression` (text or parsed tree) against flat answers; `current` is what "." means. */
export function evaluate(expression, answers, current = null, today = null) {
  const node = typeof expression === "string" ? parse(expression) : expression;
  return ev(node, { answers: answers || {}, current, today });
}

export function test(expression, answers, current = null, today = null) {
  return truthy(evaluate(expression, answers, current, today));
}
