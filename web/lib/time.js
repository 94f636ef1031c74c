// time.js - times as the district reads them: Asia/Shanghai (UTC+8, no
// daylight saving), whatever zone the browser is in. The server writes
// RFC 3339 with +08:00; epoch milliseconds are taken too. Every page's
// dates and times are written by these.
import { t as say } from './i18n.js';

export const HOUR = 3600e3;
export const DAY = 24 * HOUR;
export const TZ = 8 * HOUR;

// "2026-05-21T08:30:00.000Z" shifted so that its UTC fields read as
// Shanghai wall time, or null for no time.
function wall(t) {
  if (t === undefined || t === null || t === '') return null;
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + TZ).toISOString();
}

/** "2026-05-21 08:30" in Asia/Shanghai; `none` for no time. */
export function dateTime(t, none = '—') {
  const d = wall(t);
  return d ? `${d.slice(0, 10)} ${d.slice(11, 16)}` : none;
}

/** "05-21 08:30" in Asia/Shanghai; `none` for no time. */
export function shortDateTime(t, none = '—') {
  const d = wall(t);
  return d ? `${d.slice(5, 10)} ${d.slice(11, 16)}` : none;
}

/** "2026-05-21 08:30:05" in Asia/Shanghai (the cockpit's clock). */
export function clock(t = Date.now()) {
  const d = wall(t);
  return `${d.slice(0, 10)} ${d.slice(11, 19)}`;
}

/** ms as the instant the API takes (RFC 3339, UTC). */
export function instant(ms) {
  return new Date(ms).toISOString();
}

/** "YYYY-MM-DD" of the Shanghai day holding ms. */
export function ymd(ms = Date.now()) {
  return new Date(ms + TZ).toISOString().slice(0, 10);
}

/** "YYYY-MM-DDTHH:MM", Shanghai wall time of ms (what a datetime-local input holds). */
export function localInput(ms = Date.now()) {
  return new Date(ms + TZ).toISOString().slice(0, 16);
}

/** "YYYY-MM" of the month `n` months after month "YYYY-MM". */
export function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

/** The months from "YYYY-MM" to the one holding ms, each as {key: "YYYY-MM",
 * t: the epoch ms of its Shanghai start}. */
export function monthsSince(ym, ms = Date.now()) {
  const last = ymd(ms).slice(0, 7), out = [];
  for (let k = ym; k <= last && out.length < 1200; k = addMonths(k, 1)) out.push({ key: k, t: dayStartMs(k + '-01') });
  return out;
}

/** The epoch ms of the Shanghai midnight that starts local day "YYYY-MM-DD", plus days. */
export function dayStartMs(ymd, plusDays = 0) {
  return Date.parse(`${ymd}T00:00:00+08:00`) + plusDays * DAY;
}

/** The epoch ms of the Shanghai midnight that starts the day holding ms. */
export function localMidnight(ms) {
  return Math.floor((ms + TZ) / DAY) * DAY - TZ;
}

/** The epoch ms of the Shanghai midnight that starts the month `back`
 * months before the one holding ms. */
export function monthStart(ms, back = 0) {
  const d = new Date(ms + TZ);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1) - TZ;
}

/** The epoch ms of the Shanghai midnight that starts the year holding ms. */
export function yearStart(ms) {
  return Date.UTC(new Date(ms + TZ).getUTCFullYear(), 0, 1) - TZ;
}

/** The day of the week in Asia/Shanghai, 0 = Sunday. */
export function weekday(t = Date.now()) {
  return new Date((typeof t === 'number' ? t : Date.parse(t)) + TZ).getUTCDay();
}

/** "2026-05-21", the date in Asia/Shanghai; `none` for no time. */
export function day(t, none = '—') {
  const d = wall(t);
  return d ? d.slice(0, 10) : none;
}

/** A chart's label for a point of a series of this grain, in Asia/Shanghai:
 * "2026-05" by month, "05-21" by day, "08:30" finer; '' for no time. */
export function axisLabel(t, grain) {
  const d = wall(t);
  if (!d) return '';
  return grain === 'month' ? d.slice(0, 7) : grain === 'day' ? d.slice(5, 10) : d.slice(11, 16);
}

/** How long before `now` t was, in the page's language: "12秒前" / "12 s ago",
 * minutes, hours; a day or more, shortDateTime(t). */
export function ago(t, now = Date.now()) {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  const s = (now - ms) / 1000;
  if (s < 60) { const n = Math.max(0, Math.round(s)); return say(`${n}秒前`, `${n} s ago`); }
  if (s < 3600) { const n = Math.round(s / 60); return say(`${n}分钟前`, `${n} min ago`); }
  if (s < 86400) { const n = Math.round(s / 3600); return say(`${n}小时前`, `${n} h ago`); }
  return shortDateTime(t);
}
