#!/usr/bin/env node
// errmsgs.mjs - finds every error sentence the C code can send to a user (the
// format strings of zz_fail, http_fail, check_fail, check_fail_code,
// ingest_report, ingest_say, ingest_reject and the pack loader's fail_at) and
// checks that each has a Chinese sentence in the catalog
// (src/core/msg_zh*.c) with the same conversions in the same order.
//   node scripts/errmsgs.mjs            check; exit 1 with the gaps listed
//   node scripts/errmsgs.mjs --list     print every format, one per line
//   node scripts/errmsgs.mjs --missing  print the formats with no Chinese, as C entries
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const CALLS = { zz_fail: 3, http_fail: 3, check_fail: 2, check_fail_code: 3, ingest_report: 3, set_early: 3, fail_at: 4, ingest_say: 1, ingest_reject: 3 };

function walk(dir, out = []) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.c')) out.push(p);
  }
  return out;
}

// Splits the argument list that starts after "(" at i; returns [args, end].
function args(src, i) {
  const out = [];
  let depth = 0, cur = '';
  for (; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (src[j] !== ch) j += src[j] === '\\' ? 2 : 1;
      cur += src.slice(i, j + 1);
      i = j;
      continue;
    }
    if (ch === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i) + 1; continue; }
    if (ch === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); continue; }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) { out.push(cur.trim()); return [out, i]; }
      depth--;
    }
    if (ch === ',' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  return [out, i];
}

