// web/lib/ in Node, without a browser: time.js shows Asia/Shanghai whatever
// the input's zone, i18n.js keeps one key and takes the old one over once,
// api.js gives every failure one shape. (The pages themselves are driven in
// Chromium by language.test.mjs and the other e2e files.)
// Run: node --test tests/e2e/weblib.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

// A Storage-like map, installed before i18n.js is loaded (it reads at load).
class MemoryStorage {
  constructor(init = {}) { this.m = new Map(Object.entries(init)); }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
}

// A fresh copy of i18n.js over `storage` (a query string makes a new module).
let copies = 0;
async function i18nWith(storage) {
  globalThis.localStorage = storage;
  try {
    return await import(`../../web/lib/i18n.js?copy=${++copies}`);
  } finally {
    delete globalThis.localStorage;
  }
}

test('time.js: Asia/Shanghai for +08:00, Z and epoch ms alike', async () => {
  const { dateTime, shortDateTime, day, clock, weekday, localMidnight } = await import('../../web/lib/time.js');
  assert.equal(dateTime('2026-05-21T08:30:00+08:00'), '2026-05-21 08:30');
  assert.equal(dateTime('2026-05-20T16:30:00Z'), '2026-05-21 00:30', 'past midnight in Shanghai');
  assert.equal(dateTime(Date.UTC(2026, 11, 31, 16, 5)), '2027-01-01 00:05');
  assert.equal(shortDateTime('2026-11-29T13:05:00+08:00'), '11-29 13:05');
  assert.equal(shortDateTime(null), '—');
  assert.equal(dateTime('', ''), '');
  assert.equal(dateTime('not a time'), '—');
  assert.equal(day(Date.UTC(2026, 4, 20, 23, 0)), '2026-05-21');
  assert.equal(clock(Date.UTC(2026, 4, 20, 23, 0, 7)), '2026-05-21 07:00:07');
  assert.equal(weekday(Date.UTC(2026, 4, 20, 23, 0)), 4, '2026-05-21 is a Thursday in Shanghai (UTC still Wednesday)');
  assert.equal(localMidnight(Date.UTC(2026, 4, 20, 23, 0)), Date.UTC(2026, 4, 20, 16, 0));
});

test('time.js: chart labels, ages and calendar starts in Asia/Shanghai', async () => {
  const { axisLabel, ago, monthStart, yearStart } = await import('../../web/lib/time.js');
  assert.equal(axisLabel('2026-05-21T08:30:00+08:00', 'month'), '2026-05');
  assert.equal(axisLabel('2026-05-20T16:30:00Z', 'day'), '05-21', 'the Shanghai day, not the UTC one');
  assert.equal(axisLabel('2026-05-21T08:30:00+08:00', 'hour'), '08:30');
  assert.equal(axisLabel(null, 'day'), '');
  const now = Date.UTC(2026, 4, 21, 4, 0);
  assert.equal(ago(now - 12e3, now), '12秒前', 'Chinese first');
  assert.equal(ago(new Date(now - 5 * 60e3).toISOString(), now), '5分钟前');
  assert.equal(ago(now - 3 * 3600e3, now), '3小时前');
  assert.equal(ago('2026-05-19T08:30:00+08:00', now), '05-19 08:30', 'a day or more: the time itself');
  // 2026-05-01 00:00 and 2026-01-01 00:00 in Shanghai are the UTC evenings before
  assert.equal(monthStart(Date.UTC(2026, 4, 20, 23, 0)), Date.UTC(2026, 3, 30, 16, 0));
  assert.equal(monthStart(Date.UTC(2026, 4, 20, 23, 0), 11), Date.UTC(2025, 4, 31, 16, 0));
  assert.equal(monthStart(Date.UTC(2026, 3, 30, 17, 0)), Date.UTC(2026, 3, 30, 16, 0), 'already May in Shanghai');
  assert.equal(yearStart(Date.UTC(2025, 11, 31, 17, 0)), Date.UTC(2025, 11, 31, 16, 0), 'already 2026 in Shanghai');
});

