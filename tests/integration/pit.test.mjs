// The Hangzhou Center deep pit (issue 13 §4) on the Gongshu pack, with the
// test clock: daily settlement readings of one ground point open one rate
// alarm at the warning level (预警), the same alert rises to the control
// level (控制值) the next day, its automatic order suggests the contractor's
// site team and the metro protection office and is dispatched to both as a
// joint order; a tunnel point past its cumulative alarm level opens at
// "major" at once. The pack's site geometry reaches the cockpit's API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dispatchWorld, minuteNow, MIN } from './lib/dispatch.mjs';

// the campaigns' demo history is not this file's subject and costs half a
// minute a demo start under the sanitizers (demo_campaigns.test covers it)
process.env.ZZ_DEMO_CAMPAIGNS_SCALE = '0';

const DAY = 1440 * MIN;
let w;
let t;

const rec = (entity, metric, ts, value) => ({ entity, metric, ts, value });

before(async () => {
  w = await dispatchWorld();
  t = minuteNow();
  await w.at(t);
});
after(async () => { await w?.close(); });

test('the pack declares the pit: points, three-level rules, the joint matter, the site', async () => {
  const ents = (await w.ok('admin', 'GET', '/api/v1/entities?type=pit_point&limit=100')).entities;
  assert.equal(ents.length, 36);
  // a viewer scoped to Dongxin sees none of them
  assert.equal((await w.ok('viewer', 'GET', '/api/v1/entities?type=pit_point')).entities.length, 0);
  assert.ok(ents.every((e) => e.region === 'gongshu/wulin'), 'every point in Wulin');
  const rules = (await w.ok('admin', 'GET', '/api/v1/rules')).rules.filter((r) => r.entity_type === 'pit_point');
  assert.equal(rules.length, 14); // 7 kinds x (cumulative, a day)
  const rate = rules.find((r) => r.id === 'pit_ground_settlement_rate');
  assert.deepEqual(rate.condition, { op: 'any', per_day: 1.4, window_minutes: 1500 });
  assert.deepEqual(rate.levels, [{ at: 1.7, severity: 'major' }, { at: 2, severity: 'critical' }]);
  const dash = await w.ok('viewer', 'GET', '/api/v1/dashboards');
  const site = dash.sites.find((s) => s.id === 'hz_center_pit');
  assert.equal(site.approximate, true);
  assert.equal(site.outline.length, 5);
  assert.deepEqual(site.lines.map((l) => l.id), ['metro1', 'metro3']);
});

test('a rate alarm opens at the warning level, rises on one alert, and goes to both departments', async () => {
  const P = 'pit-db1';
  const M = 'pit_ground_settlement';
  const R = 'pit_ground_settlement_rate';
  await w.feed('smart_site', [rec(P, M, t, -5.0)]);
  t += DAY; await w.at(t);
  await w.feed('smart_site', [rec(P, M, t, -6.0)]); // 1.0 mm/d: under 1.4
  assert.equal((await w.alerts(R, P)).length, 0);
  t += DAY; await w.at(t);
  await w.feed('smart_site', [rec(P, M, t, -7.5)]); // 1.5 mm/d: 预警
  let a = await w.alerts(R, P);
  assert.equal(a.length, 1, JSON.stringify(a));
  assert.equal(a[0].severity, 'warning');
  assert.equal(a[0].state, 'open');
  assert.match(a[0].message, /变化速率-1\.5mm\/天（限值1\.4mm\/天）/);
  const id = a[0].id;
  assert.ok(a[0].order > 0, 'an automatic work order');
  const o = (await w.order(a[0].order)).order;
  assert.equal(o.matter, 'pit_monitoring_alarm');
  assert.deepEqual(o.suggested_departments, ['pit_contractor', 'metro_protection']);
  // the next day 2.1 mm/d: the same alert rises to the control level
  t += DAY; await w.at(t);
  await w.feed('smart_site', [rec(P, M, t, -9.6)]);
  a = await w.alerts(R, P);
  assert.equal(a.length, 1, 'one alert rising, not one per level');
  assert.equal(a[0].id, id);
  assert.equal(a[0].severity, 'critical');
  assert.match(a[0].message, /限值2mm\/天/);
  assert.equal((await w.alerts('pit_ground_settlement_total', P)).length, 0, '9.6 mm is under 21 mm');
  // the desk dispatches it to both: one sub-order each
  await w.act('disp', o.id, 'dispatch', { departments: o.suggested_departments });
  const j = await w.order(o.id);
  assert.deepEqual(j.sub_orders.map((s) => s.department).sort(), ['metro_protection', 'pit_contractor']);
});