// The C string a run of adjacent literals makes, or null when arg is not one.
export function literal(arg) {
  let s = '', rest = arg.trim();
  if (!rest.startsWith('"')) return null;
  while (rest.startsWith('"')) {
    let j = 1;
    while (rest[j] !== '"') j += rest[j] === '\\' ? 2 : 1;
    s += JSON.parse('"' + rest.slice(1, j).replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'") + '"');
    rest = rest.slice(j + 1).trim();
  }
  return rest === '' ? s : null;
}

// The conversions of a printf format, in order ("%s", "%zu", "%.80s" -> "s", "zu", "s").
export function conversions(fmt) {
  const out = [];
  const re = /%([-+ #0]*)(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t|L)?([diouxXeEfgGcspn%])/g;
  let m;
  while ((m = re.exec(fmt))) {
    if (m[6] === '%') continue;
    if (m[2] === '*') out.push('*');
    if (m[4] === '*') out.push('.*');
    out.push((m[5] || '') + m[6]);
  }
  return out.join(',');
}

export function formats() {
  const found = [];
  for (const file of walk(join(root, 'src'))) {
    const src = readFileSync(file, 'utf8');
    const defines = {};
    for (const m of src.replace(/\\\n/g, ' ').matchAll(/^#define\s+(\w+)\s+("(?:[^"\\]|\\.)*")\s*$/gm)) defines[m[1]] = literal(m[2]);
    for (const [fn, at] of Object.entries(CALLS)) {
      const re = new RegExp(`(?<![\\w.>])${fn}\\(`, 'g');
      let m;
      while ((m = re.exec(src))) {
        const before = src.slice(Math.max(0, m.index - 12), m.index);
        if (/\b(int|void)\s+$/.test(before)) continue; // the declaration or definition
        const [a] = args(src, m.index + m[0].length);
        const line = src.slice(0, m.index).split('\n').length;
        const where = `${relative(root, file)}:${line}`;
        const raw = a[at];
        if (raw === undefined) continue;
        let fmt = literal(raw);
        if (fmt === null && defines[raw] !== undefined) fmt = defines[raw];
        // cond ? "a" : "b": both are formats
        const tern = fmt === null && raw.match(/^[^"]*\?\s*((?:"(?:[^"\\]|\\.)*"\s*)+):\s*((?:"(?:[^"\\]|\\.)*"\s*)+)$/);
        if (tern) {
          found.push({ where, fn, fmt: literal(tern[1]), raw });
          found.push({ where, fn, fmt: literal(tern[2]), raw });
          continue;
        }
        found.push({ where, fn, fmt, raw });
      }
    }
  }
  return found;
}

// The error codes' own sentences (ZZ_ERRNO_MAP in core/zz.h): answers fall
// back to them, so they need their Chinese too.
export function codeSentences() {
  const src = readFileSync(join(root, 'src/core/zz.h'), 'utf8');
  return [...src.matchAll(/X\(\w+, \d+, "[^"]*", ("(?:[^"\\]|\\.)*")\)/g)].map((m) => literal(m[1]));
}

export function catalog(dups = []) {
  const map = new Map();
  const dir = join(root, 'src/core');
  for (const n of readdirSync(dir).filter((n) => /^msg_zh.*\.c$/.test(n))) {
    const src = readFileSync(join(dir, n), 'utf8');
    for (const m of src.matchAll(/\{\s*((?:"(?:[^"\\]|\\.)*"\s*)+),\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\}/g)) {
      const en = literal(m[1]), zh = literal(m[2]);
      if (en === null || zh === null) continue;
      if (map.has(en)) dups.push(`${n}: ${JSON.stringify(en)} is also in ${map.get(en).file}`);
      else map.set(en, { zh, file: n });
    }
  }
  return map;
}

// Formats that only carry another sentence along: they need no entry, the
// call site passes the Chinese of what it carries (zz_fail_pair, zz_err_wrap).
const CARRIERS = new Set(['%s']);

if (import.meta.url === `file://${process.argv[1]}`) {
  const mode = process.argv[2] || '';
  const all = [...formats(), ...codeSentences().map((fmt) => ({ where: 'src/core/zz.h', fn: 'ZZ_ERRNO_MAP', fmt, raw: fmt }))];
  const dups = [];
  const cat = catalog(dups);
  if (mode === '--list') {
    for (const f of all) console.log(`${f.where}\t${f.fn}\t${f.fmt === null ? '<' + f.raw + '>' : JSON.stringify(f.fmt)}`);
    process.exit(0);
  }
  const gaps = [], bad = [], seen = new Set();
  for (const f of all) {
    if (f.fmt === null) { gaps.push(`${f.where}: ${f.fn} with a format that is not a literal: ${f.raw}`); continue; }
    if (CARRIERS.has(f.fmt)) continue;
    const hit = cat.get(f.fmt);
    if (!hit) {
      if (!seen.has(f.fmt)) gaps.push(mode === '--missing' ? `  {${JSON.stringify(f.fmt)}, ""}, /* ${f.where} */` : `${f.where}: no Chinese for ${JSON.stringify(f.fmt)}`);
      seen.add(f.fmt);
      continue;
    }
    if (conversions(hit.zh) !== conversions(f.fmt))
      bad.push(`${hit.file}: ${JSON.stringify(hit.zh)} has conversions ${conversions(hit.zh)} where ${JSON.stringify(f.fmt)} has ${conversions(f.fmt)}`);
  }
  const used = new Set(all.map((f) => f.fmt));
  const unused = [...cat.keys()].filter((k) => !used.has(k)).map((k) => `${cat.get(k).file}: unused entry ${JSON.stringify(k)}`);
  if (mode === '--missing') { console.log(gaps.join('\n')); process.exit(0); }
  const empty = [...cat.entries()].filter(([, v]) => !v.zh).map(([k, v]) => `${v.file}: no Chinese yet for ${JSON.stringify(k)}`);
  const problems = [...gaps, ...bad, ...new Set(unused), ...dups, ...empty];
  if (problems.length) {
    console.error(problems.join('\n'));
    console.error(`errmsgs: ${problems.length} problem(s); every error sentence needs its Chinese in src/core/msg_zh*.c`);
    process.exit(1);
  }
  console.log(`errmsgs: ok (${all.length} calls, ${cat.size} sentences)`);
}
