// Health, login/logout/me, and "no session, no data" on every endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, USERS, errorOf, show } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

test('GET /healthz needs no session and reports status, records, queue, version', async () => {
  const r = await w.api('GET', '/healthz');
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.status, 'ok');
  assert.equal(typeof r.json.records, 'number');
  assert.equal(typeof r.json.queue, 'number');
  assert.equal(typeof r.json.version, 'string');
  assert.ok(r.json.version.length > 0);
  const before = r.json.records;
  await w.ingestOk([{ entity: 'c-hs-1', metric: 'visitors', ts: Date.now() - 60e3, value: 1 },
    { entity: 'c-hs-1', metric: 'visitors', ts: Date.now() - 120e3, value: 2 }]);
  const r2 = await w.api('GET', '/healthz');
  assert.equal(r2.json.records, before + 2, 'healthz records counts the two stored records');
});

test('login with a wrong password or an unknown name is 401 with the same message', async () => {
  const bad = await w.api('POST', '/api/v1/login', { body: { name: USERS.admin.name, password: 'wrong-password-1' } });
  assert.equal(bad.status, 401, show(bad));
  assert.equal(errorOf(bad).code, 'unauthorized');
  assert.equal(bad.headers.getSetCookie().filter((c) => /zz_session=[^;]+/.test(c) && !/Max-Age=0/i.test(c)).length, 0,
    'no session cookie on a failed login');
  const nobody = await w.api('POST', '/api/v1/login', { body: { name: 'nobody_here', password: 'whatever-123' } });
  assert.equal(nobody.status, 401, show(nobody));
  assert.equal(errorOf(nobody).code, 'unauthorized');
  assert.equal(errorOf(nobody).message, errorOf(bad).message, 'a bad name and a bad password must be indistinguishable');
});

test('login sets an HttpOnly, SameSite=Strict session cookie; me describes the user', async () => {
  const r = await w.api('POST', '/api/v1/login', { body: { name: USERS.viewer.name, password: USERS.viewer.password } });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.user.name, USERS.viewer.name);
  assert.equal(r.json.user.role, 'viewer');
  const set = r.headers.getSetCookie().find((c) => c.startsWith('zz_session='));
  assert.ok(set, `Set-Cookie zz_session in ${JSON.stringify(r.headers.getSetCookie())}`);
  const attrs = set.split(';').map((s) => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), `HttpOnly in ${set}`);
  assert.ok(attrs.includes('samesite=strict'), `SameSite=Strict in ${set}`);
  assert.ok(attrs.includes('path=/'), `Path=/ in ${set}`);
  assert.ok(attrs.includes('max-age=43200'), `a 12 h session (Max-Age=43200) in ${set}`);
  const value = set.split(';')[0].slice('zz_session='.length);
  assert.ok(value.length >= 20, 'the session id is long enough not to be guessed');
  assert.ok(!r.text.includes(value), 'the session id is not echoed in the body');
  assert.ok(!/password|hash/i.test(r.text), `no password or hash in the login answer: ${r.text}`);

  const me = await w.api('GET', '/api/v1/me', { cookie: set.split(';')[0] });
  assert.equal(me.status, 200, show(me));
  const u = me.json.user;
  assert.equal(u.name, USERS.viewer.name);
  assert.equal(u.role, 'viewer');
  assert.equal(u.scope, 'gongshu/dongxin');
  assert.ok('id' in u && 'department' in u, `me has id and department: ${me.text}`);
  assert.ok(!/password|hash/i.test(me.text), `no password or hash in me: ${me.text}`);

  const adm = await w.api('GET', '/api/v1/me', { cookie: await w.as('admin') });
  assert.equal(adm.json.user.role, 'admin');
  assert.ok(adm.json.user.scope === null || adm.json.user.scope === undefined || adm.json.user.scope === '',
    `an unscoped user has no scope: ${adm.text}`);
});

test('two logins give two independent sessions; logout ends only its own', async () => {
  const a = await w.login(USERS.park.name, USERS.park.password);
  const b = await w.login(USERS.park.name, USERS.park.password);
  assert.notEqual(a, b);
  const out = await w.api('POST', '/api/v1/logout', { cookie: a });
  assert.equal(out.status, 200, show(out));
  assert.equal(out.json.ok, true);
  const cleared = out.headers.getSetCookie().find((c) => c.startsWith('zz_session='));
  assert.ok(cleared, 'logout sends a Set-Cookie that clears the cookie');
  assert.ok(/max-age=0|expires=thu, 01 jan 1970/i.test(cleared) || /^zz_session=;/.test(cleared),
    `cleared cookie: ${cleared}`);
  const meA = await w.api('GET', '/api/v1/me', { cookie: a });
  assert.equal(meA.status, 401, `the logged-out session is deleted on the server: ${show(meA)}`);
  const meB = await w.api('GET', '/api/v1/me', { cookie: b });
  assert.equal(meB.status, 200, `the other session still works: ${show(meB)}`);
});

