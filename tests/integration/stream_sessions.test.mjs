// stream_sessions.test.mjs - a live stream ends with its session (issue 10,
// "Accounts": disabling, deleting, a new password and a logout end the
// user's sessions at once). A stream is authenticated once, when it opens;
// without a check while it runs, an officer disabled (or logged out) kept
// receiving other citizens' orders on a page left open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, GONGSHU_PACK, show } from './harness.mjs';
import { openStream } from './lib/sse.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const OFFICERS = {
  off_a: 'offa-pass-0001', off_b: 'offb-pass-0001', off_c: 'offc-pass-0001', off_d: 'offd-pass-0001',
};

let w;
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow'], start: false });
  for (const [name, pw] of Object.entries(OFFICERS)) {
    const r = w.run(['user', 'add', name, '--role', 'officer', '--department', 'urban_mgmt', '--password-stdin'],
      { input: pw + '\n' });
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }
  await w.start();
});
after(async () => { await w?.close(); });

/** An urban_mgmt order whose description is `text`: every officer's stream
 * may carry it. */
async function order(text) {
  const admin = await w.as('admin');
  const c = await w.api('POST', '/api/v1/orders', { cookie: admin,
    body: { matter: 'environmental_hygiene', region: XTD, description: text } });
  assert.equal(c.status, 201, show(c));
  const d = await w.api('POST', `/api/v1/orders/${c.json.order.id}/actions`, { cookie: admin,
    body: { action: 'dispatch', departments: ['urban_mgmt'] } });
  assert.equal(d.status, 200, show(d));
}

for (const [how, name, end] of [
  ['disabled by the CLI', 'off_a', () => w.run(['user', 'disable', 'off_a'])],
  ['disabled by an admin', 'off_b', async () => w.api('POST', '/api/v1/users/off_b/disable', { cookie: await w.as('admin'), body: {} })],
  ['given a new password', 'off_c', () => w.run(['user', 'passwd', 'off_c', '--password-stdin'], { input: 'offc-pass-0002\n' })],
  ['logged out', 'off_d', null],
]) {
  test(`a stream ends when its user is ${how}, before any later order reaches it`, async () => {
    const cookie = await w.login(name, OFFICERS[name]);
    const s = await openStream(w.base, cookie);
    assert.equal(s.res.status, 200);
    await order(`before ${name}`);
    await s.next((e) => e.event === 'order' && e.json.order?.description === `before ${name}`);
    if (end) {
      const r = await end();
      assert.ok(r.status === 0 || r.status === 200, `ending ${name}: ${r.stderr ?? show(r)}`);
    } else {
      const r = await w.api('POST', '/api/v1/logout', { cookie, body: {} });
      assert.equal(r.status, 200, show(r));
    }
    await order(`after ${name}`);
    // a stream that is still open carries the order: wait for either
    await Promise.race([
      s.next((e) => e.event === 'order' && e.json.order?.description === `after ${name}`, 10000).catch(() => {}),
      s.ended,
    ]);
    const leaked = s.events.filter((e) => e.event === 'order' && e.json.order?.description === `after ${name}`);
    s.close();
    assert.deepEqual(leaked, [], `${name}'s stream carried an order after the session ended`);
  });
}

test('a stream of a session still valid goes on', async () => {
  const s = await openStream(w.base, await w.as('admin'));
  await order('still here');
  await s.next((e) => e.event === 'order' && e.json.order?.description === 'still here');
  s.close(); // the order reached it: the check before it let it through
});
