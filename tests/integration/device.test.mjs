// Device cookies (OWASP): strangers failing logins on purpose lock an
// account for new clients (the per-account throttle stays), but a browser
// that signed in as that user before still gets in with the right password.
// Its exemption is for that account only, ends after 5 wrong passwords sent
// with it, and ends when the password changes. Every attempt here comes
// from its own address (X-Forwarded-For behind --trusted-proxy) so the
// per-address throttle never answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show } from './harness.mjs';

let w;
before(async () => { w = await createWorld({ serveArgs: ['--trusted-proxy', '127.0.0.0/8'] }); });
after(async () => { await w?.close(); });

let addr = 0;
const nextAddr = () => { addr++; return `203.0.${Math.floor(addr / 250)}.${(addr % 250) + 1}`; };

async function login(name, password, device, extra) {
  const headers = { 'X-Forwarded-For': nextAddr(), ...extra };
  return w.api('POST', '/api/v1/login', { body: { name, password }, cookie: device, headers });
}
const setCookie = (r, name) => r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
async function loginDevice(name, password) {
  const r = await login(name, password);
  assert.equal(r.status, 200, `login ${name}: ${show(r)}`);
  const c = setCookie(r, 'zz_device');
  assert.ok(c, `a device cookie: ${JSON.stringify(r.headers.getSetCookie())}`);
  return c.split(';')[0];
}
async function addUser(name, password) {
  const r = await w.api('POST', '/api/v1/users', { cookie: await w.as('admin'), body: { name, role: 'viewer', password } });
  assert.equal(r.status, 201, show(r));
}
async function lockOut(name) {
  for (let i = 1; i <= 5; i++) {
    const r = await login(name, `wrong-${i}-password`);
    assert.equal(r.status, 401, `stranger ${i}: ${show(r)}`);
  }
  const r = await login(name, 'still-not-it-pw');
  assert.equal(r.status, 429, `the account is locked for new clients: ${show(r)}`);
}

test('a device cookie from an earlier login gets its owner past the account lockout', async () => {
  await addUser('owner', 'blue-harbor-41');
  await addUser('bystander', 'green-meadow-52');
  const r0 = await login('owner', 'blue-harbor-41');
  assert.equal(r0.status, 200, show(r0));
  const c = setCookie(r0, 'zz_device');
  assert.match(c, /HttpOnly/i);
  assert.match(c, /SameSite=Strict/i);
  assert.match(c, /Max-Age=\d{6,}/, 'long-lived');
  assert.ok(!/;\s*Secure/i.test(c), 'plain http: no Secure');
  const https = await login('owner', 'blue-harbor-41', undefined, { 'X-Forwarded-Proto': 'https' });
  assert.match(setCookie(https, 'zz_device'), /;\s*Secure/i, 'https at the proxy: Secure');
  const device = setCookie(https, 'zz_device').split(';')[0];
  const foreign = await loginDevice('bystander', 'green-meadow-52');

  await lockOut('owner');
  const fresh = await login('owner', 'blue-harbor-41');
  assert.equal(fresh.status, 429, `a new client waits even with the right password: ${show(fresh)}`);
  assert.match(errorOf(fresh).message, /this account/);
  const other = await login('owner', 'blue-harbor-41', foreign);
  assert.equal(other.status, 429, `another user's device cookie gives nothing: ${show(other)}`);
  const mine = await login('owner', 'blue-harbor-41', device);
  assert.equal(mine.status, 200, `the owner's browser gets in: ${show(mine)}`);
  const me = await w.api('GET', '/api/v1/me', { cookie: setCookie(mine, 'zz_session').split(';')[0] });
  assert.equal(me.status, 200, show(me));
  const rotated = setCookie(mine, 'zz_device').split(';')[0];
  assert.notEqual(rotated, device, 'each login gives a new device token');

  // the old token was replaced: it no longer exempts; the new one does
  await lockOut('owner');
  assert.equal((await login('owner', 'blue-harbor-41', device)).status, 429, 'the replaced token is dead');
  assert.equal((await login('owner', 'blue-harbor-41', rotated)).status, 200);
});

test('a device cookie that sees 5 wrong passwords loses its exemption', async () => {
  await addUser('fumbler', 'red-canyon-63');
  const device = await loginDevice('fumbler', 'red-canyon-63');
  await lockOut('fumbler');
  for (let i = 1; i <= 5; i++) {
    const r = await login('fumbler', `typo-${i}-password`, device);
    assert.equal(r.status, 401, `wrong password ${i} with the device: checked, not locked: ${show(r)}`);
  }
  const r = await login('fumbler', 'red-canyon-63', device);
  assert.equal(r.status, 429, `revoked after 5 failures: ${show(r)}`);
});

test('a new password revokes the device cookies', async () => {
  await addUser('changer', 'gold-river-74');
  const device = await loginDevice('changer', 'gold-river-74');
  const ch = await w.api('POST', '/api/v1/users/changer/password', { cookie: await w.as('admin'), body: { password: 'gray-summit-85' } });
  assert.equal(ch.status, 200, show(ch));
  await lockOut('changer');
  const r = await login('changer', 'gray-summit-85', device);
  assert.equal(r.status, 429, `the device cookie died with the old password: ${show(r)}`);
});

test('device cookies survive a restart', async () => {
  await addUser('keeper', 'teal-forest-96');
  const device = await loginDevice('keeper', 'teal-forest-96');
  await w.restart();
  await lockOut('keeper');
  const r = await login('keeper', 'teal-forest-96', device);
  assert.equal(r.status, 200, show(r));
});
