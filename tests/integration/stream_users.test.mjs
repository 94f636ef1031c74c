// stream_users.test.mjs - live streams are bounded per user (16) and in all
// (2048), not by how many different users hold one. The table of users with
// streams had 256 rows: the 257th signed-in user to open a page with live
// updates got 429 "you already have 16 live streams open" while holding
// none (a district has more staff than that). The users and sessions are
// written with sqlite3 before the server starts (300 password hashes would
// take minutes); the streams come from three loopback addresses, under the
// per-address connection cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createWorld } from './harness.mjs';

const N = 300;
let w;
const cookies = [];
const open = [];

before(async () => {
  w = await createWorld({ start: false });
  const now = Date.now();
  let sql = 'BEGIN;';
  for (let i = 0; i < N; i++) {
    const tok = 'zz_' + crypto.randomBytes(32).toString('base64url');
    cookies.push(`zz_session=${tok}`);
    const hash = crypto.createHash('sha256').update(tok).digest('hex');
    sql += `INSERT INTO user(name, role, pwhash, created) SELECT 'su_${i}', 'viewer', pwhash, ${now} FROM user WHERE name = 'admin';` +
      `INSERT INTO session VALUES('${hash}', (SELECT id FROM user WHERE name = 'su_${i}'), ${now + 3600e3});`;
  }
  sql += 'COMMIT;';
  const r = spawnSync('sqlite3', [path.join(w.dir, 'zhizhi.db')], { input: sql, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`sqlite3: ${r.error?.message ?? r.stderr}`);
  await w.start();
});
after(async () => {
  for (const req of open) req.destroy();
  await w?.close();
});

/** Opens a stream as cookie from 127.0.0.{2,3,4}; resolves with its status. */
function stream(cookie, i) {
  const u = new URL(w.base);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/v1/stream', headers: { cookie },
      localAddress: `127.0.0.${2 + (i % 3)}` }, (res) => {
      res.on('data', () => {});
      resolve(res.statusCode);
    });
    req.on('error', reject);
    open.push(req);
  });
}

test(`${N} users each hold a live stream`, async () => {
  const statuses = [];
  for (let i = 0; i < N; i++) statuses.push(await stream(cookies[i], i));
  const refused = statuses.map((s, i) => [s, i]).filter(([s]) => s !== 200).map(([s, i]) => `su_${i}: ${s}`);
  assert.deepEqual(refused, [], 'every user may open a stream');
});
