// util.js - what every cockpit module shares: number formats in Chinese
// style (1.3万, 7000万) and the time ranges panels name in dashboards.json,
// computed in Asia/Shanghai. The page tools (language, API, elements,
// times) are imported from lib/ where they are used.
// (Node imports this file too, to compute the panels' URLs for benchmarks.)
import { lang, pick } from '../lib/i18n.js';
import { HOUR, DAY, localMidnight, monthStart, yearStart, monthsSince } from '../lib/time.js';

// 13000 -> 1.3万, 70000000 -> 7000万, 123456789 -> 1.23亿; English: 13,000 / 70.0M.
export function big(n, digits = 2) {
  if (n == null || Number.isNaN(n)) return '—';
  const a = Math.abs(n);
  if (lang === 'en') {
    if (a >= 1e9) return +(n / 1e9).toFixed(digits) + 'B';
    if (a >= 1e6) return +(n / 1e6).toFixed(digits) + 'M';
    return (+n.toFixed(a < 100 ? 1 : 0)).toLocaleString('en-US');
  }
  if (a >= 1e8) return +(n / 1e8).toFixed(digits) + '亿';
  if (a >= 1e4) return +(n / 1e4).toFixed(digits) + '万';
  return String(+n.toFixed(a < 100 ? 1 : 0));
}

/** A metric's value as people say it: a status metric's value by its name
 * (metrics' `states`: 1 → 正常, 0 → 故障), else the number and unit. */
export function valueText(metric, v) {
  const st = (metric && metric.states || []).find((x) => x.value === v);
  if (st) return pick(st, 'name');
  const u = unitText(metric && metric.unit);
  return `${big(v)}${u ? ' ' + u : ''}`;
}

// A number with its unit, the unit scaled with the number: amounts kept in
// 万元 become 亿元 past ten thousand (never "12.71万 万元"); in English
// they read in yuan (1.27B yuan). Other units follow big().
// Returns [number text, unit text].
export function scaled(n, unit = '') {
  if (n == null || Number.isNaN(n)) return ['—', unit];
  if (unit && unit.startsWith('万') && unit.length > 1) {
    const rest = unit.slice(1);
    if (lang === 'en') return [big(n * 1e4), rest === '元' ? 'yuan' : rest];
    if (Math.abs(n) >= 1e4) return [String(+(n / 1e4).toFixed(2)), '亿' + rest];
    return [String(+n.toFixed(Math.abs(n) < 100 ? 2 : 1)), unit];
  }
  return [big(n), unitText(unit)];
}

/** A unit as the page's language says it: in English a Chinese counting
 * word (人次, 次, 件, 家 ...) says nothing a number does not, so it goes;
 * other units (%, dB, μg/m³) stay. 万元 is scaled() and withUnit()'s. */
export function unitText(unit = '') {
  return lang === 'en' && /[\u3400-\u9fff]/.test(unit || '') ? '' : unit || '';
}

export function withUnit(n, unit = '') {
  const [a, u] = scaled(n, unit);
  return u ? `${a} ${u}` : a;
}

export function pct(change) {
  if (change == null || Number.isNaN(change)) return '—';
  const s = (change * 100).toFixed(2) + '%';
  return change > 0 ? '+' + s : s;
}

// [from, to) in epoch ms for a range name of dashboards.json.
export function rangeOf(name, now = Date.now()) {
  const mid = localMidnight(now);
  switch (name) {
    case 'last1h': return [now - HOUR, now];
    case 'today': return [mid, now];
    case 'last24h': return [now - DAY, now];
    case 'last7d': return [mid - 6 * DAY, now];
    case 'last30d': return [mid - 29 * DAY, now];
    case 'month': return [monthStart(now), now];
    case 'ytd': return [yearStart(now), now];
    case 'last12m': return [monthStart(now, 11), now];
    default: return [now - DAY, now];
  }
}

// Where api "counts" reads each register's counts (dashboards.json "of").
const COUNTS = { cases: '/api/v1/cases/stats' };

