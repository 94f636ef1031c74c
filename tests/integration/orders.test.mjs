// Work orders end to end with the test clock: the full life cycle with its
// timeline, every illegal transition (409 and a sentence), roles and scope,
// joint handling through sub-orders, duplicates and merge, evidence photos,
// rating (回访), SLA supervision and escalation, a restart in the middle of
// the workflow, statistics, and the append-only timeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, rawHttp, show } from './harness.mjs';
import { deskWorld, MIN, XTD } from './lib/dispatch.mjs';

let w;

// Xintiandi block, two points 30 m apart and a third 200 m away.
const P1 = { lon: 120.17900, lat: 30.31200 };
const P2 = { lon: 120.17900, lat: 30.31227 };
const P3 = { lon: 120.18100, lat: 30.31200 };

before(async () => { w = await deskWorld(); });
after(async () => { await w?.close(); });

const advance = (minutes) => w.step(minutes);
const create = (body, who, status) => w.create(body, who, status);

test('full life cycle: reported → dispatched → accepted → in_progress → resolved → verified → closed', async () => {
  const c = await create({ matter: 'illegal_parking', title: '东门违停', description: '消防通道被占', ...P3 });
  const id = c.order.id;
  assert.equal(c.order.state, 'reported');
  assert.equal(c.order.reporter, 'disp');
  assert.deepEqual(c.order.suggested_departments, ['traffic_police']);
  assert.equal(c.order.duplicate_of, null);
  // dispatch without a department takes the suggestion
  let o = (await w.act('disp', id, 'dispatch', { note: '请交警处理' })).order;
  assert.equal(o.state, 'dispatched');
  assert.equal(o.department, 'traffic_police');
  assert.ok(o.accept_due && o.resolve_due);
  assert.equal(Date.parse(o.accept_due) - Date.parse(o.dispatched_at), 15 * MIN);
  await advance(3);
  o = (await w.act('tp', id, 'accept')).order;
  assert.equal(o.state, 'accepted');
  o = (await w.act('tp', id, 'start', { note: '已到场' })).order;
  assert.equal(o.state, 'in_progress');
  o = (await w.act('tp', id, 'resolve', { note: '车辆已拖离' })).order;
  assert.equal(o.state, 'resolved');
  o = (await w.act('disp', id, 'verify')).order;
  assert.equal(o.state, 'verified');
  o = (await w.act('disp', id, 'close', { note: '办结' })).order;
  assert.equal(o.state, 'closed');
  assert.ok(o.closed_at);
  const d = await w.order(id);
  assert.deepEqual(d.timeline.map((e) => [e.action, e.from, e.to, e.actor]), [
    ['create', null, 'reported', 'disp'],
    ['dispatch', 'reported', 'dispatched', 'disp'],
    ['accept', 'dispatched', 'accepted', 'tp'],
    ['start', 'accepted', 'in_progress', 'tp'],
    ['resolve', 'in_progress', 'resolved', 'tp'],
    ['verify', 'resolved', 'verified', 'disp'],
    ['close', 'verified', 'closed', 'disp'],
  ]);
  assert.equal(d.timeline[4].note, '车辆已拖离');
  assert.ok(d.timeline.every((e) => e.ts));
  assert.equal(d.order.overdue, false, 'handled within its SLA');
  // the reporter rates it: happy
  o = (await w.ok('disp', 'POST', `/api/v1/orders/${id}/rate`, { score: 5, note: '满意' })).order;
  assert.equal(o.rating, 5);
  assert.equal(o.state, 'closed');
});

