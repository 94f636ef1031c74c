// The dispatch desk's triage with the test clock: priority from the matter,
// the alert's severity and the creator, changed by a dispatcher (audited);
// the queue sorted by priority then waiting time; the "dispatch within"
// deadline supervised, escalated and reset at dispatch; duplicates only for
// the same entity or within 50 m when no different entity is named, with
// the reason; search and date range; scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deskWorld, MIN, XTD } from './lib/dispatch.mjs';

let w;
// two restaurants of Xintiandi (about 10 m apart)
const R1 = 'xtd-ent-0063';
const R2 = 'xtd-ent-0067';
const R1POS = { lon: 120.18212, lat: 30.309399 };

before(async () => { w = await deskWorld(); });
after(async () => { await w?.close(); });

const advance = (minutes) => w.step(minutes);
const create = (body, who, status) => w.create(body, who, status);

const queue = async (who = 'disp', extra = '') =>
  (await w.ok(who, 'GET', `/api/v1/orders?state=open&sort=priority&limit=500${extra}`)).orders;

test('priority: from the matter, from the alert severity, asked by the creator; pending deadline by priority', async () => {
  const light = (await create({ matter: 'street_facility', title: '路灯不亮', lon: 120.17, lat: 30.30 })).order;
  assert.equal(light.priority, 'normal');
  assert.equal(Date.parse(light.pending_due) - Date.parse(light.created), 60 * MIN, 'normal: 60 min');
  const elev = (await create({ matter: 'elevator_fault', title: '电梯困人', entity: 'xtd-elev-002' })).order;
  assert.equal(elev.priority, 'critical', 'the matter says critical');
  assert.equal(Date.parse(elev.pending_due) - Date.parse(elev.created), 3 * MIN, 'the matter says 3 min');
  assert.equal(elev.entity_name_zh, '新天地公寓1幢电梯2号');
  assert.equal(elev.region_name_zh.length > 0, true);
  const asked = (await create({ matter: 'noise_disturbance', priority: 'high', lon: 120.15, lat: 30.28 })).order;
  assert.equal(asked.priority, 'high');
  assert.equal(Date.parse(asked.pending_due) - Date.parse(asked.created), 15 * MIN, 'high: 15 min');
  const bad = await w.call('disp', 'POST', '/api/v1/orders', { region: XTD, matter: 'noise_disturbance', priority: 'urgent' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'priority');
  // a critical alert on a normal matter makes a critical order
  const rec = (entity, metric, ts, value) => ({ entity, metric, ts, value });
  await w.feed('elevator_safety', [rec('xtd-elev-003', 'elevator_alarms', w.t, 1)]);
  const a = await w.alerts('elevator_entrapment', 'xtd-elev-003');
  assert.equal(a.length, 1);
  assert.equal(a[0].severity, 'critical');
  assert.equal((await w.order(a[0].order)).order.priority, 'critical', 'the rule\'s own order');
  const fromAlert = await w.ok('disp', 'POST', `/api/v1/alerts/${a[0].id}/order`, { matter: 'street_facility' }, 201)
    .catch(async () => w.ok('disp', 'POST', `/api/v1/alerts/${a[0].id}/order`, { matter: 'street_facility' }, 200));
  assert.equal((await w.order(fromAlert.order)).order.priority, 'critical', 'severity beats a normal matter');
});

test('queue: priority first, then the longest waiting; a dispatcher changes priority, audited', async () => {
  await advance(1);
  const old = (await create({ matter: 'street_facility', title: 'old light', lon: 120.16, lat: 30.29 })).order;
  await advance(1);
  const crit = (await create({ matter: 'elevator_fault', title: 'new critical', lon: 120.161, lat: 30.291 })).order;
  await advance(1);
  const newer = (await create({ matter: 'street_facility', title: 'newer light', lon: 120.162, lat: 30.292 })).order;
  let q = await queue();
  const rank = (id) => q.findIndex((o) => o.id === id);
  assert.ok(rank(crit.id) >= 0 && rank(old.id) >= 0 && rank(newer.id) >= 0);
  assert.ok(rank(crit.id) < rank(old.id), 'critical above normal although newer');
  assert.ok(rank(old.id) < rank(newer.id), 'same priority: the longest waiting first');
  const pr = q.map((o) => ({ critical: 1, high: 2, normal: 3 })[o.priority]);
  assert.deepEqual(pr, [...pr].sort((x, y) => x - y), 'sorted by priority');
  // an officer cannot, a dispatcher can; the timeline records it
  let r = await w.call('um', 'POST', `/api/v1/orders/${newer.id}/priority`, { priority: 'critical' });
  assert.equal(r.status, 403);
  r = await w.call('disp', 'POST', `/api/v1/orders/${newer.id}/priority`, { priority: 'bogus' });
  assert.equal(r.status, 400);
  const up = await w.ok('disp', 'POST', `/api/v1/orders/${newer.id}/priority`, { priority: 'critical', note: '群众反映有人被困' });
  assert.equal(up.order.priority, 'critical');
  assert.equal(Date.parse(up.order.pending_due) - Date.parse(up.order.created), 5 * MIN, 'critical default: 5 min');
  const ev = up.timeline.find((e) => e.action === 'prioritize');
  assert.ok(ev, JSON.stringify(up.timeline));
  assert.equal(ev.actor, 'disp');
  assert.equal(ev.note, '群众反映有人被困');
  assert.deepEqual(typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data, { from: 'normal', to: 'critical' });
  r = await w.call('disp', 'POST', `/api/v1/orders/${newer.id}/priority`, { priority: 'critical' });
  assert.equal(r.status, 409, 'already critical');
  // a note with quotes, a backslash and Chinese comes back as written, the
  // event's data as an object, from the order's stored history
  const odd = 'he said "stuck" \\ 电梯\\"困人"\n第二行';
  await w.ok('disp', 'POST', `/api/v1/orders/${old.id}/priority`, { priority: 'high', note: odd });
  const hist = (await w.order(old.id, 'disp')).timeline.filter((e) => e.action === 'prioritize');
  assert.equal(hist.length, 1, JSON.stringify(hist));
  assert.equal(hist[0].note, odd);
  assert.deepEqual(hist[0].data, { from: 'normal', to: 'high' });
  await w.ok('disp', 'POST', `/api/v1/orders/${old.id}/priority`, { priority: 'normal', note: odd + '…' });
  const back = (await w.order(old.id, 'disp')).timeline.filter((e) => e.action === 'prioritize');
  assert.deepEqual(back.map((e) => [e.note, e.data]),
    [[odd, { from: 'normal', to: 'high' }], [odd + '…', { from: 'high', to: 'normal' }]]);
  q = await queue();
  assert.ok(rank(newer.id) < rank(old.id), 'raised above the older normal order');
  assert.ok(rank(crit.id) < rank(newer.id), 'among criticals, the longest waiting first');
  // the priority queue is one page: no cursor
  r = await w.call('disp', 'GET', '/api/v1/orders?sort=priority&cursor=o10');
  assert.equal(r.status, 400);
  r = await w.call('disp', 'GET', '/api/v1/orders?sort=sideways');
  assert.equal(r.status, 400);
});

test('pending SLA: a critical order not dispatched in time is supervised, then escalated; dispatch clears it', async () => {
  const o = (await create({ matter: 'elevator_fault', title: '困人待派', lon: 120.171, lat: 30.301 })).order;
  const calm = (await create({ matter: 'street_facility', title: '路灯待派', lon: 120.172, lat: 30.302 })).order;
  await advance(2);
  assert.equal((await w.order(o.id)).order.supervised, false, 'not late yet');
  await advance(2); // 4 min > 3 min
  let d = await w.order(o.id);
  assert.equal(d.order.supervised, true);
  assert.equal(d.order.overdue, true);
  const sup = d.timeline.find((e) => e.action === 'supervise');
  assert.match(sup.note, /dispatch deadline/);
  assert.equal((await w.order(calm.id)).order.supervised, false, 'normal: 60 min');
  await advance(61);
  d = await w.order(o.id);
  assert.equal(d.order.escalated, true, 'still waiting an hour after supervision');
  assert.equal(d.order.escalated_to, 'gongshu/dongxin');
  assert.equal((await w.order(calm.id)).order.supervised, true, 'its own 60 min passed');
  // dispatching starts the department's deadlines afresh
  const after = (await w.act('disp', o.id, 'dispatch', { departments: ['fire'] })).order;
  assert.equal(after.supervised, false);
  assert.equal(after.escalated, false);
  // a returned order waits on the desk again, with a new deadline
  const p = (await create({ matter: 'illegal_parking', lon: 120.173, lat: 30.303 })).order;
  await w.act('disp', p.id, 'dispatch');
  await advance(5);
  const ret = (await w.act('tp', p.id, 'return', { note: '不归我们管' })).order;
  assert.equal(ret.state, 'returned');
  assert.equal(Date.parse(ret.pending_due), w.t + 60 * MIN);
  await advance(59);
  assert.equal((await w.order(p.id)).order.supervised, false);
  await advance(2);
  assert.equal((await w.order(p.id)).order.supervised, true);
  // a department late, then returning: the desk's deadline is supervised in its turn
  const q = (await create({ matter: 'illegal_parking', lon: 120.174, lat: 30.304 })).order;
  await w.act('disp', q.id, 'dispatch');
  await advance(16); // accept deadline 15 min
  assert.equal((await w.order(q.id)).order.supervised, true, 'the department was late');
  const back = (await w.act('tp', q.id, 'return', { note: '非本部门职责' })).order;
  assert.equal(back.supervised, false, 'back on the desk: a fresh start');
  assert.equal(back.overdue, true, 'the lateness stays in its history');
  await advance(61);
  const again = await w.order(q.id);
  assert.equal(again.order.supervised, true);
  assert.match(again.timeline.filter((e) => e.action === 'supervise').at(-1).note, /dispatch deadline/);
});

test('duplicates: same entity, or 50 m with no different entity named; the reason is kept', async () => {
  await advance(1);
  const a = (await create({ matter: 'food_safety', title: '后厨脏乱', entity: R1 })).order;
  assert.equal(a.duplicate_of, null);
  // a different restaurant 40 m away: not a duplicate
  const b = (await create({ matter: 'food_safety', title: '另一家', entity: R2, lon: R1POS.lon, lat: R1POS.lat + 0.00036 })).order;
  assert.equal(b.duplicate_of, null, 'two restaurants 40 m apart are two complaints');
  // a different restaurant at 10 m (its own position): still not
  const b2 = (await create({ matter: 'food_safety', entity: R2 })).order;
  assert.equal(b2.duplicate_of, b.id, 'but the same restaurant again is');
  assert.equal(b2.duplicate_reason, 'same_entity');
  // the same restaurant reported from 300 m away (a phone elsewhere): same entity
  const c = (await create({ matter: 'food_safety', entity: R1, lon: R1POS.lon + 0.003, lat: R1POS.lat })).order;
  assert.equal(c.duplicate_of, a.id);
  assert.equal(c.duplicate_reason, 'same_entity');
  const tl = (await w.order(c.id)).timeline[0];
  assert.match(tl.note, /the same entity/);
  // no entity named, 30 m away: near
  const d = (await create({ matter: 'food_safety', lon: R1POS.lon, lat: R1POS.lat + 0.00027 })).order;
  assert.ok(d.duplicate_of === a.id || d.duplicate_of === b.id, JSON.stringify(d));
  assert.equal(d.duplicate_reason, 'nearby');
  // another matter about the same entity: not
  const e = (await create({ matter: 'consumer_dispute', entity: R1 })).order;
  assert.equal(e.duplicate_of, null);
  assert.equal(e.duplicate_reason, null);
});

test('search (title, description, receipt-bearing reporter, entity name) and date range', async () => {
  await advance(60 * 24 * 2);
  const t0 = w.t;
  const x = (await create({ matter: 'environmental_hygiene', title: '垃圾满溢KX1', description: '桶旁堆放', lon: 120.19, lat: 30.32 })).order;
  const y = (await create({ matter: 'consumer_dispute', entity: R1, title: '退款纠纷' })).order;
  const z = (await create({ matter: 'environmental_hygiene', title: '其他', reporter: 'citizen:ABCDEFGH23', lon: 120.195, lat: 30.325 })).order;
  await advance(10);
  const late = (await create({ matter: 'environmental_hygiene', title: '垃圾满溢KX1 again', lon: 120.2, lat: 30.33 })).order;
  await advance(1); // `to` defaults to now, excluded
  const ids = async (qs) => (await w.ok('disp', 'GET', `/api/v1/orders?limit=500&${qs}`)).orders.map((o) => o.id);
  assert.deepEqual(await ids(`q=${encodeURIComponent('垃圾满溢KX1')}`), [late.id, x.id]);
  assert.deepEqual(await ids(`q=${encodeURIComponent('桶旁')}`), [x.id], 'description');
  assert.ok((await ids(`q=${encodeURIComponent('航数餐饮')}`)).includes(y.id), 'entity name (zh)');
  assert.ok((await ids('q=Hangshu')).includes(y.id), 'entity name (en)');
  assert.deepEqual(await ids('q=ABCDEFGH23'), [z.id], 'the receipt');
  const from = new Date(t0).toISOString(), to = new Date(t0 + 5 * MIN).toISOString();
  assert.deepEqual((await ids(`from=${from}&to=${to}`)).sort((p, q) => p - q), [x.id, y.id, z.id]);
  assert.deepEqual(await ids(`q=KX1&from=${new Date(t0 + 5 * MIN).toISOString()}`), [late.id]);
  const r = await w.call('disp', 'GET', '/api/v1/orders?from=yesterday');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'from');
});

test('scope: a street dispatcher\'s queue and search show nothing of other streets', async () => {
  const far = (await create({ matter: 'elevator_fault', title: 'SCOPECHECK far', region: 'gongshu/xiangfu', lon: 120.13, lat: 30.33 })).order;
  const near = (await create({ matter: 'elevator_fault', title: 'SCOPECHECK near', lon: 120.178, lat: 30.311 })).order;
  const q = await queue('disp_dx', '&q=SCOPECHECK');
  assert.deepEqual(q.map((o) => o.id), [near.id]);
  const all = await queue('disp_dx');
  assert.ok(all.every((o) => o.region.startsWith('gongshu/dongxin')), 'only Dongxin');
  assert.ok(!all.some((o) => o.id === far.id));
  const r = await w.call('disp_dx', 'POST', `/api/v1/orders/${far.id}/priority`, { priority: 'high' });
  assert.ok(r.status === 403 || r.status === 404, `${r.status}`);
});