test('sessions survive a clean restart', async () => {
  const c = await w.login(USERS.admin.name, USERS.admin.password);
  const st = await w.stop();
  assert.deepEqual(st, { code: 0, signal: null }, 'SIGTERM stops the server with exit 0');
  await w.start();
  const me = await w.api('GET', '/api/v1/me', { cookie: c });
  assert.equal(me.status, 200, show(me));
  w.cookies = {};
});

const PROTECTED = [
  ['GET', '/api/v1/me'],
  ['POST', '/api/v1/logout'],
  ['GET', '/api/v1/regions'],
  ['GET', '/api/v1/regions.geojson'],
  ['GET', '/api/v1/regions/gongshu'],
  ['GET', '/api/v1/regions/gongshu/dongxin/xintiandi'],
  ['GET', '/api/v1/entity-types'],
  ['GET', '/api/v1/metrics'],
  ['GET', '/api/v1/departments'],
  ['GET', '/api/v1/sources'],
  ['POST', '/api/v1/sources', { id: 'sneaky', name_zh: 'x', name_en: 'x', department: null, kind: 'platform', metrics: [] }],
  ['POST', '/api/v1/sources/wenlv_flow/token'],
  ['GET', '/api/v1/entities'],
  ['POST', '/api/v1/entities', { id: 'sneaky-1', type: 'counter', name_zh: 'x', name_en: 'x', region: 'gongshu', lon: 120.15, lat: 30.34, attrs: {} }],
  ['GET', '/api/v1/entities/c-xtd-1'],
  ['PUT', '/api/v1/entities/c-xtd-1', { type: 'counter', name_zh: 'x', name_en: 'x', region: 'gongshu', lon: 120.15, lat: 30.34, attrs: {} }],
  ['GET', '/api/v1/entities/c-xtd-1/portrait'],
  ['GET', '/api/v1/series?metric=visitors&region=gongshu'],
  ['GET', '/api/v1/breakdown?metric=visitors&region=gongshu'],
  ['GET', '/api/v1/top?metric=visitors&region=gongshu'],
  ['GET', '/api/v1/latest?metric=visitors&region=gongshu'],
];

test('every endpoint but login and healthz is 401 without a session, with a bogus one, or with an ingest token', async () => {
  const bad = [];
  for (const [method, p, body] of PROTECTED) {
    for (const [label, o] of [['no session', {}], ['bogus session', { cookie: 'zz_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
      ['ingest token', { token: w.token }]]) {
      const r = await w.api(method, p, { ...o, body });
      if (r.status !== 401 || r.json?.error?.code !== 'unauthorized') bad.push(`${method} ${p} (${label}): ${show(r)}`);
    }
  }
  assert.deepEqual(bad, [], 'must be 401 unauthorized');
  // and nothing was written by those attempts
  const e = await w.get('admin', '/api/v1/entities/sneaky-1');
  assert.equal(e.status, 404, show(e));
  const s = await w.get('admin', '/api/v1/sources');
  assert.ok(!s.json.sources.some((x) => x.id === 'sneaky'));
  const x = await w.get('admin', '/api/v1/entities/c-xtd-1');
  assert.equal(x.json.entity.name_zh, '新天地北门', 'the unauthenticated PUT changed nothing');
});

test('an unknown path is 404 and a wrong method is 405, both with an error body', async () => {
  const cookie = await w.as('admin');
  const nf = await w.api('GET', '/api/v1/no-such-thing', { cookie });
  assert.equal(nf.status, 404, show(nf));
  assert.equal(errorOf(nf).code, 'not_found');
  const mna = await w.api('DELETE', '/api/v1/metrics', { cookie });
  assert.equal(mna.status, 405, show(mna));
  assert.equal(errorOf(mna).code, 'method_not_allowed');
});

test('login refuses a body that is not JSON with 400', async () => {
  const r = await w.api('POST', '/api/v1/login', { body: 'name=admin&password=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.ok(r.status === 400 || r.status === 415, show(r));
  errorOf(r);
});

test('ten failed logins from one address block it (429 + Retry-After), even for the right password', async () => {
  await w.restart(); // the throttle window starts empty
  const right = { name: USERS.park.name, password: USERS.park.password };
  const ok = await w.api('POST', '/api/v1/login', { body: right });
  assert.equal(ok.status, 200, show(ok));
  const cookie = ok.headers.getSetCookie()[0].split(';')[0];
  // other names each time: the per-account throttle (trust.test.mjs) stays out of it
  for (let i = 1; i <= 10; i++) {
    const r = await w.api('POST', '/api/v1/login', { body: { name: `ghost_${i}`, password: `wrong-${i}-password` } });
    assert.equal(r.status, 401, `failure ${i}: ${show(r)}`);
  }
  const blocked = await w.api('POST', '/api/v1/login', { body: right });
  assert.equal(blocked.status, 429, `the 11th attempt within five minutes: ${show(blocked)}`);
  assert.equal(errorOf(blocked).code, 'too_many_requests');
  const ra = Number(blocked.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 300, `Retry-After ${blocked.headers.get('retry-after')}`);
  assert.equal(blocked.headers.getSetCookie().length, 0, 'no session while blocked');
  const me = await w.api('GET', '/api/v1/me', { cookie });
  assert.equal(me.status, 200, 'sessions opened before the block keep working');
});