// Every (state, action) pair the machine refuses answers 409 with a sentence.
const ALLOWED = {
  reported: ['dispatch', 'supervise', 'escalate'],
  dispatched: ['accept', 'return', 'supervise', 'escalate'],
  accepted: ['start', 'resolve', 'return', 'supervise', 'escalate'],
  in_progress: ['resolve', 'supervise', 'escalate'],
  resolved: ['verify', 'reopen', 'supervise', 'escalate'],
  verified: ['close', 'reopen', 'supervise', 'escalate'],
  closed: ['reopen'],
  returned: ['dispatch', 'supervise', 'escalate'],
  reopened: ['dispatch', 'supervise', 'escalate'],
};
const ACTIONS = ['dispatch', 'accept', 'start', 'resolve', 'verify', 'close', 'return', 'reopen', 'supervise', 'escalate'];
const PATH = {
  reported: [],
  dispatched: ['dispatch'],
  accepted: ['dispatch', 'accept'],
  in_progress: ['dispatch', 'accept', 'start'],
  resolved: ['dispatch', 'accept', 'resolve'],
  verified: ['dispatch', 'accept', 'resolve', 'verify'],
  closed: ['dispatch', 'accept', 'resolve', 'verify', 'close'],
  returned: ['dispatch', 'return'],
  reopened: ['dispatch', 'accept', 'resolve', 'reopen'],
};

test('every illegal transition is refused with 409 and says why', async () => {
  for (const [state, path] of Object.entries(PATH)) {
    for (const action of ACTIONS) {
      if (ALLOWED[state].includes(action)) continue;
      const id = (await create({ matter: 'environmental_hygiene', ...P3 }, 'admin')).order.id;
      for (const a of path) await w.act('admin', id, a, { note: 'step', ...(a === 'dispatch' ? { department: 'urban_mgmt' } : {}) });
      assert.equal((await w.order(id)).order.state, state);
      const r = await w.call('admin', 'POST', `/api/v1/orders/${id}/actions`, { action, note: 'try' });
      assert.equal(r.status, 409, `${action} on ${state}: ${show(r)}`);
      const e = errorOf(r);
      assert.equal(e.code, 'conflict');
      assert.match(e.message, new RegExp(`order ${id} cannot be \\w+: it is ${state}`), e.message);
      assert.equal((await w.order(id)).order.state, state, 'nothing changed');
    }
  }
  // and every allowed one is taken, to the state the table says
  const NEXT = { dispatch: 'dispatched', accept: 'accepted', start: 'in_progress', resolve: 'resolved',
    verify: 'verified', close: 'closed', return: 'returned', reopen: 'reopened' };
  for (const [state, path] of Object.entries(PATH)) {
    for (const action of ALLOWED[state]) {
      const id = (await create({ matter: 'environmental_hygiene', ...P3 }, 'admin')).order.id;
      for (const a of path) await w.act('admin', id, a, { note: 'step', ...(a === 'dispatch' ? { department: 'urban_mgmt' } : {}) });
      const o = (await w.act('admin', id, action, { note: 'go', ...(action === 'dispatch' ? { department: 'urban_mgmt' } : {}) })).order;
      assert.equal(o.state, NEXT[action] || state, `${action} on ${state}`);
    }
  }
  const id = (await create({ matter: 'environmental_hygiene', ...P3 }, 'admin')).order.id;
  await w.act('admin', id, 'dispatch', { department: 'urban_mgmt' });
  const r = await w.call('admin', 'POST', `/api/v1/orders/${id}/actions`, { action: 'fly' });
  assert.equal(r.status, 400);
  assert.equal(errorOf(r).field, 'action');
});

