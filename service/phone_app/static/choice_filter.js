// Which choices a select with a choice_filter offers for the answers so far (forms/answers.py offered_choices,
// forms/compiled.py choice_row): the filter is evaluated once per choice, a bare name reading that choice's column
// (`name` is its value), ${q} an answer. The "choice_filters" vectors check it against Python.
import { parse, test } from "./expr.js";

const firstLabel = (l) => (typeof l === "string" ? l : (l && typeof l.vi === "string" ? l.vi : ""));

/** A choice as its filter sees it; one from a CSV file also has the file's value and label columns. */
export function choiceRow(q, choice) {
  const row = {};
  if (q.choices_file) {
    row[q.choices_file_value || "name"] = choice.value;
    row[q.choices_file_label || "label"] = firstLabel(choice.label);
  }
  return Object.assign(row, choice.columns || {}, { name: choice.value });
}

// Per question, while its choices stay the same array (a sync of the CSV replaces it): each choice's row, and the
// last answers with what they offered (a long CSV list is not filtered again on every keystroke elsewhere). Kept
// beside the definition, never in it: the definition is what IndexedDB stores.
const cache = new WeakMap();

function cached(q) {
  let entry = cache.get(q);
  if (!entry || entry.choices !== q.choices) {
    entry = { choices: q.choices, rows: (q.choices || []).map((c) => choiceRow(q, c)), key: null, offered: null };
    cache.set(q, entry);
  }
  return entry;
}

/** The choices (entries of q.choices, in order) `q` offers given `answers` (earlier answers by name): all of them
 *  when it has no filter, or one this app cannot read (the server decides then). */
export function offeredChoices(q, answers, today = null) {
  const choices = q.choices || [];
  if (!q.choice_filter) return choices;
  let node;
  try { node = parse(q.choice_filter); } catch (e) { return choices; }
  const entry = cached(q);
  const key = JSON.stringify([q.choice_filter, answers, today]);
  if (entry.key !== key) {
    entry.offered = choices.filter((c, i) => test(node, answers, null, today, { choice: entry.rows[i] }));
    entry.key = key;
  }
  return entry.offered;
}

/** The values of the offered choices (forms/answers.py offered_choices). */
export function offeredValues(q, answers, today = null) {
  return offeredChoices(q, answers, today).map((c) => c.value);
}
