// rules.mjs - issue 4 figures: (1) ingest throughput with no rules against
// 1,000 active rules (250 each of threshold, rate, count and absence, all on
// the metric being ingested, the worst case: every record meets every rule),
// and how long the rules thread needs to catch up; (2) the time from an
// offending record's commit (its ingest answer) to its alert and automatic
// work order being visible through the API. Real server, Gongshu pack, temp
// data dirs. Usage: node bench/rules.mjs [--records N] [--batch N]
import { createWorld, GONGSHU_PACK, ndjson } from '../tests/integration/harness.mjs';

process.env.ZZ_TEST_CLOCK = '1'; // only to drain the rules queue on demand; the clock is never pinned
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--records', 400000);
const BATCH = arg('--batch', 50000);

const COUNTERS = Array.from({ length: 8 }, (_, i) => `xtd-ctr-0${i + 1}`);

async function world() {
  const w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow', 'fire_iot'] });
  w.admin = await w.as('admin');
  w.post = async (p, body) => {
    const r = await w.api('POST', p, { cookie: w.admin, body, timeout: 600000 });
    if (r.status >= 300) throw new Error(`${p}: ${r.status} ${r.text}`);
    return r.json;
  };
  return w;
}

function rule(i) {
  const kinds = ['threshold', 'rate', 'count', 'absence'];
  const kind = kinds[i % 4];
  const condition = {
    threshold: { op: 'above', value: 1e6 + i, for_minutes: 5 },
    rate: { op: 'up', percent: 1e6 + i, window_minutes: 30 },
    count: { count: 1e9 + i, window_minutes: 15 },
    absence: { for_minutes: 600 + i },
  }[kind];
  return { id: `bench_${i}`, name_zh: `压测${i}`, name_en: `Bench ${i}`, kind, metric: 'visitors',
    severity: 'info', condition };
}

async function ingestRun(w) {
  const t0 = Date.now() - 3 * 3600e3; // within the last day: the rules evaluate them
  let sent = 0;
  const start = process.hrtime.bigint();
  while (sent < N) {
    const recs = [];
    for (let i = 0; i < BATCH && sent < N; i++, sent++) {
      recs.push({ entity: COUNTERS[sent % COUNTERS.length], metric: 'visitors', ts: t0 + Math.floor(sent / COUNTERS.length) * 1000, value: 50 + (sent % 7) });
    }
    const r = await w.ingest(ndjson(recs), { token: w.tokens.wenlv_flow });
    if (r.status !== 200 || r.json.accepted !== recs.length) throw new Error(`ingest: ${r.status} ${r.text.slice(0, 300)}`);
  }
  const ingestS = Number(process.hrtime.bigint() - start) / 1e9;
  await w.post('/api/v1/_test/clock', {}); // waits until the rules thread has evaluated everything
  const drainedS = Number(process.hrtime.bigint() - start) / 1e9;
  return { ingestS, rate: N / ingestS, drainedS };
}

async function throughput() {
  const base = await world();
  let noRules, withRules;
  try {
    for (const r of (await base.api('GET', '/api/v1/rules', { cookie: base.admin })).json.rules) {
      await base.post(`/api/v1/rules/${r.id}/disable`, {});
    }
    noRules = await ingestRun(base);
  } finally {
    await base.close();
  }
  const w = await world();
  try {
    for (const r of (await w.api('GET', '/api/v1/rules', { cookie: w.admin })).json.rules) {
      await w.post(`/api/v1/rules/${r.id}/disable`, {});
    }
    const t = Date.now();
    for (let i = 0; i < 1000; i++) await w.post('/api/v1/rules', rule(i));
    console.log(`created 1000 rules through the API in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    withRules = await ingestRun(w);
    const h = (await w.api('GET', '/api/v1/alerts?limit=1', { cookie: w.admin })).json;
    console.log(`alerts opened by the bench rules: ${h.alerts.length} (expected 0)`);
  } finally {
    await w.close();
  }
  const drop = (1 - withRules.rate / noRules.rate) * 100;
  console.log(`ingest ${N} records (batches of ${BATCH}), no rules:  ${noRules.rate.toFixed(0)} records/s (${noRules.ingestS.toFixed(2)} s)`);
  console.log(`ingest ${N} records, 1000 rules: ${withRules.rate.toFixed(0)} records/s (${withRules.ingestS.toFixed(2)} s); rules caught up ${withRules.drainedS.toFixed(2)} s after the start`);
  console.log(`throughput drop with 1000 rules: ${drop.toFixed(1)}%`);
}

async function latency() {
  const w = await world();
  const out = [];
  try {
    for (let i = 0; i < 20; i++) {
      const ent = `xtd-fire-${String(i + 10).padStart(2, '0')}`;
      const r0 = await w.ingest(ndjson([{ entity: ent, metric: 'fire_equipment_status', ts: Date.now(), value: 0 }]),
        { token: w.tokens.fire_iot });
      if (r0.status !== 200) throw new Error(r0.text);
      const t0 = process.hrtime.bigint();
      for (;;) {
        const r = await w.api('GET', `/api/v1/alerts?rule=fire_equipment_fault&limit=100`, { cookie: w.admin });
        const a = r.json.alerts.find((x) => x.entity === ent);
        if (a && a.order) break;
        if (Number(process.hrtime.bigint() - t0) > 5e9) throw new Error('no alert within 5 s');
      }
      out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    await w.close();
  }
  out.sort((a, b) => a - b);
  console.log(`commit -> alert + automatic order visible: median ${out[10].toFixed(1)} ms, max ${out.at(-1).toFixed(1)} ms (20 alerts, polling the API)`);
}

await latency();
await throughput();