test('roles: officers act on their department only; returns need a reason; viewers read', async () => {
  const id = (await create({ matter: 'environmental_hygiene', ...P3 })).order.id;
  let r = await w.call('um', 'POST', `/api/v1/orders/${id}/actions`, { action: 'dispatch', department: 'urban_mgmt' });
  assert.equal(r.status, 403, 'officers do not dispatch');
  await w.act('disp', id, 'dispatch', { department: 'urban_mgmt' });
  r = await w.call('tp', 'POST', `/api/v1/orders/${id}/actions`, { action: 'accept' });
  assert.equal(r.status, 403, show(r));
  r = await w.call('tp', 'GET', `/api/v1/orders/${id}`);
  assert.equal(r.status, 403, 'another department does not even see it');
  r = await w.call('viewer', 'POST', `/api/v1/orders/${id}/actions`, { action: 'accept' });
  assert.equal(r.status, 403);
  assert.equal((await w.call('viewer', 'GET', `/api/v1/orders/${id}`)).status, 200);
  r = await w.call('um', 'POST', `/api/v1/orders/${id}/actions`, { action: 'return' });
  assert.equal(r.status, 400, 'a return needs a reason');
  assert.equal(errorOf(r).field, 'note');
  let o = (await w.act('um', id, 'return', { note: '不属于城管职责' })).order;
  assert.equal(o.state, 'returned');
  // back with the dispatcher, who sends it elsewhere
  o = (await w.act('disp', id, 'dispatch', { department: 'community' })).order;
  assert.equal(o.state, 'dispatched');
  assert.equal(o.department, 'community');
  r = await w.call('disp', 'POST', `/api/v1/orders/${id}/actions`, { action: 'dispatch', department: 'ministry_of_magic' });
  assert.equal(r.status, 409, 'already dispatched');
  // officers list only their department's orders
  const um = (await w.ok('um', 'GET', '/api/v1/orders?limit=500')).orders;
  assert.ok(um.every((x) => x.department === 'urban_mgmt' || x.department === null), JSON.stringify(um.map((x) => x.department)));
  assert.equal((await w.call('um', 'GET', '/api/v1/orders?department=police')).status, 403);
  // a dispatcher scoped to Dongxin cannot file orders in Kejipark
  r = await w.call('disp_dx', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: 'gongshu/kejipark' });
  assert.equal(r.status, 403, show(r));
  const before = (await w.ok('admin', 'GET', '/api/v1/orders?limit=500')).orders.length;
  r = await w.call('disp_dx', 'POST', '/api/v1/orders', { matter: 'construction_nuisance', entity: 'kp-site-01' });
  assert.equal(r.status, 403, 'an entity outside the scope: ' + show(r));
  assert.equal((await w.ok('admin', 'GET', '/api/v1/orders?limit=500')).orders.length, before, 'and nothing was created');
  r = await w.call('disp', 'POST', '/api/v1/orders', { matter: 'no_such_matter', region: XTD });
  assert.equal(r.status, 400);
  assert.equal(errorOf(r).field, 'matter');
  r = await w.call('viewer', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD });
  assert.equal(r.status, 403);
});

test('joint handling: one order, a sub-order per department, done when all are done', async () => {
  const id = (await create({ matter: 'bar_activity_approval', title: '联诚清吧周末驻唱活动', entity: 'xtd-bar-01' })).order.id;
  let d = await w.order(id);
  assert.deepEqual(d.order.suggested_departments, ['culture_tourism', 'police', 'fire']);
  assert.equal(d.order.lon, 120.181824, 'position from the entity');
  await w.act('disp', id, 'dispatch', { note: '联办' });
  d = await w.order(id);
  assert.equal(d.order.state, 'dispatched');
  assert.equal(d.sub_orders.length, 3);
  assert.deepEqual(d.sub_orders.map((s) => s.department).sort(), ['culture_tourism', 'fire', 'police']);
  assert.ok(d.sub_orders.every((s) => s.state === 'dispatched' && s.parent === id && s.resolve_due));
  const sub = Object.fromEntries(d.sub_orders.map((s) => [s.department, s.id]));
  // the joint order itself is handled through its sub-orders
  let r = await w.call('admin', 'POST', `/api/v1/orders/${id}/actions`, { action: 'accept' });
  assert.equal(r.status, 409);
  assert.match(errorOf(r).message, /joint order/);
  // each department sees and handles its own, in parallel
  r = await w.call('police', 'POST', `/api/v1/orders/${sub.fire}/actions`, { action: 'accept' });
  assert.equal(r.status, 403);
  await w.act('police', sub.police, 'accept');
  assert.equal((await w.order(id)).order.state, 'in_progress', 'the first acceptance starts the joint order');
  await w.act('fire', sub.fire, 'accept');
  await w.act('ct', sub.culture_tourism, 'accept');
  await w.act('fire', sub.fire, 'resolve', { note: '消防通道合格' });
  await w.act('police', sub.police, 'resolve', { note: '已备案' });
  assert.equal((await w.order(id)).order.state, 'in_progress', 'two of three done');
  await w.act('ct', sub.culture_tourism, 'resolve', { note: '同意' });
  d = await w.order(id);
  assert.equal(d.order.state, 'resolved', 'all three done');
  assert.equal(d.timeline.at(-1).actor, 'system');
  // sub-orders are verified and closed with the joint order
  r = await w.call('disp', 'POST', `/api/v1/orders/${sub.fire}/actions`, { action: 'verify' });
  assert.equal(r.status, 409);
  await w.act('disp', id, 'verify');
  await w.act('disp', id, 'close');
  d = await w.order(id);
  assert.equal(d.order.state, 'closed');
  assert.ok(d.sub_orders.every((s) => s.state === 'closed'));
  // the police officer's list holds the sub-order
  const pol = (await w.ok('police', 'GET', '/api/v1/orders?limit=500')).orders.map((x) => x.id);
  assert.ok(pol.includes(sub.police));
  // explicit departments make any order joint
  const id2 = (await create({ matter: 'environmental_hygiene', ...P3 })).order.id;
  await w.act('disp', id2, 'dispatch', { departments: ['urban_mgmt', 'community'] });
  assert.equal((await w.order(id2)).sub_orders.length, 2);
});