test('i18n.js: one key; the old zz_lang taken over once; the new key wins', async () => {
  let s = new MemoryStorage();
  let m = await i18nWith(s);
  assert.equal(m.lang, 'zh', 'Chinese first');
  m.setLang('en');
  assert.equal(m.lang, 'en');
  assert.equal(s.getItem('zz-lang'), 'en');
  assert.equal(m.t('中文', 'English'), 'English');
  assert.equal(m.t('中文', ''), '中文', 'English falls back to Chinese');
  assert.equal(m.pick({ name_zh: '拱墅区', name_en: 'Gongshu' }, 'name'), 'Gongshu');
  assert.equal(m.pick({ name_zh: '拱墅区' }, 'name'), '拱墅区');
  const w = m.words({ busy: ['请稍后', 'Later'], state: { open: ['待办', 'Open'] } });
  assert.equal(w('busy'), 'Later');
  assert.equal(w('state', 'open'), 'Open');
  assert.equal(w('state', 'nope'), undefined);

  s = new MemoryStorage({ zz_lang: 'en' });
  m = await i18nWith(s);
  assert.equal(m.lang, 'en', 'the public pages\' old choice holds');
  assert.equal(s.getItem('zz-lang'), 'en');
  assert.equal(s.getItem('zz_lang'), null, 'the old key is gone');

  s = new MemoryStorage({ 'zz-lang': 'zh', zz_lang: 'en' });
  m = await i18nWith(s);
  assert.equal(m.lang, 'zh', 'a choice under the one key wins');
  assert.equal(s.getItem('zz_lang'), null);

  s = new MemoryStorage({ 'zz-lang': 'fr' });
  assert.equal((await i18nWith(s)).lang, 'zh', 'anything else is Chinese');

  const refusing = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); }, removeItem() {} };
  m = await i18nWith(refusing);
  assert.equal(m.lang, 'zh');
  m.setLang('en'); // switches this page even when it cannot be remembered
  assert.equal(m.lang, 'en');
});

test('api.js: one ApiError for the server\'s error shape, other answers and the network', async () => {
  const { api, ApiError, said } = await import('../../web/lib/api.js');
  const real = globalThis.fetch;
  const answer = (status, body, statusText = '') => async () => new Response(body, { status, statusText });
  try {
    globalThis.fetch = answer(422, JSON.stringify({ error: { code: 'invalid', message: 'name is required', field: 'name' } }));
    let e = await api('/x', { json: {} }).catch((x) => x);
    assert.ok(e instanceof ApiError);
    assert.deepEqual({ status: e.status, code: e.code, message: e.message, field: e.field },
      { status: 422, code: 'invalid', message: 'name is required', field: 'name' });
    assert.equal(said(e, 'fallback'), 'name is required');

    // The sentence in the page's language: message_zh on a Chinese page.
    const i18n = await import('../../web/lib/i18n.js');
    const both = JSON.stringify({ error: { code: 'invalid', message: 'name is required', message_zh: 'name 为必填项', field: 'name' } });
    globalThis.fetch = answer(400, both);
    i18n.setLang('zh');
    assert.equal((await api('/x').catch((x) => x)).message, 'name 为必填项');
    i18n.setLang('en');
    assert.equal((await api('/x').catch((x) => x)).message, 'name is required');
    i18n.setLang('zh');
    // a field of the form is named by its label, in either language
    const { saidOf } = await import('../../web/lib/api.js');
    globalThis.fetch = answer(400, JSON.stringify({ error: { code: 'invalid', message: 'fields.when is required', message_zh: 'fields.when 为必填项', field: 'fields.when' } }));
    e = await api('/x').catch((x) => x);
    assert.equal(saidOf(e, { 'fields.when': '发生时间' }), '「发生时间」为必填项');
    assert.equal(saidOf(e, { 'fields.other': '别的' }), 'fields.when 为必填项', 'a field the form does not have stays as said');
    i18n.setLang('en');
    e = await api('/x').catch((x) => x);
    assert.equal(saidOf(e, { 'fields.when': 'When' }), '"When" is required');
    i18n.setLang('zh');

    globalThis.fetch = answer(502, '<html>bad gateway</html>', 'Bad Gateway');
    e = await api('/x').catch((x) => x);
    assert.deepEqual({ status: e.status, code: e.code, message: e.message, field: e.field },
      { status: 502, code: null, message: 'Bad Gateway', field: null });
    assert.equal(said(e, 'fallback'), 'fallback', 'not the API\'s shape: the page says its own words');

    globalThis.fetch = async () => { throw new TypeError('Failed to fetch'); };
    e = await api('/x').catch((x) => x);
    assert.equal(e.status, 0);
    assert.equal(said(e, 'offline'), 'offline');

    let sent;
    globalThis.fetch = async (url, init) => { sent = init; return new Response('{"ok":1}', { status: 201 }); };
    assert.deepEqual(await api('/x', { json: { a: 1 } }), { ok: 1 });
    assert.equal(sent.method, 'POST');
    assert.equal(sent.headers['Content-Type'], 'application/json');
    assert.equal(sent.body, '{"a":1}');
    assert.equal(sent.credentials, 'same-origin');
    assert.equal('json' in sent, false);

    globalThis.fetch = answer(204, null);
    assert.deepEqual(await api('/x', { method: 'POST' }), {}, 'an empty answer is {}');
  } finally {
    globalThis.fetch = real;
  }
});

