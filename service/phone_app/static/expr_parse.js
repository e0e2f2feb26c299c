// Tokens and parser of the form expression language (forms/expr.py): text → tree, refused with an ExpressionError
// (its position) when it is not an expression. Part of expr.js, which the app imports from.

const MAX_EXPRESSION_LENGTH = 2000;
const MAX_NESTING = 40;
const MAX_REGEX_PATTERN = 200;
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

export class ExpressionError extends Error {
  constructor(message, position) { super(`${message} (at position ${position})`); this.name = "ExpressionError"; this.position = position; }
}

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