test('duplicates: same matter within 50 m and 24 h is flagged; merge tells both reporters', async () => {
  const a = (await create({ matter: 'noise_disturbance', title: '酒吧噪音', ...P1 }, 'disp')).order;
  const b = (await create({ matter: 'noise_disturbance', title: '又是噪音', ...P2 }, 'admin')).order;
  assert.equal(b.duplicate_of, a.id, '30 m away: a likely duplicate');
  const c = (await create({ matter: 'noise_disturbance', ...P3 })).order;
  assert.equal(c.duplicate_of, null, '200 m away: not');
  const d = (await create({ matter: 'environmental_hygiene', ...P2 })).order;
  assert.equal(d.duplicate_of, null, 'another matter: not');
  // noise in Xintiandi routes to the community grid (the matter's region route)
  assert.deepEqual(a.suggested_departments, ['community']);
  // merge b into a
  let r = await w.call('um', 'POST', `/api/v1/orders/${b.id}/merge`, { into: a.id });
  assert.equal(r.status, 403, 'dispatchers merge');
  const m = await w.ok('disp', 'POST', `/api/v1/orders/${b.id}/merge`, { into: a.id, note: '同一酒吧' });
  assert.equal(m.order.state, 'merged');
  assert.equal(m.order.merged_into, a.id);
  assert.equal(m.outcome.id, a.id);
  r = await w.call('disp', 'POST', `/api/v1/orders/${b.id}/merge`, { into: a.id });
  assert.equal(r.status, 409, 'a merged order is no longer open');
  const ad = await w.order(a.id);
  assert.deepEqual(ad.order.reporters, ['disp', 'admin']);
  assert.deepEqual(ad.merged.map((x) => x.id), [b.id]);
  // a's outcome reaches b's timeline
  await w.act('disp', a.id, 'dispatch');
  await w.act('admin', a.id, 'accept');
  await w.act('admin', a.id, 'resolve', { note: '已责令整改' });
  await w.act('disp', a.id, 'verify');
  await w.act('disp', a.id, 'close', { note: '办结' });
  const bd = await w.order(b.id);
  const outcome = bd.timeline.filter((e) => e.action === 'outcome');
  assert.equal(outcome.length, 2, JSON.stringify(bd.timeline));
  assert.match(outcome.at(-1).note, new RegExp(`order ${a.id}.*closed`));
  assert.equal(bd.outcome.state, 'closed');
  // both reporters may rate; an unhappy rating reopens it
  const rated = await w.ok('admin', 'POST', `/api/v1/orders/${a.id}/rate`, { score: 1, note: '还是很吵' });
  assert.equal(rated.order.state, 'reopened');
  assert.equal(rated.timeline.at(-1).action, 'reopen');
  r = await w.call('um', 'POST', `/api/v1/orders/${a.id}/rate`, { score: 5 });
  assert.equal(r.status, 403, 'not a reporter');
  r = await w.call('admin', 'POST', `/api/v1/orders/${a.id}/rate`, { score: 9 });
  assert.equal(r.status, 400);
  r = await w.call('admin', 'POST', `/api/v1/orders/${a.id}/rate`, { score: 4 });
  assert.equal(r.status, 409, 'a reopened order is not ready to rate');
});