/**
 * A "counts" answer as the panels read the other APIs: one section of it
 * (q.section) as {total, items: [{key, name_zh, name_en, v}]}, and, for a
 * section by month, {points: [{t, v}]} from its first month to now (a month
 * with nothing is a zero, not a gap) with grain "month". A number section
 * (the count of files) is the total alone.
 */
export function countsView(q, res, now = Date.now()) {
  const sec = res[q.section];
  if (typeof sec === 'number') return { total: sec, items: [] };
  const list = Array.isArray(sec) ? sec : [];
  const byKey = new Map();
  for (const x of list) {
    const k = byKey.get(x.key) || { key: x.key, name_zh: x.name_zh, name_en: x.name_en, v: 0 };
    k.v += x.n;
    byKey.set(x.key, k);
  }
  const items = [...byKey.values()].sort((a, b) => b.v - a.v);
  const out = { total: items.reduce((a, x) => a + x.v, 0), items };
  if (list.length && list[0].month) {
    const per = new Map();
    for (const x of list) per.set(x.month, (per.get(x.month) || 0) + x.n);
    const points = monthsSince(list[0].month, now).map((x) => ({ t: x.t, v: per.get(x.key) || 0 }));
    Object.assign(out, { points, grain: 'month' });
  }
  return out;
}

// The API URL for a panel query on a region (dashboards.json "query").
export function queryUrl(q, region, now = Date.now()) {
  const p = new URLSearchParams();
  const add = (k, v) => { if (v !== undefined && v !== null && v !== '') p.set(k, String(v)); };
  add('region', region);
  if (q.range && q.api !== 'latest' && q.api !== 'sources') {
    const [from, to] = rangeOf(q.range, now);
    add('from', Math.floor(from));
    add('to', Math.ceil(to));
  }
  switch (q.api) {
    case 'series':
      add('metric', q.metric); add('grain', q.grain); add('agg', q.agg); add('compare', q.compare);
      return '/api/v1/series?' + p;
    case 'breakdown':
      add('metric', q.metric); add('by', q.by || 'children'); add('agg', q.agg);
      return '/api/v1/breakdown?' + p;
    case 'top':
      add('metric', q.metric); add('n', q.n || 10); add('agg', q.agg); add('entity_type', q.entity_type);
      return '/api/v1/top?' + p;
    case 'latest':
      add('metric', q.metric); add('entity_type', q.entity_type); add('limit', q.limit || 1000);
      return '/api/v1/latest?' + p;
    case 'summary':
      add('entity_type', q.entity_type); add('by', q.by); add('sum', q.sum); add('recent', q.recent);
      add('limit', q.limit);
      return '/api/v1/summary?' + p;
    case 'sources':
      return '/api/v1/sources';
    case 'orders':
      return '/api/v1/cockpit/orders?' + p;
    case 'alerts':
      add('state', q.state); add('limit', q.limit || 20);
      return '/api/v1/alerts?' + p;
    case 'counts': // a register's counts (never a person): the case statistics
      add('program', q.program);
      return COUNTS[q.of] + '?' + p;
    case 'region': // the region itself, with its outline (value "area")
      return '/api/v1/regions/' + String(region).split('/').map(encodeURIComponent).join('/');
    default:
      throw new Error('unknown api ' + q.api);
  }
}

// Area of a GeoJSON polygon or multipolygon in km² (spherical excess is
// negligible at a block's size: an equirectangular projection at its latitude).
export function areaKm2(geom) {
  const R = 6371.0088;
  const ring = (cs) => {
    const lat0 = cs.reduce((a, c) => a + c[1], 0) / cs.length * Math.PI / 180;
    let s = 0;
    for (let i = 0; i < cs.length; i++) {
      const [x1, y1] = cs[i], [x2, y2] = cs[(i + 1) % cs.length];
      s += (x1 * Math.cos(lat0)) * y2 - (x2 * Math.cos(lat0)) * y1;
    }
    return Math.abs(s) / 2 * (Math.PI / 180) ** 2 * R * R;
  };
  const poly = (p) => ring(p[0]) - p.slice(1).reduce((a, h) => a + ring(h), 0);
  if (!geom) return null;
  if (geom.type === 'Polygon') return poly(geom.coordinates);
  if (geom.type === 'MultiPolygon') return geom.coordinates.reduce((a, p) => a + poly(p), 0);
  return null;
}

