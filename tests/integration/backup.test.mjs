// The backup drill (issue 10, item 13): `zhizhi backup` while records are
// ingested, citizens send reports with photos and an enterprise sends
// application materials; `zhizhi restore` into a new directory; a server on
// the copy answers every report, photo and material acknowledged before the
// backup began, and every photo and material the copy references (those
// acknowledged during the backup may be in it or not, but never half).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, USERS, cli, request, show, startServer } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';

// Many reports come from one loopback address here; the limits themselves
// are tested in codes.test.mjs.
process.env.ZZ_PUBLIC_RATE_SCALE = '50';

const XTD = 'gongshu/dongxin/xintiandi';
const MATTER = 'joint_parcel_three_certs';
const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const PDF_HEAD = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
// every file sent is distinct, so the copy's files can be told apart
const unique = (head, n = 2048) => Buffer.concat([head, crypto.randomBytes(n)]);
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

let w, venue, work;
before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  venue = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  work = fs.mkdtempSync(path.join(path.dirname(w.dir), 'zhizhi-it-drill-'));
});
after(async () => {
  await w?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Runs `zhizhi ARGS` without blocking the event loop (the loads go on). */
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

test('backup during ingest, public reports and application uploads; the restored copy answers every one', { timeout: 240000 }, async (t) => {
  const sent = { photos: new Set(), materials: new Set() };
  const acked = { batches: [], receipts: [], applications: [] }; // each with the time it was answered
  let stop = false;
  const guard = (p) => p.catch((err) => { stop = true; throw err; });
  const now = minuteNow();
  const records0 = (await w.api('GET', '/healthz')).json.records;

  const ingestLoop = guard((async () => {
    for (let i = 0; !stop; i++) {
      const recs = [];
      for (let k = 0; k < 200; k++) recs.push({ entity: 'xtd-ctr-01', metric: 'visitors', ts: now - 3600e3 + i * 200 + k, value: 1 });
      const r = await w.ingest(recs, { token: w.tokens.wenlv_flow });
      assert.equal(r.status, 200, show(r));
      acked.batches.push({ at: Date.now(), n: r.json.accepted });
    }
  })());
  const reportLoop = guard((async () => {
    while (!stop) {
      const photo = unique(PNG_HEAD);
      sent.photos.add(sha(photo));
      const r = await w.api('POST', `/api/public/codes/${venue.token}/reports`, {
        body: { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: '演练：音乐太响', phone: '138 0000 1234' }, photo: photo.toString('base64') },
      });
      if (r.status === 429) { await new Promise((res) => setTimeout(res, 200)); continue; }
      assert.equal(r.status, 201, show(r));
      acked.receipts.push({ at: Date.now(), receipt: r.json.receipt });
    }
  })());
  const applicationLoop = guard((async () => {
    while (!stop) {
      const a = await w.api('POST', '/api/public/applications', {
        body: { matter: MATTER, applicant: { name: '演练 李明', phone: '0571-88886666', company: '杭州运河置业有限公司' },
          form: { company: '杭州运河置业有限公司', parcel: 'GS-2026-099', location: '拱墅区康桥路' } },
      });
      if (a.status === 429) { await new Promise((res) => setTimeout(res, 200)); continue; }
      assert.equal(a.status, 201, show(a));
      const number = a.json.application.number;
      for (const [m, head] of [['application_form', PDF_HEAD], ['business_licence', JPEG_HEAD], ['site_plan', PNG_HEAD], ['project_approval', PDF_HEAD]]) {
        const body = unique(head);
        sent.materials.add(sha(body));
        let u;
        do {
          u = await w.api('PUT', `/api/public/applications/${number}/materials/${m}`, { body, headers: { 'Content-Type': 'application/octet-stream' } });
          if (u.status === 429) await new Promise((res) => setTimeout(res, 250));
        } while (u.status === 429 && !stop);
        if (u.status === 429) return;
        assert.equal(u.status, 201, show(u));
      }
      acked.applications.push({ at: Date.now(), number });
    }
  })());

  // an applicant replacing one material over and over (a new application
  // every 10): the replaced files must stay while the backup runs (its
  // snapshot may name them) and go after
  const replacing = [];
  let deferred = 0;
  const replaceLoop = guard((async () => {
    let number = null;
    for (let i = 0; !stop; i++) {
      if (i % 10 === 0) {
        const a = await w.api('POST', '/api/public/applications', {
          body: { matter: MATTER, applicant: { name: '演练 王芳', phone: '0571-88887777', company: '杭州运河置业有限公司' },
            form: { company: '杭州运河置业有限公司', parcel: 'GS-2026-098', location: '拱墅区康桥路' } },
        });
        if (a.status === 429) { i--; await new Promise((res) => setTimeout(res, 200)); continue; }
        assert.equal(a.status, 201, show(a));
        number = a.json.application.number;
        replacing.push(number);
      }
      const body = unique(PDF_HEAD);
      sent.materials.add(sha(body));
      const u = await w.api('PUT', `/api/public/applications/${number}/materials/application_form`, { body, headers: { 'Content-Type': 'application/octet-stream' } });
      if (u.status === 429) { await new Promise((res) => setTimeout(res, 250)); continue; }
      assert.equal(u.status, 201, show(u));
      if (fs.existsSync(path.join(w.dir, 'materials', '.replaced'))) deferred++;
    }
  })());

  // let every load get going, then back up while they run
  while (!stop && (acked.receipts.length < 5 || acked.applications.length < 2 || acked.batches.length < 5)) {
    await new Promise((res) => setTimeout(res, 50));
  }
  const bk = path.join(work, 'backup');
  const began = Date.now();
  const b = await run(['backup', bk, '--data', w.dir]);
  const ended = Date.now();
  // a little more load after the backup, which must not be in it
  await new Promise((res) => setTimeout(res, 300));
  stop = true;
  await Promise.all([ingestLoop, reportLoop, applicationLoop, replaceLoop]);
  await ingestLoop; // (rethrows the first failure of a load)
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /backed up .*: database \d+ bytes, \d+ files/);
  assert.doesNotMatch(b.stderr, /missing/);

  const before = (list) => list.filter((x) => x.at < began);
  const ackedRecords = before(acked.batches).reduce((s, x) => s + x.n, 0);
  assert.ok(before(acked.receipts).length >= 5 && before(acked.applications).length >= 2);

  // restore into a new directory and serve the copy
  const dir2 = path.join(work, 'restored');
  const rs = cli(['restore', bk, dir2]);
  assert.equal(rs.status, 0, rs.stderr);
  assert.match(rs.stdout, /integrity_check ok/);
  const s2 = await startServer(['serve', '--data', dir2, '--listen', '127.0.0.1:0']);
  try {
    const login = await request(s2.base, 'POST', '/api/v1/login', { body: { name: USERS.admin.name, password: USERS.admin.password } });
    assert.equal(login.status, 200, show(login));
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const get = (p) => request(s2.base, 'GET', p, { cookie });
    const fetchBytes = async (p) => {
      const r = await fetch(s2.base + p, { headers: { Cookie: cookie } });
      return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
    };

    // records: at least every batch answered before the backup began
    const h = await request(s2.base, 'GET', '/healthz');
    const all = acked.batches.reduce((s, x) => s + x.n, 0);
    assert.ok(h.json.records >= records0 + ackedRecords && h.json.records <= records0 + all,
      `records in the copy: ${h.json.records}; before the loads ${records0}, answered before the backup ${ackedRecords}, in all ${all}`);

    // reports: each receipt answered before the backup began is there;
    // the ones answered during the backup are there or not, never an error
    for (const { at, receipt } of acked.receipts) {
      const r = await request(s2.base, 'GET', `/api/public/receipts/${receipt}`);
      if (at < began) assert.equal(r.status, 200, `receipt ${receipt} answered before the backup: ${show(r)}`);
      else if (at > ended) assert.equal(r.status, 404, `receipt ${receipt} answered after the backup ended`);
      else assert.ok(r.status === 200 || r.status === 404, show(r));
    }
    // every photo the copy references answers, with bytes a citizen sent
    const orders = (await get('/api/v1/orders?limit=500')).json.orders;
    let photos = 0, materials = 0;
    for (const o of orders) {
      const d = await get(`/api/v1/orders/${o.id}`);
      assert.equal(d.status, 200, show(d));
      for (const ev of d.json.evidence || []) {
        const f = await fetchBytes(ev.url);
        assert.equal(f.status, 200, `evidence ${ev.url} of order ${o.id}`);
        assert.ok(sent.photos.has(sha(f.body)), `evidence ${ev.url} holds a photo that was sent`);
        photos++;
      }
      if (o.matter === MATTER) {
        const a = await get(`/api/v1/applications/${o.id}`);
        if (a.status !== 200) continue; // a department's sub-order
        for (const m of a.json.application.materials) {
          const f = await fetchBytes(m.url);
          assert.equal(f.status, 200, `material ${m.url}`);
          assert.ok(sent.materials.has(sha(f.body)), `material ${m.url} holds a file that was sent`);
          materials++;
        }
      }
    }
    assert.ok(photos >= before(acked.receipts).length, `${photos} photos answer; ${before(acked.receipts).length} reports were answered before the backup`);
    assert.ok(materials >= 4 * before(acked.applications).length, `${materials} materials answer`);
    t.diagnostic(`backup took ${ended - began} ms; answered before it: ${before(acked.receipts).length} reports, ` +
      `${before(acked.applications).length} applications, ${ackedRecords} records; in all ${acked.receipts.length} reports, ` +
      `${acked.applications.length} applications; the copy answers ${photos} photos and ${materials} materials, ${h.json.records} records; ` +
      `${replacing.length} applications replaced a material, ${deferred} replacements saw a deletion left for the backup`);
    // each application answered (with its four materials) before the backup is whole in the copy
    for (const { number } of before(acked.applications)) {
      const a = await request(s2.base, 'GET', `/api/public/applications/${number}`);
      assert.equal(a.status, 200, show(a));
      assert.notEqual(a.json.application.status, 'awaiting_materials', `application ${number} has its materials`);
    }
  } finally {
    s2.child.kill('SIGTERM');
    await new Promise((res) => {
      if (s2.child.exitCode !== null || s2.child.signalCode !== null) return res();
      s2.child.once('exit', res);
    });
  }

  // the backup over, the next upload deletes every replaced file left for
  // later: one file per material in each application's directory. (The
  // replacing loop may have stopped right after making a new application,
  // so this upload can be that material's first: the files left for later
  // go at any upload, not only at a replacement.)
  const replaceOnce = () => w.api('PUT', `/api/public/applications/${replacing.at(-1)}/materials/application_form`,
    { body: unique(PDF_HEAD), headers: { 'Content-Type': 'application/octet-stream' } });
  let again = await replaceOnce();
  if (again.status === 429) { // the limiter's clock is the test clock: move it on
    await w.advance(2);
    again = await replaceOnce();
  }
  assert.equal(again.status, 201, show(again));
  assert.ok(!fs.existsSync(path.join(w.dir, 'materials', '.replaced')), 'replaced files left for later');
  const perMaterial = new Map();
  for (const f of fs.readdirSync(path.join(w.dir, 'materials'), { recursive: true }).map(String)) {
    const m = /^(\d+)\/[0-9a-f]{8}-(\w+)\.\w+$/.exec(f);
    if (!m) continue;
    const k = `${m[1]}/${m[2]}`;
    perMaterial.set(k, (perMaterial.get(k) || 0) + 1);
  }
  assert.ok(perMaterial.size > 0);
  for (const [k, n] of perMaterial) assert.equal(n, 1, `materials/${k}: ${n} files`);

  // a damaged backup is refused before anything is copied
  const photo = fs.readdirSync(path.join(bk, 'evidence'), { recursive: true }).find((p) => /\.(png|jpg)$/.test(p));
  fs.appendFileSync(path.join(bk, 'evidence', photo), 'x');
  const dir3 = path.join(work, 'restored-2');
  const bad = cli(['restore', bk, dir3]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /damaged/);
  assert.ok(!fs.existsSync(path.join(dir3, 'zhizhi.db')), 'nothing restored from a damaged backup');
});