// a 1x1 PNG and the start of a JPEG
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082', 'hex');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]);

test('evidence: photos checked by content, size-capped, stored and served', async () => {
  const id = (await create({ matter: 'street_facility', ...P3 })).order.id;
  await w.act('disp', id, 'dispatch');
  await w.act('um', id, 'accept');
  const up = async (who, body, type = 'image/png', q = '') =>
    w.api('POST', `/api/v1/orders/${id}/evidence${q}`, { cookie: await w.u(who), body, headers: { 'Content-Type': type } });
  let r = await up('um', PNG, 'image/png', '?note=' + encodeURIComponent('修复后'));
  assert.equal(r.status, 201, show(r));
  const e1 = r.json.evidence;
  r = await up('um', JPEG, 'image/jpeg');
  assert.equal(r.status, 201, show(r));
  r = await up('um', Buffer.from('GIF89a not allowed'), 'image/png');
  assert.equal(r.status, 415, 'the type is checked by content, not by the header');
  // over the cap: refused from the head, before the body is read
  const big = await rawHttp(w.server.port, `POST /api/v1/orders/${id}/evidence HTTP/1.1\r\nHost: x\r\n` +
    `Cookie: ${await w.u('um')}\r\nContent-Type: image/png\r\nContent-Length: ${5 * 1024 * 1024 + 1}\r\n\r\n`);
  assert.equal(big.status, 413, big.text);
  r = await up('tp', PNG);
  assert.equal(r.status, 403, 'another department');
  await w.act('um', id, 'resolve', { note: '灯已修复，见照片' });
  const d = await w.order(id);
  assert.equal(d.evidence.length, 2);
  assert.equal(d.evidence[0].mime, 'image/png');
  assert.equal(d.evidence[0].note, '修复后');
  assert.equal(d.evidence[1].mime, 'image/jpeg');
  assert.ok(d.timeline.some((x) => x.action === 'evidence'));
  r = await fetch(w.base + e1.url, { headers: { Cookie: await w.u('disp') } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  // it needed a login: no cache keeps it, the browser's included (nothing
  // of it stays on the machine after a logout)
  assert.equal(r.headers.get('cache-control'), 'private, no-store');
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), PNG);
});

