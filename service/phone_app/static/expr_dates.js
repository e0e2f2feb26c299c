// Dates and places of the form expression language (forms/expr_dates.py): date(), format-date(), decimal-time(),
// area(), distance(), geofence(). Part of expr.js, which the app imports from.

import { DATE_TEXT, DAY_MS, Instances, daysOfDateText, isNumber, numberOf, pyStrip, toString } from "./expr_values.js";

const RAW_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
const TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,3})?([+-])([0-9]{2}):([0-9]{2})$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MIN_DAYS = -719162, MAX_DAYS = 2932896;
const EARTH_RADIUS_M = 6378100;
export const pad = (n, width) => String(n).padStart(width, "0");

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

export function dateText(v) {
  const d = momentOf(v);
  if (d === null) return "";
  const iso = d.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.replace("Z", "+00:00");
}

export function decimalDateTime(v) {
  if (isNumber(v)) return v;
  const text = pyStrip(toString(v));
  return DATE_TEXT.test(text) ? daysOfDateText(text) : NaN;
}

export function decimalTime(v) {
  if (isNumber(v)) return NaN;
  const m = TIME.exec(toString(v));
  if (!m) return NaN;
  const [hours, minutes, seconds, zoneH, zoneM] = [1, 2, 3, 6, 7].map((i) => parseInt(m[i], 10));
  if (hours > 23 || minutes > 59 || seconds > 59 || zoneH > 23 || zoneM > 59) return NaN;
  const offset = (zoneH * 60 + zoneM) * (m[5] === "+" ? 1 : -1);
  const inUtc = (((hours * 60 + minutes - offset) % 1440) + 1440) % 1440;
  return (seconds / 3600 + (inUtc % 60) / 60 + Math.floor(inUtc / 60)) / 24;
}

export function formatDate(v, pattern) {
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

export function area(values) {
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

export function distance(values) {
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

export function geofence(point, shape) {
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
