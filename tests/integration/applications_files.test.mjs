// Files under the data directory that no row references: a replaced
// material's old file goes once no backup runs (a backup holds
// DATA/backup.lock shared for its run, and its snapshot may name the old
// file); a material may be replaced at most 20 times; at start the server
// deletes evidence and material files no row references that are older than
// a minute (a crash between a file and its row), never a referenced one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cli, show } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';

process.env.ZZ_PUBLIC_RATE_SCALE = '50';

const XTD = 'gongshu/dongxin/xintiandi';
const MATTER = 'joint_parcel_three_certs';
const PDF_HEAD = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const pdf = (n = 4096) => Buffer.concat([PDF_HEAD, crypto.randomBytes(n)]);

let w, venue, work;
before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  venue = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  work = fs.mkdtempSync(path.join(path.dirname(w.dir), 'zhizhi-it-files-'));
});
after(async () => {
  await w?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function submit() {
  const r = await w.api('POST', '/api/public/applications', {
    body: { matter: MATTER, applicant: { name: '李明', phone: '0571-88886666', company: '杭州运河置业有限公司' },
      form: { company: '杭州运河置业有限公司', parcel: 'GS-2026-017', location: '拱墅区康桥路' } },
  });
  assert.equal(r.status, 201, show(r));
  return r.json.application;
}
const upload = (number, material, body) => w.api('PUT', `/api/public/applications/${number}/materials/${material}`,
  { body, headers: { 'Content-Type': 'application/octet-stream' } });
// every file under DATA/materials/ (and DATA/evidence/), relative
const files = (sub) => {
  const dir = path.join(w.dir, sub);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String)
    .filter((p) => fs.statSync(path.join(dir, p)).isFile()).map((p) => `${sub}/${p}`);
};
const hashOf = (rel) => crypto.createHash('sha256').update(fs.readFileSync(path.join(w.dir, rel))).digest('hex');
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

test('4 PUTs of the same material leave 1 file, the last one sent', async () => {
  const a = await submit();
  const before = new Set(files('materials'));
  let last;
  for (let i = 0; i < 4; i++) {
    last = pdf(512 * 1024);
    const r = await upload(a.number, 'application_form', last);
    assert.equal(r.status, 201, show(r));
  }
  const added = files('materials').filter((f) => !before.has(f));
  assert.equal(added.length, 1, added.join(' '));
  assert.equal(hashOf(added[0]), sha(last));
  assert.ok(!fs.existsSync(path.join(w.dir, 'materials', '.replaced')), 'nothing left for later');
});

test('a material replaced 20 times cannot be replaced again (409, a clear message)', async () => {
  const a = await submit();
  for (let i = 0; i <= 20; i++) {
    const r = await upload(a.number, 'site_plan', Buffer.concat([PNG_HEAD, crypto.randomBytes(64)]));
    assert.equal(r.status, 201, `upload ${i}: ${show(r)}`);
  }
  const r = await upload(a.number, 'site_plan', Buffer.concat([PNG_HEAD, crypto.randomBytes(64)]));
  assert.equal(r.status, 409, show(r));
  assert.equal(r.json.error.field, 'material');
  assert.match(r.json.error.message, /replaced 20 times/);
  // another material of the same application is still accepted
  assert.equal((await upload(a.number, 'application_form', pdf())).status, 201);
});

test('while a backup holds the lock a replaced file stays (the backup is whole); it goes after', async () => {
  const a = await submit();
  const first = pdf();
  assert.equal((await upload(a.number, 'project_approval', first)).status, 201);
  const firstRel = files('materials').find((f) => hashOf(f) === sha(first));
  assert.ok(firstRel);
  // a backup's shared lock (held by flock(1) as long as a real backup would)
  // (its own process group, so that killing it kills sleep(1) too)
  const holder = spawn('flock', ['-s', path.join(w.dir, 'backup.lock'), 'sleep', '600'], { stdio: 'ignore', detached: true });
  try {
    // flock(1) has the lock once the server can no longer take it: wait for
    // a replacement to be left for later
    const second = pdf();
    for (let i = 0; ; i++) {
      assert.equal((await upload(a.number, 'project_approval', i ? pdf() : second)).status, 201);
      if (fs.existsSync(path.join(w.dir, 'materials', '.replaced'))) break;
      assert.ok(i < 15, 'the lock holder never took the lock');
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(fs.readFileSync(path.join(w.dir, 'materials', '.replaced'), 'utf8').trim().length > 0);
    // a real backup runs beside it (both shared) and is whole
    const bk = path.join(work, 'backup');
    const b = cli(['backup', bk, '--data', w.dir]);
    assert.equal(b.status, 0, b.stderr);
    const rs = cli(['restore', bk, path.join(work, 'restored')]);
    assert.equal(rs.status, 0, rs.stderr);
  } finally {
    const exited = new Promise((res) => (holder.exitCode !== null || holder.signalCode !== null ? res() : holder.on('exit', res)));
    process.kill(-holder.pid, 'SIGKILL');
    await exited;
    // until sleep(1), killed with it, has let the lock go
    for (let i = 0; spawnSync('flock', ['-n', path.join(w.dir, 'backup.lock'), 'true']).status !== 0; i++) {
      assert.ok(i < 100, 'the lock was never released');
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  // no backup now: the next replacement deletes what was left for later
  const last = pdf();
  assert.equal((await upload(a.number, 'project_approval', last)).status, 201);
  assert.ok(!fs.existsSync(path.join(w.dir, 'materials', '.replaced')));
  assert.ok(!fs.existsSync(path.join(w.dir, firstRel)));
  const dir = path.dirname(firstRel);
  const left = files('materials').filter((f) => path.dirname(f) === dir);
  assert.deepEqual(left.map(hashOf), [sha(last)], left.join(' '));
});

test('at start, files no row references and older than a minute are deleted; referenced and young ones stay', async () => {
  const photo = Buffer.concat([PNG_HEAD, crypto.randomBytes(1024)]);
  const r = await w.api('POST', `/api/public/codes/${venue.token}/reports`, {
    body: { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: '音乐太响', phone: '138 0000 1234' }, photo: photo.toString('base64') },
  });
  assert.equal(r.status, 201, show(r));
  const evidence = files('evidence');
  const materials = files('materials');
  assert.ok(evidence.length >= 1 && materials.length >= 1);
  const old = new Date(Date.now() - 10 * 60e3);
  for (const f of [...evidence, ...materials]) fs.utimesSync(path.join(w.dir, f), old, old); // old, but referenced
  const plant = (rel, mtime) => {
    fs.mkdirSync(path.dirname(path.join(w.dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(w.dir, rel), 'orphan');
    if (mtime) fs.utimesSync(path.join(w.dir, rel), mtime, mtime);
  };
  const orphans = ['evidence/999999/orphan.png', `${path.dirname(evidence[0])}/orphan.jpg`,
    'materials/999999/0000-orphan.pdf', `${path.dirname(materials[0])}/00000000-orphan.pdf.tmp`];
  for (const o of orphans) plant(o, old);
  plant('evidence/999999/young.png'); // written now: its row may be about to commit
  await w.restart();
  for (const o of orphans) assert.ok(!fs.existsSync(path.join(w.dir, o)), `${o} is still there`);
  assert.ok(fs.existsSync(path.join(w.dir, 'evidence/999999/young.png')));
  assert.deepEqual(files('evidence').sort(), [...evidence, 'evidence/999999/young.png'].sort());
  assert.deepEqual(files('materials').sort(), [...materials].sort());
  assert.match(w.server.stderr(), /removed 4 unreferenced/);
  // what is referenced still answers
  const rep = await w.get('admin', `/api/v1/orders?limit=1`);
  assert.equal(rep.status, 200, show(rep));
});