test('SLA: overdue orders are supervised, then escalated; timers survive a restart', async () => {
  // illegal_parking: accept within 15 min, resolve within 120 min; escalation 60 min after supervision
  const late = (await create({ matter: 'illegal_parking', ...P3 })).order.id;
  await w.act('disp', late, 'dispatch');
  const later = (await create({ matter: 'illegal_parking', lon: 120.1760, lat: 30.3100 })).order.id;
  await advance(10);
  await w.act('disp', later, 'dispatch'); // accept due 10 min after `late`'s
  const ontime = (await create({ matter: 'illegal_parking', lon: 120.1770, lat: 30.3090 })).order.id;
  await w.act('disp', ontime, 'dispatch');
  await w.act('tp', ontime, 'accept');
  await advance(6); // 16 min after `late` was dispatched
  let o = (await w.order(late)).order;
  assert.equal(o.overdue, true);
  assert.equal(o.supervised, true);
  assert.equal(o.escalated, false);
  assert.equal((await w.order(later)).order.supervised, false, 'not late yet');
  assert.equal((await w.order(ontime)).order.overdue, false);
  const overdue = (await w.ok('disp', 'GET', '/api/v1/orders?overdue=1&limit=500')).orders.map((x) => x.id);
  assert.ok(overdue.includes(late) && !overdue.includes(ontime), JSON.stringify(overdue));
  const tl = (await w.order(late)).timeline.at(-1);
  assert.equal(tl.action, 'supervise');
  assert.equal(tl.actor, 'system');
  // restart with both timers pending: `later`'s supervision and `late`'s escalation
  await w.restart();
  await w.at(w.t); // the clock is the server's: pin it again after the restart
  assert.equal((await w.order(late)).order.supervised, true, 'state survived');
  await w.step(10); // `later` is now 16 min past its dispatch
  o = (await w.order(later)).order;
  assert.equal(o.supervised, true, 'a timer set before the restart fired after it');
  assert.equal((await w.order(late)).order.escalated, false);
  await advance(51); // 61 min after `late` was supervised
  o = (await w.order(late)).order;
  assert.equal(o.escalated, true);
  assert.equal(o.escalated_to, 'gongshu/dongxin', 'the street leader of Dongxin');
  assert.equal(o.overdue, true);
  const e = (await w.order(late)).timeline.at(-1);
  assert.equal(e.action, 'escalate');
  assert.match(e.note, /gongshu\/dongxin/);
  // `ontime` was accepted in time but its resolve deadline passes too
  await advance(60);
  assert.equal((await w.order(ontime)).order.overdue, true);
  // a dispatcher supervises and escalates by hand too
  const manual = (await create({ matter: 'environmental_hygiene', ...P3 })).order.id;
  o = (await w.act('disp', manual, 'supervise', { note: '请加快' })).order;
  assert.equal(o.supervised, true);
  o = (await w.act('disp', manual, 'escalate')).order;
  assert.equal(o.escalated, true);
  // work goes on after the restart: the late order is still workable
  await w.act('tp', late, 'accept');
  await w.act('tp', late, 'resolve', { note: '已处理' });
  assert.equal((await w.order(late)).order.state, 'resolved');
});

test('statistics: by state, department and matter; on-time rate; averages; year on year', async () => {
  const s = await w.ok('viewer', 'GET', `/api/v1/orders/stats?from=${w.t - 5 * 86400000}&to=${w.t + 60000}`);
  const byState = Object.fromEntries(s.by_state.map((x) => [x.key, x.count]));
  assert.ok(byState.closed >= 2, JSON.stringify(byState));
  const total = s.by_state.reduce((n, x) => n + x.count, 0);
  assert.equal(s.total.count, total);
  assert.ok(s.by_department.some((x) => x.key === 'traffic_police'));
  assert.ok(s.by_matter.some((x) => x.key === 'illegal_parking' && x.count >= 4));
  assert.ok(s.total.on_time_rate >= 0 && s.total.on_time_rate <= 1);
  assert.ok(s.total.avg_accept_minutes >= 0);
  assert.ok(s.total.avg_close_minutes > 0);
  assert.equal(s.yoy.last_year, 0);
  assert.equal(s.yoy.count, total);
  // the viewer's scope cuts a district-wide ask to Dongxin
  assert.equal(s.region, 'gongshu/dongxin');
});

test('the timeline is append-only: no route changes or deletes an event', async () => {
  const id = (await create({ matter: 'lost_and_found', ...P3 })).order.id;
  for (const [m, p] of [['PUT', `/api/v1/orders/${id}`], ['DELETE', `/api/v1/orders/${id}`],
    ['PATCH', `/api/v1/orders/${id}/actions`], ['DELETE', `/api/v1/orders/${id}/actions`]]) {
    const r = await w.call('admin', m, p, {});
    assert.ok(r.status === 404 || r.status === 405, `${m} ${p}: ${show(r)}`);
  }
  assert.equal((await w.order(id)).timeline.length, 1);
});

