// authz_matrix.test.mjs - who may call what (issue 10, "Trust"): every route
// of the server's own table (`zhizhi routes`) x every kind of caller, with
// the status each must get, the objects being Xintiandi's (outside the
// park-scoped callers' scope). A route in the table without an entry in
// SPEC fails the test, so a new route must say who may call it. Then the
// leaks the matrix cannot show on its own: what a scoped admin may change,
// what officers' streams carry, an order bound to an out-of-scope entity.
//
// Callers: A admin, As admin scoped to the park, D dispatcher, Ds dispatcher
// scoped to the park, Oo officer of the order's department, Ox officer of
// another, V viewer, Vs viewer scoped to the park, Pm park manager (park),
// S a source token, N anonymous.
// Expected: 'ok' = allowed (the body decides: 2xx or 400/404/409, never
// 401/403/5xx), or the exact status (403 refused, 401 not signed in).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, GONGSHU_PACK, USERS, cliOk, request, show } from './harness.mjs';
import { openStream } from './lib/sse.mjs';

process.env.ZZ_PUBLIC_RATE_SCALE = '50'; // every caller here is 127.0.0.1

const XTD = 'gongshu/dongxin/xintiandi';
const PARK = 'gongshu/kejipark';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

const EXTRA = {
  admin_kj: { role: 'admin', scope: PARK, password: 'adminkj-pass-01' },
  disp_all: { role: 'dispatcher', password: 'disp-pass-0001' },
  disp_kj: { role: 'dispatcher', scope: PARK, password: 'dispkj-pass-01' },
  off_um: { role: 'officer', department: 'urban_mgmt', password: 'um-pass-00001' },
  off_tp: { role: 'officer', department: 'traffic_police', password: 'tp-pass-00001' },
  view_all: { role: 'viewer', password: 'view-pass-0001' },
  view_kj: { role: 'viewer', scope: PARK, password: 'viewkj-pass-01' },
};
const LOGIN = {
  A: [USERS.admin.name, USERS.admin.password], As: ['admin_kj', EXTRA.admin_kj.password],
  D: ['disp_all', EXTRA.disp_all.password], Ds: ['disp_kj', EXTRA.disp_kj.password],
  Oo: ['off_um', EXTRA.off_um.password], Ox: ['off_tp', EXTRA.off_tp.password],
  V: ['view_all', EXTRA.view_all.password], Vs: ['view_kj', EXTRA.view_kj.password],
  Pm: [USERS.park.name, USERS.park.password],
};
const USERS_ALL = Object.keys(LOGIN);
const CALLERS = [...USERS_ALL, 'S', 'N'];

let w;
const cookie = {};
const o = {}; // the objects the routes are called on

