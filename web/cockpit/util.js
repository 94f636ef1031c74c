// util.js - what every cockpit module shares: number formats in Chinese
// style (1.3万, 7000万) and the time ranges panels name in dashboards.json,
// computed in Asia/Shanghai. The page tools (language, API, elements,
// times) are imported from lib/ where they are used.
// (Node imports this file too, to compute the panels' URLs for benchmarks.)
import { lang, pick } from '../lib/i18n.js';
import { HOUR, DAY, localMidnight, monthStart, yearStart } from '../lib/time.js';

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
  return `${big(v)}${metric && metric.unit ? ' ' + metric.unit : ''}`;
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
  return [big(n), unit];
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
    default:
      throw new Error('unknown api ' + q.api);
  }
}