test('a tunnel reading past the alarm level opens at "major" at once', async () => {
  // metro tunnel settlement: control 10 mm, warning below -7, alarm below -8.5
  await w.feed('smart_site', [rec('pit-sc2', 'metro_tunnel_settlement', t, -8.8)]);
  const a = await w.alerts('metro_tunnel_settlement_total', 'pit-sc2');
  assert.equal(a.length, 1);
  assert.equal(a[0].severity, 'major');
  assert.match(a[0].message, /低于-8\.5mm/);
});

// The demo's past (demo.json "past_alarms"): after `zhizhi demo` the pit's
// rate alarms of the excavation exist as they happened, each cleared, with
// its work order resolved by the departments the pack names and closed, every
// step dated in the past and in order; a second start writes none again.
test('zhizhi demo writes the pit\'s past rate alarms, handled and closed, once', { timeout: 240000 }, async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { startServer, request, show, REPO } = await import('./harness.mjs');
  const want = JSON.parse(fs.readFileSync(path.join(REPO, 'scenarios', 'gongshu', 'demo.json'), 'utf8')).past_alarms;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-pit-demo-'));
  const start = async () => {
    const srv = await startServer(['demo', '--data', dir, '--listen', '127.0.0.1:0', '--records', '20000', '--no-live'], { timeout: 120000 });
    const t0 = Date.now();
    while (!/login: admin \/ \S+/.test(srv.stdout()) && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 20));
    const password = srv.stdout().match(/login: admin \/ (\S+)/)[1];
    const r = await request(srv.base, 'POST', '/api/v1/login', { body: { name: 'admin', password } });
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('zz_session=')).split(';')[0];
    const get = async (p) => { const x = await request(srv.base, 'GET', p, { cookie }); assert.equal(x.status, 200, show(x)); return x.json; };
    return { srv, get, cookie };
  };
  const pitAlerts = async (get) => (await get('/api/v1/alerts?region=gongshu/wulin&limit=1000')).alerts
    .filter((a) => a.entity.startsWith('pit-'));
  let s = await start();
  try {
    const now = Date.now();
    const alerts = await pitAlerts(s.get);
    assert.equal(alerts.length, want.alarms.length, JSON.stringify(alerts.map((a) => [a.rule, a.entity])));
    for (const w of want.alarms) {
      const a = alerts.find((x) => x.rule === w.rule && x.entity === w.entity);
      assert.ok(a, `${w.rule} on ${w.entity}`);
      assert.ok(w.rule.endsWith('_rate'), 'a rate-of-change rule');
      assert.equal(a.state, 'cleared');
      assert.equal(a.severity, w.severity);
      assert.equal(a.value, w.value);
      assert.equal(a.acked_by, want.dispatcher);
      const opened = Date.parse(a.opened), cleared = Date.parse(a.cleared);
      // opened on its day, counted back from now in local (+08:00) calendar
      // days (a difference of instants rounds the wrong way late in the
      // day: at 21:16 an alarm of 08:00 four months back is 121.55 days
      // old); one more when midnight passed between the demo and now
      const localDay = (ms) => Math.floor((ms + 8 * 3600e3) / DAY);
      const days = localDay(now) - localDay(opened);
      assert.ok(days === -w.day || days === -w.day + 1, `${w.entity} opened ${days} local days ago, the pack says ${-w.day}`);
      assert.ok(opened < Date.parse(a.acked_at) && Date.parse(a.acked_at) < cleared && cleared < now);
      assert.match(a.message, /变化速率/);
      assert.ok(a.order > 0, 'linked to its work order');
      const o = await s.get(`/api/v1/orders/${a.order}`);
      assert.equal(o.order.state, 'closed');
      assert.equal(o.order.alert, a.id);
      assert.equal(o.order.matter, 'pit_monitoring_alarm');
      const closed = Date.parse(o.order.closed_at);
      assert.ok(Date.parse(o.order.created) >= opened && closed > opened && closed < now, 'closed in the past, after it opened');
      // the timeline: every step in the past, in order
      const ts = o.timeline.map((e) => Date.parse(e.ts));
      assert.deepEqual([...ts].sort((x, y) => x - y), ts);
      assert.ok(ts.every((x) => x < now));
      assert.deepEqual(o.timeline.map((e) => e.action).filter((x) => ['create', 'dispatch', 'verify', 'close'].includes(x)),
        ['create', 'dispatch', 'verify', 'close']);
      // resolved by the departments the pack names, each with its note
      const subs = o.sub_orders.length ? await Promise.all(o.sub_orders.map((x) => s.get(`/api/v1/orders/${x.id}`))) : [o];
      assert.deepEqual(subs.map((x) => x.order.department).sort(), [...w.departments].sort());
      for (const x of subs) {
        const res = x.timeline.find((e) => e.action === 'resolve');
        assert.ok(res, `${x.order.department} resolved`);
        assert.equal(res.note, w.notes[x.order.department]);
        assert.equal(res.actor, want.officers[x.order.department]);
        assert.ok(Date.parse(res.ts) < closed);
        assert.ok(x.timeline.some((e) => e.action === 'accept'));
      }
    }
    // a point's history over the excavation (what /site draws the alarms on)
    const w0 = want.alarms[0];
    const p = await s.get(`/api/v1/entities/${w0.entity}/portrait?days=210`);
    const series = p.series.find((x) => x.points.length === 210);
    assert.ok(series, 'a 210-day series');
    assert.ok(series.points.some((x) => x.v !== null && Date.parse(x.t) < now + w0.day * DAY), 'readings before the alarm');
    for (const q of ['days=0', 'days=401', 'days=x', 'grain=month&days=30']) {
      const r = await request(s.srv.base, 'GET', `/api/v1/entities/${w0.entity}/portrait?${q}`, { cookie: s.cookie });
      assert.equal(r.status, 400, q);
      assert.equal(r.json.error.field, 'days', q);
    }
  } finally {
    const gone = new Promise((r) => s.srv.child.once('exit', r));
    s.srv.child.kill('SIGKILL');
    await gone;
  }
  // a second start on the same data keeps them as they are
  s = await start();
  try {
    assert.equal((await pitAlerts(s.get)).length, want.alarms.length);
  } finally {
    s.srv.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a past alarm naming an unknown entity stops the demo, naming its place, before any is written', { timeout: 120000 }, async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { startServer, REPO } = await import('./harness.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-pit-bad-'));
  const pack = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-pit-pack-'));
  try {
    fs.cpSync(path.join(REPO, 'scenarios', 'gongshu'), pack, { recursive: true, filter: (p) => !p.includes('/tools') });
    const demo = JSON.parse(fs.readFileSync(path.join(pack, 'demo.json'), 'utf8'));
    demo.past_alarms.alarms[2].entity = 'pit-nope';
    fs.writeFileSync(path.join(pack, 'demo.json'), JSON.stringify(demo));
    await assert.rejects(
      startServer(['demo', '--data', dir, '--pack', pack, '--listen', '127.0.0.1:0', '--records', '20000', '--no-live'], { timeout: 90000 }),
      /exited 1 before listening[\s\S]*demo\.json: past_alarms\.alarms\[2\]\.entity: entity "pit-nope" does not exist/);
    // nothing of the past was written: a corrected pack writes them all on the next start
    demo.past_alarms.alarms[2].entity = 'pit-cx9';
    fs.writeFileSync(path.join(pack, 'demo.json'), JSON.stringify(demo));
    const srv = await startServer(['demo', '--data', dir, '--pack', pack, '--listen', '127.0.0.1:0', '--records', '20000', '--no-live'], { timeout: 90000 });
    const gone = new Promise((r) => srv.child.once('exit', r));
    srv.child.kill('SIGKILL');
    await gone;
    assert.match(srv.stderr(), new RegExp(`demo: ${demo.past_alarms.alarms.length} past alarms, handled`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pack, { recursive: true, force: true });
  }
});
