// time.js - times as the district reads them: Asia/Shanghai (UTC+8, no
// daylight saving), whatever zone the browser is in. The server writes
// RFC 3339 with +08:00; epoch milliseconds are taken too.

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

/** The epoch ms of the Shanghai midnight that starts the day holding ms. */
export function localMidnight(ms) {
  return Math.floor((ms + TZ) / DAY) * DAY - TZ;
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
