// The form expression language (relevant / constraint), a line-by-line port of forms/expr*.py: ODK's functions
// with XPath 1.0's types (forms/expr_values.py says the rules). It must mean exactly what the server means:
// tests/forms/expr_vectors.json, generated from the Python code, is run against this file in headless Chromium
// (tests/phone_app/test_app_pieces.py), and tests/phone_app/test_odk_differential.py runs both against Enketo's.
// The pieces: expr_parse.js (tokens and parser), expr_values.js (values), expr_functions.js and expr_dates.js (the
// functions), expr_digest.js (digest()); this file walks the tree and is the one the rest of the app imports from.

import { FUNCTIONS } from "./expr_functions.js";
import { parse } from "./expr_parse.js";
import { arithmetic, compare, has, pyStrip, toString, truthy } from "./expr_values.js";

export { ARITY, ExpressionError, parse, tokenize } from "./expr_parse.js";
export {
  Instances, arithmetic, compare, daysOfDateText, numberOf, selectedValues, toNumber, toString, truthy,
} from "./expr_values.js";

const MAX_REGEX_INPUT = 2000;

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