test('admin changes to matters are audited and take effect at once', async () => {
  const m = {
    name_zh: '共享单车乱停', name_en: 'Badly parked shared bikes', kind: 'complaint',
    departments: ['urban_mgmt'], sla_accept_minutes: 20, sla_resolve_minutes: 180,
  };
  let r = await w.call('disp', 'PUT', '/api/v1/matters/shared_bikes', m);
  assert.equal(r.status, 403);
  r = await w.call('admin', 'PUT', '/api/v1/matters/shared_bikes', { ...m, departments: ['nobody'] });
  assert.equal(r.status, 400);
  r = await w.call('admin', 'PUT', '/api/v1/matters/shared_bikes', { ...m, kind: 'whim' });
  assert.equal(r.status, 400);
  assert.equal(errorOf(r).field, 'kind');
  await w.ok('admin', 'PUT', '/api/v1/matters/shared_bikes', m, 201);
  await w.ok('admin', 'PUT', '/api/v1/matters/shared_bikes', { ...m, sla_accept_minutes: 10 }, 200);
  const id = (await create({ matter: 'shared_bikes', ...P3 })).order.id;
  const o = (await w.act('disp', id, 'dispatch')).order;
  assert.equal(o.department, 'urban_mgmt');
  assert.equal(Date.parse(o.accept_due) - Date.parse(o.dispatched_at), 10 * MIN);
  const audit = (await w.ok('admin', 'GET', '/api/v1/audit')).audit.filter((x) => x.target === 'shared_bikes');
  assert.deepEqual(audit.map((x) => x.action), ['matter.update', 'matter.create']);
  assert.equal(audit[0].detail.sla_accept_minutes, 10);
  // users saved with the CLI are in the audit too, without their passwords
  const users = (await w.ok('admin', 'GET', '/api/v1/audit?limit=1000')).audit.filter((x) => x.action === 'user.save');
  const tp = users.find((x) => x.target === 'tp');
  assert.deepEqual(tp.detail, { role: 'officer', department: 'traffic_police', scope: null });
  assert.equal(tp.actor, 'cli');
  assert.ok(!JSON.stringify(users).includes('tp-pass'));
});

test('list filters and cursor paging', async () => {
  const all = (await w.ok('disp', 'GET', '/api/v1/orders?limit=500')).orders;
  assert.ok(all.length >= 15);
  assert.ok(all.every((o) => o.parent === null), 'dispatchers see top-level orders');
  const seen = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const j = await w.ok('disp', 'GET', `/api/v1/orders?limit=4${cursor ? '&cursor=' + cursor : ''}`);
    seen.push(...j.orders.map((o) => o.id));
    if (!j.next_cursor) break;
    cursor = j.next_cursor;
  }
  assert.deepEqual(seen, all.map((o) => o.id));
  const closed = (await w.ok('disp', 'GET', '/api/v1/orders?state=closed&limit=500')).orders;
  assert.ok(closed.length >= 2 && closed.every((o) => o.state === 'closed'));
  const open = (await w.ok('disp', 'GET', '/api/v1/orders?state=open&limit=500')).orders;
  assert.ok(open.every((o) => o.state !== 'closed' && o.state !== 'merged'));
  const ip = (await w.ok('disp', 'GET', '/api/v1/orders?matter=illegal_parking&limit=500')).orders;
  assert.ok(ip.length >= 4 && ip.every((o) => o.matter === 'illegal_parking'));
  const tp = (await w.ok('disp', 'GET', '/api/v1/orders?department=traffic_police&limit=500')).orders;
  assert.ok(tp.length >= 4 && tp.every((o) => o.department === 'traffic_police'));
  const kp = (await w.ok('disp', 'GET', '/api/v1/orders?region=gongshu/kejipark&limit=500')).orders;
  assert.equal(kp.length, 0);
  assert.equal((await w.call('disp', 'GET', '/api/v1/orders?state=lost')).status, 400);
  assert.equal((await w.call('disp', 'GET', '/api/v1/orders?cursor=zzz')).status, 400);
});
