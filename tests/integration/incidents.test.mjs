// incidents.test.mjs - the demo's staged happenings: with the live feed on,
// an incident declared in demo.json "incidents" becomes a record the pack's
// rules turn into a warning (and, for rules that say so, a work order).
// The pack is copied with incidents every second so the test is quick.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, request, show, REPO } from './harness.mjs';

// the campaigns' demo history is not this file's subject and costs half a
// minute a demo start under the sanitizers (demo_campaigns.test covers it)
process.env.ZZ_DEMO_CAMPAIGNS_SCALE = '0';

let dir, pack, srv, cookie;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-incidents-'));
  pack = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-pack-'));
  fs.cpSync(path.join(REPO, 'scenarios', 'gongshu'), pack, { recursive: true, filter: (p) => !p.includes('/tools') });
  const demo = JSON.parse(fs.readFileSync(path.join(pack, 'demo.json'), 'utf8'));
  assert.ok(demo.incidents, 'the Gongshu pack stages incidents');
  demo.incidents.every_s = [1, 1];
  // fire-equipment faults only: their rule opens at once and asks for an order
  demo.incidents.kinds = demo.incidents.kinds.filter((k) => k.metric === 'fire_equipment_status');
  fs.writeFileSync(path.join(pack, 'demo.json'), JSON.stringify(demo));
  srv = await startServer(['demo', '--data', dir, '--pack', pack, '--listen', '127.0.0.1:0', '--records', '20000', '--rate', '20'], { timeout: 60000 });
  const t0 = Date.now();
  while (!/login: admin \/ \S+/.test(srv.stdout()) && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 20));
  const password = srv.stdout().match(/login: admin \/ (\S+)/)[1];
  const r = await request(srv.base, 'POST', '/api/v1/login', { body: { name: 'admin', password } });
  cookie = r.headers.getSetCookie().find((c) => c.startsWith('zz_session=')).split(';')[0];
});
after(async () => {
  if (srv && srv.child.exitCode === null && srv.child.signalCode === null) srv.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(pack, { recursive: true, force: true });
});

test('a staged fire-equipment fault raises the pack rule\'s warning and its work order', async () => {
  let alerts = [];
  // polls until the warning comes (the loop's bound only stops a hang; the rule's
  // latency is bench/rules.mjs's figure)
  for (let i = 0; i < 600 && !alerts.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const r = await request(srv.base, 'GET', '/api/v1/alerts?rule=fire_equipment_fault', { cookie });
    assert.equal(r.status, 200, show(r));
    alerts = r.json.alerts;
  }
  assert.ok(alerts.length >= 1, 'a warning (none after a minute)');
  const a = alerts[0];
  assert.equal(a.severity, 'critical');
  assert.match(a.entity, /fire/);
  let order = null;
  for (let i = 0; i < 600 && !order; i++) {
    const r = await request(srv.base, 'GET', `/api/v1/alerts/${a.id}`, { cookie });
    order = r.json.alert.order;
    if (!order) await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(order, 'the rule asks for an automatic order');
  const o = await request(srv.base, 'GET', `/api/v1/orders/${order}`, { cookie });
  assert.equal(o.status, 200, show(o));
  assert.equal(o.json.order.matter, 'fire_hazard');
});

test('a bad incidents declaration is named and the demo still serves', async () => {
  const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-pack-'));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-incidents-'));
  try {
    fs.cpSync(pack, bad, { recursive: true });
    const demo = JSON.parse(fs.readFileSync(path.join(bad, 'demo.json'), 'utf8'));
    demo.incidents.every_s = [5, 1];
    fs.writeFileSync(path.join(bad, 'demo.json'), JSON.stringify(demo));
    const s = await startServer(['demo', '--data', data, '--pack', bad, '--listen', '127.0.0.1:0', '--records', '1000', '--rate', '5'], { timeout: 60000 });
    const t0 = Date.now();
    while (!/no staged incidents/.test(s.stderr()) && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 20));
    // the demo.json form of the checking kit (core/check.h), as for the series
    assert.match(s.stderr(), /no staged incidents: demo\.json: incidents\.every_s\[1\]: must be a number >= 5, not 1"?\n/); // logfmt quotes the sentence
    const h = await request(s.base, 'GET', '/healthz');
    assert.equal(h.status, 200);
    s.child.kill('SIGKILL');
  } finally {
    fs.rmSync(bad, { recursive: true, force: true });
    fs.rmSync(data, { recursive: true, force: true });
  }
});
