// What an XLSForm needs beyond its definition: the choices of select_one_from_file questions, read from the form
// version's CSV media files (fetched once per version, kept with the form in IndexedDB), and the metadata rows
// (start, end, today, deviceid, username, …) the app fills itself.

/** RFC 4180 CSV → rows of fields (quotes, doubled quotes, commas and newlines inside quotes, CRLF). */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

/** The choices of a CSV file: value and label columns (name and label unless the question says otherwise). */
export function csvChoices(text, valueColumn = "name", labelColumn = "label") {
  const [header, ...records] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim());
  const at = (column) => names.indexOf(column);
  const v = at(valueColumn), l = at(labelColumn);
  if (v < 0) return [];
  const choices = [];
  for (const record of records) {
    const value = (record[v] || "").trim();
    if (!value) continue;
    const text = (l >= 0 && record[l]) || value;
    const columns = {};
    names.forEach((name, i) => { if (i !== v && i !== l && record[i]) columns[name] = record[i]; });
    choices.push({ value, label: { vi: text, en: text }, columns });
  }
  return choices;
}

function fileQuestions(questions, found = []) {
  for (const q of questions || []) {
    if (q && q.choices_file) found.push(q);
    if (q && q.questions) fileQuestions(q.questions, found);
  }
  return found;
}

/**
 * Fill each select_*_from_file question of `form` from its CSV; `fetchText(name)` gives the file's text or null
 * (not uploaded yet, or offline). Returns how many files are still missing (the next sync tries them again).
 */
export async function fillFileChoices(form, fetchText) {
  const texts = {};
  let missing = 0;
  for (const q of fileQuestions(form.questions)) {
    if (!(q.choices_file in texts)) texts[q.choices_file] = await fetchText(q.choices_file);
    const text = texts[q.choices_file];
    if (text === null || text === undefined) { missing++; continue; }
    q.choices = csvChoices(text, q.choices_file_value || "name", q.choices_file_label || "label");
  }
  return missing;
}

/** A stable id for this installation of the app (XLSForm deviceid), kept in the browser's storage. */
export function deviceId(newId) {
  const key = "gocua-device-id";
  let id = null;
  try { id = localStorage.getItem(key); } catch (e) { id = null; }
  if (!id) {
    id = `gocua:${newId()}`;
    try { localStorage.setItem(key, id); } catch (e) { /* private mode: a new id each time */ }
  }
  return id;
}

const pad = (n) => String(n).padStart(2, "0");

/** The answers of the form's metadata rows: what the phone knows about this visit by itself. */
export function metadataAnswers(form, { startedAt, finishedAt, me, device }) {
  const local = new Date(finishedAt);
  const known = {
    start: startedAt,
    end: finishedAt,
    today: `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`,
    deviceid: device,
    "uri:deviceid": device,
    username: me && me.username,
    "uri:username": me && me.username,
    phonenumber: me && me.phone,
  };
  const answers = {};
  const walk = (questions) => {
    for (const q of questions || []) {
      if (q && q.type === "metadata" && typeof known[q.metadata] === "string" && known[q.metadata]) {
        answers[q.name] = known[q.metadata];
      }
      if (q && q.type === "group") walk(q.questions);
    }
  };
  walk(form.questions);
  return answers;
}