// ---- every page takes its tools from web/lib/ ----

const WEB = new URL('../../web/', import.meta.url);

// The page modules (web/**/*.js but lib/ and vendor/) and pages (*.html).
function webFiles(ext, dir = WEB) {
  const out = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    if (d.isDirectory()) {
      if (d.name !== 'vendor') out.push(...webFiles(ext, new URL(d.name + '/', dir)));
    } else if (d.name.endsWith(ext)) {
      out.push(new URL(d.name, dir));
    }
  }
  return out;
}
const rel = (u) => path.relative(WEB.pathname, u.pathname);
const pageModules = () => webFiles('.js').filter((u) => !rel(u).startsWith('lib/'));

// What a page must not write for itself: lib/ has one copy of each.
const OWN_TOOLS = [
  [/\bfetch\(|XMLHttpRequest/, 'a fetch wrapper (lib/api.js: api, putFile)'],
  [/createElement(NS)?\(/, 'an el()-like builder (lib/dom.js: el, svg)'],
  [/\b(function|const|let)\s+(el|api|t|tr|when|fmtTime|shortTime)\b/, 'a copy or alias of a lib/ tool'],
  [/zz[-_]lang|localStorage\.\w+\([^)]*lang/i, 'a language key (lib/i18n.js)'],
  [/data-i18n|dataset\.i18n/, 'a second translation style (data-zh / data-en, t, words, pick)'],
  [/toISOString|toLocale(Date|Time)?String\(\s*\)|\.get(UTC)?(Hours|Minutes|Date|Month|FullYear)\(|\.t\.slice\(/, 'a date formatter (lib/time.js)'],
  [/t\(\.\.\./, 'a [zh, en] table said by hand (lib/i18n.js: words)'],
];

test('page modules write none of lib/\'s tools again and take them from lib/', () => {
  const found = [];
  for (const u of pageModules()) {
    const src = fs.readFileSync(u, 'utf8').split('\n');
    src.forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line)) return;
      for (const [re, what] of OWN_TOOLS) if (re.test(line)) found.push(`${rel(u)}:${i + 1}: ${what}: ${line.trim()}`);
    });
  }
  // cockpit/util.js formats numbers, not dates: toLocaleString('en-US') on a number is allowed
  assert.deepEqual(found.filter((f) => !/util\.js:\d+: a date formatter.*toLocaleString\('en-US'\)/.test(f)), []);
  for (const u of webFiles('.html')) {
    const html = fs.readFileSync(u, 'utf8');
    assert.doesNotMatch(html, /data-i18n/, `${rel(u)}: static text is marked data-zh / data-en`);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${rel(u)}: no inline script (the CSP is script-src 'self')`);
  }
});

// Every named import is exported by the file it names (a page that imports
// a tool its module no longer passes on fails here, not in a visitor's browser).
test('every page module\'s imports resolve to exports', () => {
  const exportsOf = new Map();
  const exported = (u) => {
    if (!exportsOf.has(u.href)) {
      const src = fs.readFileSync(u, 'utf8');
      const names = new Set();
      for (const m of src.matchAll(/export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([\w$]+)/g)) names.add(m[1]);
      for (const m of src.matchAll(/export\s*\{([^}]*)\}/g)) {
        for (const part of m[1].split(',')) if (part.trim()) names.add(part.trim().split(/\s+as\s+/).pop());
      }
      exportsOf.set(u.href, names);
    }
    return exportsOf.get(u.href);
  };
  const missing = [];
  let imports = 0;
  for (const u of webFiles('.js')) {
    const src = fs.readFileSync(u, 'utf8');
    for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
      const target = new URL(m[2], u);
      for (const part of m[1].split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (!name) continue;
        imports++;
        if (!exported(target).has(name)) missing.push(`${rel(u)} imports ${name} from ${m[2]}`);
      }
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(imports > 50, `${imports} imports checked`);
});

test('cockpit util valueText: a status metric\'s value by name, others as number and unit', async () => {
  const { valueText } = await import('../../web/cockpit/util.js');
  const i18n = await import('../../web/lib/i18n.js');
  const lamp = { unit: '', states: [{ value: 1, name_zh: '正常', name_en: 'Working' }, { value: 0, name_zh: '故障', name_en: 'Fault' }] };
  i18n.setLang('zh');
  assert.equal(valueText(lamp, 0), '故障');
  assert.equal(valueText(lamp, 1), '正常');
  assert.equal(valueText(lamp, 0.5), '0.5', 'a value with no name stays a number');
  assert.equal(valueText({ unit: 'µg/m³' }, 21.5), '21.5 µg/m³');
  i18n.setLang('en');
  assert.equal(valueText(lamp, 0), 'Fault');
  i18n.setLang('zh');
});