// ---- labels that stay apart when they must be shortened ----

// A label's width in em, estimated: CJK and full-width characters one em,
// the others 0.6 (a little over an average Latin letter, so a label cut to
// this estimate is not cut again by the chart). Pages measure with a canvas.
export function emWidth(s) {
  let w = 0;
  for (const c of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(c) ? 1 : 0.6;
  return w;
}

const WORD = /[\p{L}\p{N}]/u;
const CJK = /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff]/u;

// Where each name's distinguishing part begins, in code points: past the
// longest prefix it shares with another (different) name of the list, moved
// back to the start of that word or number ("No. 13" against "No. 15"
// keeps "13", not "3"), and one word further when what is left is a short
// token ("Building A" rather than "A"; "No. 3" rather than "3").
export function distinctStarts(names) {
  const cs = names.map((n) => Array.from(n || ''));
  return cs.map((a, i) => {
    let p = 0;
    cs.forEach((b, j) => {
      if (j === i || names[j] === names[i]) return;
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      p = Math.max(p, k);
    });
    const word = (c) => WORD.test(c) && !CJK.test(c);
    // back to the start of the word or number p falls in, or ends (a name
    // that is another's prefix: its last word)
    while (p > 0 && word(a[p - 1]) && (p === a.length || word(a[p]))) p--;
    if (p > 0 && a.length - p <= 3) {
      let q = p;
      while (q > 0 && !WORD.test(a[q - 1])) q--; // the space or the dot before it
      while (q > 0 && word(a[q - 1])) q--; // the word before
      if (q > 0 && !word(a[q]) && CJK.test(a[q - 1])) q--; // (CJK: one character back)
      p = q;
    }
    return p;
  });
}

/**
 * The names shortened to `max` (in the units of `measure`, em by default)
 * so that different names stay different: a name that fits is kept; a
 * longer one keeps its distinguishing tail (distinctStarts) and as much of
 * its head as fits, with an ellipsis between ("Xintiandi…No. 3"); a tail too
 * long for the room is itself cut at its end ("…No. 3 North…"). Returns
 * an array of labels, one per name.
 */
export function shortLabels(names, max, measure = emWidth) {
  const starts = distinctStarts(names);
  return names.map((name, i) => {
    const n = name || '';
    if (measure(n) <= max) return n;
    const a = Array.from(n);
    const tail = a.slice(starts[i]).join('');
    const fit = (k, s) => { // the longest s(k..0) that fits
      for (; k > 0; k--) if (measure(s(k)) <= max) return s(k);
      return s(0);
    };
    if (starts[i] === 0 || measure('…' + tail) > max) {
      // no shared head, or a tail longer than the room: keep what can be
      // kept from the distinguishing part's start
      const from = starts[i];
      const b = a.slice(from);
      return fit(b.length, (k) => (from ? '…' : '') + b.slice(0, k).join('').trimEnd() + '…');
    }
    return fit(starts[i], (k) => a.slice(0, k).join('').trimEnd() + '…' + tail);
  });
}

// ---- a period that has just begun ----

/**
 * For a KPI over a running calendar period (range 'month', or 'ytd' in its
 * first month), the mark that says its value is so far, not a fall: e.g.
 * {zh: '本月至今 · 第2天', en: 'month to date · day 2', day: 2}. null when
 * the range needs none ('today' says so itself; rolling ranges are whole).
 */
export function soFar(range, now = Date.now()) {
  const dayOf = (start) => Math.floor((localMidnight(now) - start) / DAY) + 1;
  if (range === 'month') {
    const d = dayOf(monthStart(now));
    return { zh: `本月至今 · 第${d}天`, en: `month to date · day ${d}`, day: d };
  }
  if (range === 'ytd') {
    const d = dayOf(yearStart(now));
    if (d > 31) return null;
    return { zh: `今年至今 · 第${d}天`, en: `year to date · day ${d}`, day: d };
  }
  return null;
}
