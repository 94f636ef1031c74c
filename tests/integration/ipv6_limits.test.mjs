// ipv6_limits.test.mjs - per-address limits count an IPv6 client by its /64
// (issue 10: "Proxy-ready", "Public limits", "Accounts"). One host is given a
// /64 and may use any of its 2^64 addresses; counted per address, it passed
// every per-address limit again from each new address: the login throttle
// never fired, and the public limits (the guard that lets the per-code limit
// sit far above a crowd) did not hold, so one host could exhaust a venue
// code's own limit. The addresses arrive through a trusted proxy here, as
// they do in a deployment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, show } from './harness.mjs';

let w;
before(async () => {
  w = await createWorld({ serveArgs: ['--trusted-proxy', '127.0.0.1/32'] });
});
after(async () => { await w?.close(); });

const from = (addr) => ({ 'X-Forwarded-For': addr });

test('a public limit holds for a client that changes its address within its /64', async () => {
  const codes = [];
  for (let i = 1; i <= 60; i++) {
    const r = await w.api('GET', '/api/public/applications/0123456789abcdef', { headers: from(`2001:db8:1:2::${i.toString(16)}`) });
    codes.push(r.status);
    if (r.status === 429) {
      assert.equal(r.json?.error?.field, 'client', show(r));
      break;
    }
  }
  assert.ok(codes.includes(429), `60 requests from one /64 were never limited: ${codes.join(' ')}`);
  // another /64 is another client
  const other = await w.api('GET', '/api/public/applications/0123456789abcdef', { headers: from('2001:db8:1:3::1') });
  assert.notEqual(other.status, 429, show(other));
});

test('the login throttle holds for a client that changes its address within its /64', async () => {
  const codes = [];
  for (let i = 1; i <= 12; i++) {
    const r = await w.api('POST', '/api/v1/login', { body: { name: `ghost_${i}`, password: 'wrong-password-x' },
      headers: from(`2001:db8:9:9:${i.toString(16)}::1`) });
    codes.push(r.status);
  }
  assert.ok(codes.includes(429), `12 failed logins from one /64 were never throttled: ${codes.join(' ')}`);
  assert.match(w.server.stderr(), /failed logins from 2001:db8:9:9::\/64/, 'the log names the block');
  const other = await w.api('POST', '/api/v1/login', { body: { name: 'ghost_x', password: 'wrong-password-x' },
    headers: from('2001:db8:9:a::1') });
  assert.equal(other.status, 401, `another /64 is not throttled: ${show(other)}`);
});
