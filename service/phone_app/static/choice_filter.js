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

function rowsOf(q) {
  // Kept with the question while its choices stay the same array (a sync of the CSV replaces it).
  if (!q.__rows || q.__rows.choices !== q.choices) {
    q.__rows = { choices: q.choices, rows: (q.choices || []).map((c) => [c.value, choiceRow(q, c)]) };
  }
  return q.__rows.rows;
}

/** The values `q` offers given `answers` (earlier answers by name), in the choices' order; every value when the
 *  question has no filter, or one this app cannot read (the server decides then). */
export function offeredValues(q, answers, today = null) {
  const rows = rowsOf(q);
  if (!q.choice_filter) return rows.map((r) => r[0]);
  let node;
  try { node = parse(q.choice_filter); } catch (e) { return rows.map((r) => r[0]); }
  // The same answers give the same choices: a long CSV list is not filtered again on every keystroke elsewhere.
  const key = JSON.stringify([answers, today]);
  if (q.__offered && q.__offered.rows === rows && q.__offered.key === key) return q.__offered.values;
  const values = rows.filter(([, row]) => test(node, answers, null, today, { choice: row })).map((r) => r[0]);
  q.__offered = { rows, key, values };
  return values;
}
