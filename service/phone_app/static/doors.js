// Every door in the member's hand: each household's visit state in plain words, the doors still to knock on
// first, how far each is, and the village's progress. Pure functions over what the phone holds (works offline).

// What the list shows, most urgent first: sent back by the supervisor, has issues, a return visit asked for,
// never visited; then the doors already done.
export const ORDER = ["rejected", "issues", "return", "todo", "done"];
export const TO_DO = new Set(["rejected", "issues", "return", "todo"]);
// The filters: each a set of states.
export const FILTERS = {
  all: null,
  todo: new Set(["todo"]),
  return: new Set(["return"]),
  rejected: new Set(["rejected", "issues"]),
  done: new Set(["done"]),
};

/**
 * The visits saved on this phone, per household: the newest one not refused by the service. A visit saved here
 * shows at once (before the service has it and the next sync brings it back) and its answers are the hints of
 * the next return visit when the sync carries none.
 */
export function pendingByHousehold(outboxItems) {
  const latest = {};
  for (const item of outboxItems) {
    if (item.kind !== "visit" || item.state === "failed" || !item.visit) continue;
    const id = item.visit.household_id;
    if (!latest[id] || latest[id].created_at < item.created_at) latest[id] = item;
  }
  return latest;
}

/**
 * A household's door state. `visit` is the synced state (service/households/visit_state.py): `visited` is the
 * tallies' meaning (a visit stands, not rejected); a visit saved on the phone after it counts the same way.
 */
export function doorState(household, pending) {
  const synced = household.visit || null;
  const mine = pending && pending[household.id];
  const local = mine && (!synced || new Date(mine.created_at) > new Date(synced.last_at)) ? mine : null;
  const state = {
    visited: !!(synced && synced.visited),
    at: synced ? (synced.visited_at || synced.last_at) : null,
    by: synced ? synced.visited_by : null,
    level: synced && synced.level !== undefined ? synced.level : null,
    review: synced ? synced.review : null,
    note: synced ? synced.note || null : null,
    reason: synced ? synced.follow_up_reason || null : null,
    lastVisit: synced ? synced.last_visit : null,
    answers: synced ? synced.answers || null : null,
    followUp: !!(synced && synced.follow_up),
    pending: false,
  };
  if (local) {
    const answers = local.visit.answers || {};
    Object.assign(state, {
      visited: true, at: local.visit.finished_at, by: local.visit.on_behalf_of || local.user_id || null, review: null, note: null,
      followUp: answers.follow_up === true, reason: answers.follow_up_reason || null, pending: local.state !== "sent",
      lastVisit: local.id, answers, level: null,
    });
  } else if (mine && !state.answers) {
    state.answers = mine.visit.answers || null; // the member's own last answers, kept on the phone
  }
  if (state.review === "rejected") state.status = "rejected";
  else if (state.review === "has_issues") state.status = "issues";
  else if (state.followUp) state.status = "return";
  else state.status = state.visited ? "done" : "todo";
  return state;
}

const RADIUS_M = 6371008.8;
const rad = (deg) => (deg * Math.PI) / 180;

/** Great-circle distance in metres, or null when either point is unknown. */
export function distanceM(from, household) {
  if (!from || household.lat === null || household.lat === undefined || household.lon === null || household.lon === undefined) return null;
  const dLat = rad(household.lat - from.lat);
  const dLon = rad(household.lon - from.lon);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(rad(from.lat)) * Math.cos(rad(household.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** "120 m" under a kilometre, "1,4 km" (Vietnamese) or "1.4 km" beyond. */
export function formatDistance(metres, lang) {
  if (metres === null || metres === undefined || !isFinite(metres)) return "";
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  const km = (metres / 1000).toFixed(metres < 10000 ? 1 : 0);
  return `${lang === "en" ? km : km.replace(".", ",")} km`;
}

/**
 * Rows {household, door, distance} in the order the member works: the doors still to do first (most urgent
 * state first, then by name); with `here` (a GPS fix), nearest first within each part, households without a
 * location last.
 */
export function arrange(households, pending, { here = null, filter = "all", fold = (s) => s } = {}) {
  const wanted = FILTERS[filter] || null;
  const rows = [];
  for (const household of households) {
    const door = doorState(household, pending);
    if (wanted && !wanted.has(door.status)) continue;
    rows.push({ household, door, distance: distanceM(here, household), key: fold(household.head_name || "") });
  }
  rows.sort((a, b) => {
    if (here) {
      const part = Number(!TO_DO.has(a.door.status)) - Number(!TO_DO.has(b.door.status));
      if (part) return part;
      const far = (row) => (row.distance === null ? Infinity : row.distance);
      if (far(a) !== far(b)) return far(a) - far(b);
    } else {
      const rank = ORDER.indexOf(a.door.status) - ORDER.indexOf(b.door.status);
      if (rank) return rank;
    }
    return a.key < b.key ? -1 : (a.key > b.key ? 1 : 0); // folded names: plain order is the alphabet's
  });
  return rows;
}

/** The village's progress as the tallies count it: households (not merged) and those visited. */
export function progress(households, pending) {
  let visited = 0;
  for (const household of households) if (doorState(household, pending).visited) visited += 1;
  return { visited, total: households.length };
}

/** Monday 00:00 of this week, on the phone's clock. */
export function weekStart(now = new Date()) {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
  return start;
}

/**
 * For a team leader: per member, the households whose latest standing visit this week is theirs. `people`:
 * [{id, full_name}] (the leader first); everyone is listed, with 0 when they have not been out yet.
 */
export function weekCounts(households, pending, people, now = new Date()) {
  const since = weekStart(now);
  const counts = new Map(people.map((p) => [p.id, 0]));
  for (const household of households) {
    const door = doorState(household, pending);
    if (!door.visited || !door.at || new Date(door.at) < since) continue;
    const by = door.by;
    if (by !== null && counts.has(by)) counts.set(by, counts.get(by) + 1);
  }
  return people.map((p) => ({ id: p.id, full_name: p.full_name, count: counts.get(p.id) }));
}