before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow', 'fire_iot'], start: false });
  for (const [name, u] of Object.entries(EXTRA)) {
    const args = ['user', 'add', name, '--role', u.role, '--password-stdin'];
    if (u.department) args.push('--department', u.department);
    if (u.scope) args.push('--scope', u.scope);
    const r = w.run(args, { input: u.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }
  await w.start();
  for (const [k, [n, p]] of Object.entries(LOGIN)) cookie[k] = await w.login(n, p);
  const ok = async (who, method, p, body, status = 200) => {
    const r = await w.api(method, p, { cookie: cookie[who], body });
    assert.equal(r.status, status, `${method} ${p}: ${show(r)}`);
    return r.json;
  };
  o.ok = ok;
  await ok('A', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  const codes = (await ok('A', 'GET', '/api/v1/codes?kind=customer&limit=2')).codes;
  o.venue = codes[0];
  o.code = codes[1]; // the admin routes' code (revoked by the matrix)
  o.entity = o.code.entity;
  // a citizen's report on the venue code: its receipt
  const rep = await w.api('POST', `/api/public/codes/${o.venue.token}/reports`, { body: { matter: 'environmental_hygiene', fields: { details: '矩阵' } } });
  assert.equal(rep.status, 201, show(rep));
  o.receipt = rep.json.receipt;
  // a Xintiandi order dispatched to urban_mgmt, with a photo
  o.order = (await ok('D', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, description: 'district-level secret' }, 201)).order.id;
  await ok('D', 'POST', `/api/v1/orders/${o.order}/actions`, { action: 'dispatch', departments: ['urban_mgmt'] });
  const ev = await w.api('POST', `/api/v1/orders/${o.order}/evidence`, { cookie: cookie.D, body: PNG, headers: { 'Content-Type': 'image/png' } });
  assert.equal(ev.status, 201, show(ev));
  o.evidence = ev.json.evidence.id;
  o.rule = 'xtd_crowd_limit';
  // a case file (个案) in Dongxin street, owned by hr_social (no caller of
  // the matrix is its caseworker: tests/integration/cases.test.mjs has one)
  o.case = (await ok('A', 'POST', '/api/v1/cases', { name: '矩阵', phone: '13800000000', street: 'gongshu/dongxin', intention: 'job' }, 201)).id;
  // a Xintiandi alert: 2800 visitors within 15 minutes at one counter
  const now = Date.now();
  const fed = await w.ingest([{ entity: 'xtd-ctr-02', metric: 'visitors', ts: now - 60000, value: 1400 },
    { entity: 'xtd-ctr-02', metric: 'visitors', ts: now - 1000, value: 1400 }], { token: w.tokens.wenlv_flow });
  assert.equal(fed.status, 200, show(fed));
  for (let i = 0; i < 200 && !o.alert; i++) { // the rules engine runs after the commit
    const a = (await ok('A', 'GET', '/api/v1/alerts?rule=xtd_crowd_limit')).alerts;
    if (a.length) o.alert = a[0].id;
    else await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(o.alert, 'no Xintiandi alert');
});
after(async () => { await w?.close(); });

// ---- the matrix ---------------------------------------------------------

/** Everyone signed in gets `users` (default 'ok') except the callers in
 * deny (403); S and N get 401. Public routes: everyone 'ok'. */
const user = (allow = USERS_ALL) => Object.fromEntries(CALLERS.map((c) =>
  [c, c === 'S' || c === 'N' ? 401 : allow.includes(c) ? 'ok' : 403]));
const pub = () => Object.fromEntries(CALLERS.map((c) => [c, 'ok']));
const source = () => Object.fromEntries(CALLERS.map((c) => [c, c === 'S' ? 'ok' : 401]));
const UNSCOPED = ['A', 'D', 'Oo', 'Ox', 'V']; // the callers who see Xintiandi
const ORDER_READERS = ['A', 'D', 'Oo', 'V']; // ... and its urban_mgmt order
const ADMINS = ['A', 'As'];
const DESK = ['A', 'As', 'D', 'Ds'];

// METHOD PATTERN -> {path (string or function), body?, headers?, expect}
const SPEC = {
  'POST /api/v1/login': { body: {}, expect: pub() },
  'POST /api/v1/logout': { fresh: true, expect: user() },
  'GET /api/v1/me': { expect: user() },
  'GET /api/v1/session': { expect: pub() },
  'GET /healthz': { expect: pub() },
  // by address, not by caller: loopback (every caller here) and --metrics-from;
  // a forwarded client is refused (metrics_logs.test.mjs)
  'GET /metrics': { expect: pub() },
  'GET /api/v1/regions': { expect: user() },
  'GET /api/v1/regions.geojson': { expect: user() },
  'GET /api/v1/regions/*': { path: `/api/v1/regions/${XTD}`, expect: user(UNSCOPED) },
  'GET /api/v1/entity-types': { expect: user() },
  'GET /api/v1/metrics': { expect: user() },
  'GET /api/v1/departments': { expect: user() },
  'GET /api/v1/sources': { expect: user() },
  'POST /api/v1/sources': { body: {}, expect: user(['A']) },
  'POST /api/v1/sources/:id/token': { path: '/api/v1/sources/fire_iot/token', expect: user(['A']) },
  'GET /api/v1/entities': { expect: user() },
  'POST /api/v1/entities': { body: () => ({ id: 'mx-new', region: XTD }), expect: user(['A']) },
  'GET /api/v1/entities/:id': { path: () => `/api/v1/entities/${o.entity}`, expect: user(UNSCOPED) },
  'PUT /api/v1/entities/:id': { path: () => `/api/v1/entities/${o.entity}`, body: {}, expect: user(['A']) },
  'POST /api/v1/records': { body: '', headers: { 'Content-Type': 'application/x-ndjson' }, expect: source() },
  'POST /api/v1/events': { body: '', headers: { 'Content-Type': 'application/x-ndjson' }, expect: source() },
  'GET /api/v1/series': { expect: user() },
  'GET /api/v1/breakdown': { expect: user() },
  'GET /api/v1/top': { expect: user() },
  'GET /api/v1/latest': { expect: user() },
  'GET /api/v1/entities/:id/portrait': { path: () => `/api/v1/entities/${o.entity}/portrait`, expect: user(UNSCOPED) },
  'GET /api/v1/stream': { stream: true, expect: user() },
  'GET /api/v1/dashboards': { expect: user() },
  'GET /api/v1/summary': { expect: user() },
  'GET /api/v1/cockpit/orders': { path: `/api/v1/cockpit/orders?region=${XTD}`, expect: user(UNSCOPED) },
  'GET /api/v1/alerts': { expect: user() },
  'GET /api/v1/alerts/:id': { path: () => `/api/v1/alerts/${o.alert}`, expect: user(UNSCOPED) },
  'POST /api/v1/alerts/:id/ack': { path: () => `/api/v1/alerts/${o.alert}/ack`, expect: user(['A', 'D']) },
  'POST /api/v1/alerts/:id/order': { path: () => `/api/v1/alerts/${o.alert}/order`, body: {}, expect: user(['A', 'D']) },
  'GET /api/v1/orders': { expect: user() },
  'POST /api/v1/orders': { body: { matter: 'nope', region: XTD }, expect: user(['A', 'D', 'Oo', 'Ox']) },
  'GET /api/v1/orders/stats': { expect: user() },
  'GET /api/v1/stats/orders': { expect: user(['A', 'As', 'D', 'Ds', 'Oo', 'Ox', 'V', 'Vs']) },
  'GET /api/v1/orders/:id': { path: () => `/api/v1/orders/${o.order}`, expect: user(ORDER_READERS) },
  'POST /api/v1/orders/:id/actions': { path: () => `/api/v1/orders/${o.order}/actions`, body: {}, expect: user(['A', 'D', 'Oo']) },
  'POST /api/v1/orders/:id/merge': { path: () => `/api/v1/orders/${o.order}/merge`, body: {}, expect: user(['A', 'D']) },
  'POST /api/v1/orders/:id/priority': { path: () => `/api/v1/orders/${o.order}/priority`, body: {}, expect: user(['A', 'D']) },
  'POST /api/v1/orders/:id/rate': { path: () => `/api/v1/orders/${o.order}/rate`, body: {}, expect: user(ORDER_READERS) },
  'POST /api/v1/orders/:id/evidence': { path: () => `/api/v1/orders/${o.order}/evidence`, body: '', headers: { 'Content-Type': 'image/png' }, expect: user(['A', 'D', 'Oo']) },
  'GET /api/v1/orders/:id/evidence/:eid': { path: () => `/api/v1/orders/${o.order}/evidence/${o.evidence}`, expect: user(ORDER_READERS) },
  'GET /api/v1/rules': { expect: user() },
  'POST /api/v1/rules': { body: { region: XTD }, expect: user(['A']) },
  'PUT /api/v1/rules/:id': { path: () => `/api/v1/rules/${o.rule}`, body: {}, expect: user(['A']) },
  'POST /api/v1/rules/:id/enable': { path: () => `/api/v1/rules/${o.rule}/enable`, expect: user(['A']) },
  'POST /api/v1/rules/:id/disable': { path: () => `/api/v1/rules/${o.rule}/disable`, expect: user(['A']) },
  'GET /api/v1/matters': { expect: user() },
  'PUT /api/v1/matters/:id': { path: '/api/v1/matters/environmental_hygiene', body: {}, expect: user(['A']) },
  'GET /api/v1/audit': { expect: user(ADMINS) },
  'POST /api/v1/_test/clock': { body: {}, expect: user(ADMINS) },
  'POST /api/v1/codes/generate': { body: { region: XTD }, expect: user(['A']) },
  'GET /api/v1/codes': { expect: user(ADMINS) },
  'GET /api/v1/codes/:id': { path: () => `/api/v1/codes/${o.code.id}`, expect: user(['A']) },
  'POST /api/v1/codes/:id/revoke': { path: () => `/api/v1/codes/${o.code.id}/revoke`, body: {}, expect: user(['A']) },
  'POST /api/v1/codes/:id/reissue': { path: () => `/api/v1/codes/${o.code.id}/reissue`, body: {}, expect: user(['A']) },
  'GET /api/v1/codes/:id/qr.svg': { path: () => `/api/v1/codes/${o.code.id}/qr.svg`, expect: user(['A']) },
  'GET /api/v1/codes/:id/qr.png': { path: () => `/api/v1/codes/${o.code.id}/qr.png`, expect: user(['A']) },
  'GET /api/public/codes/:token': { path: () => `/api/public/codes/${o.venue.token}`, expect: pub() },
  'POST /api/public/codes/:token/verify': { path: () => `/api/public/codes/${o.venue.token}/verify`, body: {}, expect: pub() },
  'POST /api/public/codes/:token/reports': { path: () => `/api/public/codes/${o.venue.token}/reports`, body: {}, expect: pub() },
  'GET /api/public/receipts/:receipt': { path: () => `/api/public/receipts/${o.receipt}`, expect: pub() },
  'POST /api/public/receipts/:receipt/rating': { path: () => `/api/public/receipts/${o.receipt}/rating`, body: {}, expect: pub() },
  'GET /m/c/:token': { path: () => `/m/c/${o.venue.token}`, expect: pub() },
  'GET /m/r/:receipt': { path: () => `/m/r/${o.receipt}`, expect: pub() },
  'GET /m/a/:number': { path: '/m/a/0123456789abcdef', expect: pub() },
  'GET /m/o/:matter': { path: '/m/o/park_company_change', expect: pub() },
  'GET /admin/codes': { expect: pub() },
  'GET /api/public/catalog': { expect: pub() },
  'GET /api/public/outlets': { expect: pub() },
  'GET /open311/v2/:file': { path: '/open311/v2/requests.json', expect: pub() },
  'GET /open311/v2/services/:file': { path: '/open311/v2/services/park_suggestion.json', expect: pub() },
  'GET /open311/v2/requests/:file': { path: () => `/open311/v2/requests/${o.order}.json`, expect: pub() },
  'GET /open311/v2/tokens/:file': { path: '/open311/v2/tokens/ffffffffffffffffffffffffffffffff.json', expect: pub() },
  'POST /open311/v2/:file': { path: '/open311/v2/requests.json', body: () => `api_key=${w.tokens.wenlv_flow}`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, expect: pub() },
  // CORS preflights of the public reads: anyone
  'OPTIONS /open311/v2/:file': { path: '/open311/v2/requests.json', expect: pub() },
  'OPTIONS /open311/v2/services/:file': { path: '/open311/v2/services/park_suggestion.json', expect: pub() },
  'OPTIONS /open311/v2/requests/:file': { path: () => `/open311/v2/requests/${o.order}.json`, expect: pub() },
  'OPTIONS /open311/v2/tokens/:file': { path: '/open311/v2/tokens/ffffffffffffffffffffffffffffffff.json', expect: pub() },
  'POST /api/public/applications': { body: {}, expect: pub() },
  'GET /api/public/applications/:number': { path: '/api/public/applications/0123456789abcdef', expect: pub() },
  'PUT /api/public/applications/:number/materials/:material': { path: '/api/public/applications/0123456789abcdef/materials/plan', body: '', expect: pub() },
  'POST /api/v1/applications': { body: {}, expect: user(DESK) },
  'GET /api/v1/case-programs': { expect: user() },
  'GET /api/v1/cases/stats': { expect: user() },
  'GET /api/v1/cases': { expect: user(ADMINS) },
  'GET /api/v1/cases/export': { expect: user(ADMINS) },
  'POST /api/v1/cases': { body: {}, expect: user(ADMINS) },
  'GET /api/v1/cases/:id': { path: () => `/api/v1/cases/${o.case}`, expect: user(['A']) },
  'POST /api/v1/cases/:id/entries': { path: () => `/api/v1/cases/${o.case}/entries`, body: {}, expect: user(['A']) },
  'GET /api/v1/applications/:id': { path: () => `/api/v1/applications/${o.order}`, expect: user(['A', 'D', 'Oo']) },
  'GET /api/v1/applications/:id/materials/:material': { path: () => `/api/v1/applications/${o.order}/materials/plan`, expect: user(['A', 'D', 'Oo']) },
  'POST /api/v1/orders/:id/decision': { path: () => `/api/v1/orders/${o.order}/decision`, body: { decision: 'approve', note: 'x' }, expect: user(['A', 'Oo']) },
  // accounts (issue 10, the `access` helper): unscoped admins only
  'POST /api/v1/users': { body: {}, expect: user(['A']) },
  'POST /api/v1/users/:name/password': { path: '/api/v1/users/nobody_mx/password', body: {}, expect: user(['A']) },
  'POST /api/v1/users/:name/disable': { path: '/api/v1/users/nobody_mx/disable', body: {}, expect: user(['A']) },
  'POST /api/v1/users/:name/enable': { path: '/api/v1/users/nobody_mx/enable', body: {}, expect: user(['A']) },
  'DELETE /api/v1/users/:name': { path: '/api/v1/users/nobody_mx', expect: user(['A']) },
  // the admin screens (issue 12, the `admin` helper)
  'GET /api/v1/users': { expect: user(['A']) },
  'PUT /api/v1/users/:name': { path: '/api/v1/users/nobody_mx', body: {}, expect: user(['A']) },
  'DELETE /api/v1/users/:name/sessions': { path: '/api/v1/users/nobody_mx/sessions', expect: user(['A']) },
  'PUT /api/v1/departments/:id': { path: '/api/v1/departments/dept_mx', body: {}, expect: user(['A']) },
  'POST /api/v1/rules/preview': { body: { region: PARK }, expect: user(ADMINS) },
  'GET /admin': { expect: pub() },
  'GET /api/v1/matters/:id': { path: '/api/v1/matters/environmental_hygiene', expect: user() },
  // FIWARE NGSI-v2 (issue 15, the `ngsi` helper): reads by users in their
  // scope (the tenant defaults to it), writes by source tokens
  'GET /v2/entities': { expect: user() },
  'GET /v2/entities/:id': { path: () => `/v2/entities/${o.entity}`, expect: user(UNSCOPED) },
  'GET /v2/entities/:id/attrs': { path: () => `/v2/entities/${o.entity}/attrs`, expect: user(UNSCOPED) },
  'GET /v2/entities/:id/attrs/:name': { path: () => `/v2/entities/${o.entity}/attrs/name`, expect: user(UNSCOPED) },
  'GET /v2/entities/:id/attrs/:name/value': { path: () => `/v2/entities/${o.entity}/attrs/name/value`, expect: user(UNSCOPED) },
  'GET /v2/types': { expect: user() },
  'GET /v2/types/:type': { path: '/v2/types/venue', expect: user() },
  'POST /v2/entities/:id/attrs': { path: () => `/v2/entities/${o.entity}/attrs`, body: {}, expect: source() },
  'PATCH /v2/entities/:id/attrs': { path: () => `/v2/entities/${o.entity}/attrs`, body: {}, expect: source() },
  // subscriptions: admins, on regions within their scope
  'POST /v2/subscriptions': { body: {}, expect: user(ADMINS) },
  'GET /v2/subscriptions': { expect: user(ADMINS) },
  'GET /v2/subscriptions/:id': { path: '/v2/subscriptions/0123456789abcdef01234567', expect: user(ADMINS) },
  'DELETE /v2/subscriptions/:id': { path: '/v2/subscriptions/0123456789abcdef01234567', expect: user(ADMINS) },
  // webhooks of every alert and order: unscoped admins only
  'POST /api/v1/webhooks': { body: {}, expect: user(['A']) },
  'GET /api/v1/webhooks': { expect: user(['A']) },
  'DELETE /api/v1/webhooks/:id': { path: '/api/v1/webhooks/999999', expect: user(['A']) },
  // campaigns (issue 13 §2, the `campaigns` helper): every user reads in
  // scope (signers masked); the campaign's department (market_supervision:
  // no officer here) and admins record; the public signs through a code
  'GET /api/v1/campaigns': { expect: user() },
  'GET /api/v1/campaigns/:id': { path: '/api/v1/campaigns/plastic_2021', expect: user() },
  'GET /api/v1/campaigns/:id/pledges': { path: '/api/v1/campaigns/plastic_2021/pledges', expect: user() },
  'POST /api/v1/campaigns/:id/pledges': { path: '/api/v1/campaigns/plastic_2021/pledges', body: {}, expect: user(ADMINS) },
  'GET /api/v1/campaigns/:id/activities': { path: '/api/v1/campaigns/plastic_2021/activities', expect: user() },
  'POST /api/v1/campaigns/:id/activities': { path: '/api/v1/campaigns/plastic_2021/activities', body: {}, expect: user(ADMINS) },
  'GET /api/public/codes/:token/pledges': { path: () => `/api/public/codes/${o.venue.token}/pledges`, expect: pub() },
  'POST /api/public/codes/:token/pledges': { path: () => `/api/public/codes/${o.venue.token}/pledges`, body: {}, expect: pub() },
  'GET /m/p/:token': { path: () => `/m/p/${o.venue.token}`, expect: pub() },
  // inspections (issue 13 §2, §3, the `inspections` helper): read by every
  // user in scope; submitted, photographed and planned by officers (of the
  // checklist's or campaign's department, which the body decides) and admins
  'GET /api/v1/checklists': { expect: user() },
  'GET /api/v1/inspections': { expect: user() },
  'POST /api/v1/inspections': { body: {}, expect: user(['A', 'As', 'Oo', 'Ox']) },
  'GET /api/v1/inspections/:id': { path: '/api/v1/inspections/999999', expect: user() },
  'POST /api/v1/inspections/:id/photos': { path: '/api/v1/inspections/999999/photos', body: PNG, headers: { 'Content-Type': 'image/png' }, expect: user(['A', 'As', 'Oo', 'Ox']) },
  'GET /api/v1/inspections/:id/photos/:pid': { path: '/api/v1/inspections/999999/photos/1', expect: user() },
  'GET /api/v1/rectifications': { expect: user() },
  'GET /api/v1/inspection-plans': { expect: user() },
  'POST /api/v1/inspection-plans': { body: {}, expect: user(['A', 'As', 'Oo', 'Ox']) },
  'GET /api/v1/campaigns/:id/progress': { path: '/api/v1/campaigns/plastic_2021/progress', expect: user() },
  'GET /api/v1/entities/:key/credit': { path: () => `/api/v1/entities/${o.entity}/credit`, expect: user(UNSCOPED) },
};

function routeTable() {
  return cliOk(['routes']).stdout.trim().split('\n').map((l) => {
    const [method, pattern, auth, roles] = l.split(' ');
    return { method, pattern, auth, roles, key: `${method} ${pattern}` };
  });
}

const val = (v) => (typeof v === 'function' ? v() : v);

async function call(spec, r, who) {
  const path = val(spec.path) ?? r.pattern;
  const opts = { body: val(spec.body), headers: spec.headers };
  if (who === 'S') opts.token = w.tokens.wenlv_flow;
  else if (who !== 'N') opts.cookie = spec.fresh ? await w.login(...LOGIN[who]) : cookie[who];
  if (!spec.stream) return request(w.base, r.method, path, opts);
  const s = await openStream(w.base, opts.cookie || '');
  s.close();
  return { status: s.res.status, text: '' };
}

test('every route of the table has an entry: who may call it', () => {
  const table = routeTable();
  assert.ok(table.length > 50, 'zhizhi routes lists the table');
  const missing = table.filter((r) => !SPEC[r.key]).map((r) => r.key);
  assert.deepEqual(missing, [], `routes without an entry in SPEC (authz_matrix.test.mjs): ${missing.join(', ')}`);
  // the table's own gate agrees with the matrix: a route for sources or the
  // public never asks for a session, a user route refuses the anonymous
  for (const r of table) {
    const e = SPEC[r.key].expect;
    if (r.auth === 'none') assert.equal(e.N, 'ok', `${r.key}: public in the table`);
    if (r.auth === 'user') assert.equal(e.N, 401, `${r.key}: needs a session in the table`);
    if (r.auth === 'source') assert.equal(e.S, 'ok', `${r.key}: a source route in the table`);
  }
});

test('the matrix: every route x every caller gets the status it must', async () => {
  const table = routeTable();
  const bad = [];
  // state-changing routes that end a session or revoke a code go last
  const last = new Set(['POST /api/v1/logout', 'POST /api/v1/codes/:id/revoke', 'POST /api/v1/codes/:id/reissue']);
  const order = [...table.filter((r) => !last.has(r.key)), ...table.filter((r) => last.has(r.key))];
  for (const r of order) {
    const spec = SPEC[r.key];
    if (!spec) continue; // reported by the test above
    for (const who of CALLERS) {
      const want = spec.expect[who];
      const got = await call(spec, r, who);
      const fine = want === 'ok' ? ![401, 403].includes(got.status) && got.status < 500 : got.status === want;
      if (!fine) bad.push(`${r.key} as ${who}: ${got.status} (want ${want}) ${String(got.text).slice(0, 160)}`);
      // a refusal tells nothing of the object: no order fields, no state
      if (got.status === 403 && /"order":\{|district-level secret|"state":/.test(got.text)) bad.push(`${r.key} as ${who}: the 403 tells ${got.text.slice(0, 160)}`);
    }
  }
  assert.deepEqual(bad, []);
});

// ---- what the matrix cannot show alone -------------------------------------

test('a park dispatcher cannot rate or act on a Xintiandi order, and its 403 says nothing of the order', async () => {
  const before = await o.ok('A', 'GET', `/api/v1/orders/${o.order}`);
  for (const [p, body] of [[`/api/v1/orders/${o.order}/rate`, { score: 1 }], [`/api/v1/orders/${o.order}/actions`, { action: 'accept' }]]) {
    const r = await w.api('POST', p, { cookie: cookie.Ds, body });
    assert.equal(r.status, 403, show(r));
    assert.ok(!r.text.includes('secret') && !r.text.includes(before.order.state), r.text);
  }
  // a closed-state answer (409) is only for those who may see the order
  const closed = await w.api('POST', `/api/v1/orders/${o.order}/rate`, { cookie: cookie.Ds, body: { score: 5 } });
  assert.equal(closed.status, 403);
  assert.equal((await o.ok('A', 'GET', `/api/v1/orders/${o.order}`)).order.version, before.order.version);
});

test('a scoped admin is held to its scope: entities, sources, rules, matters, codes, audit', async () => {
  const e = (await o.ok('A', 'GET', `/api/v1/entities/${o.entity}`)).entity;
  // moving a Xintiandi entity into the park
  const move = await w.api('PUT', `/api/v1/entities/${o.entity}`, { cookie: cookie.As,
    body: { type: e.type, name_zh: e.name_zh, region: PARK, attrs: {} } });
  assert.equal(move.status, 403, show(move));
  assert.equal((await o.ok('A', 'GET', `/api/v1/entities/${o.entity}`)).entity.region, XTD);
  // ... and creating one in Xintiandi, while the park is fine
  assert.equal((await w.api('POST', '/api/v1/entities', { cookie: cookie.As, body: { id: 'mx-x1', type: 'venue', name_zh: '测', region: XTD } })).status, 403);
  const mine = await w.api('POST', '/api/v1/entities', { cookie: cookie.As, body: { id: 'mx-p1', type: 'enterprise', name_zh: '园区企业', region: PARK } });
  assert.equal(mine.status, 201, show(mine));
  // a district source's token, a district matter
  assert.equal((await w.api('POST', '/api/v1/sources/wenlv_flow/token', { cookie: cookie.As })).status, 403);
  const m = (await o.ok('A', 'GET', '/api/v1/matters')).matters.find((x) => x.id === 'environmental_hygiene');
  assert.equal((await w.api('PUT', '/api/v1/matters/environmental_hygiene', { cookie: cookie.As, body: { ...m, sla_accept_minutes: 1 } })).status, 403);
  // rules for Xintiandi or the whole district: neither created nor disabled
  const rule = { id: 'mx_rule', name_zh: '测试', name_en: 'test', metric: 'visitors', op: '>', threshold: 1, region: XTD };
  assert.equal((await w.api('POST', '/api/v1/rules', { cookie: cookie.As, body: rule })).status, 403);
  assert.equal((await w.api('POST', '/api/v1/rules', { cookie: cookie.As, body: { ...rule, region: undefined } })).status, 403);
  assert.equal((await w.api('POST', '/api/v1/rules/xtd_visitor_surge/disable', { cookie: cookie.As })).status, 403);
  assert.equal((await o.ok('A', 'GET', '/api/v1/rules')).rules.find((x) => x.id === 'xtd_visitor_surge').active, true);
  // codes for Xintiandi or for everywhere
  assert.equal((await w.api('POST', '/api/v1/codes/generate', { cookie: cookie.As, body: { kind: 'customer', entity_type: 'venue', region: XTD } })).status, 403);
  assert.equal((await w.api('POST', '/api/v1/codes/generate', { cookie: cookie.As, body: { kind: 'customer', entity_type: 'venue' } })).status, 403);
  // the audit: its own rows only
  const all = (await o.ok('A', 'GET', '/api/v1/audit?limit=1000')).audit;
  assert.ok(all.some((x) => x.actor === USERS.admin.name), 'the unscoped admin sees the admin rows');
  const own = (await o.ok('As', 'GET', '/api/v1/audit?limit=1000')).audit;
  assert.ok(own.every((x) => x.actor === 'admin_kj'), JSON.stringify(own.slice(0, 3)));
});

test("officers' streams carry their department's orders only, as GET does", async () => {
  const um = await openStream(w.base, cookie.Oo);
  const tp = await openStream(w.base, cookie.Ox);
  const disp = await openStream(w.base, cookie.D);
  const id = (await o.ok('D', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, description: '只给城管看' }, 201)).order.id;
  await o.ok('D', 'POST', `/api/v1/orders/${id}/actions`, { action: 'dispatch', departments: ['urban_mgmt'] });
  await o.ok('Oo', 'POST', `/api/v1/orders/${id}/actions`, { action: 'accept' });
  await um.next((e) => e.event === 'order' && e.json.order.id === id && e.json.action === 'accept');
  await disp.next((e) => e.event === 'order' && e.json.order.id === id && e.json.action === 'accept');
  // a later event both see: tp has had time to get the others, and did not
  const mark = (await o.ok('D', 'POST', '/api/v1/orders', { matter: 'illegal_parking', region: XTD, description: 'mark' }, 201)).order.id;
  await o.ok('D', 'POST', `/api/v1/orders/${mark}/actions`, { action: 'dispatch', departments: ['traffic_police'] });
  await tp.next((e) => e.event === 'order' && e.json.order.id === mark && e.json.action === 'dispatch');
  assert.ok(!tp.events.some((e) => e.event === 'order' && (e.json.order.id === id || e.data.includes('只给城管看'))), 'another department\'s order reached traffic police');
  assert.equal((await w.api('GET', `/api/v1/orders/${id}`, { cookie: cookie.Ox })).status, 403);
  // a joint order: each department's officers see it
  const joint = (await o.ok('D', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, description: 'joint' }, 201)).order.id;
  await o.ok('D', 'POST', `/api/v1/orders/${joint}/actions`, { action: 'dispatch', departments: ['urban_mgmt', 'traffic_police'] });
  await tp.next((e) => e.event === 'order' && (e.json.order.id === joint || e.json.order.parent === joint));
  for (const s of [um, tp, disp]) s.close();
});

test('a scoped dispatcher cannot bind an order in its region to an out-of-scope entity', async () => {
  const r = await w.api('POST', '/api/v1/orders', { cookie: cookie.Ds, body: { matter: 'environmental_hygiene', region: PARK, entity: o.entity } });
  assert.equal(r.status, 403, show(r));
  assert.equal(r.json.error.field, 'entity');
  const fine = await w.api('POST', '/api/v1/orders', { cookie: cookie.Ds, body: { matter: 'environmental_hygiene', region: PARK } });
  assert.equal(fine.status, 201, show(fine));
});
