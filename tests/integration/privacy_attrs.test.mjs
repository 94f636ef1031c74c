// privacy_attrs.test.mjs - personal attributes of entities (entity_types.json
// "personal": true: a stall-holder's name, every contact phone) reach only
// those who may see them: admins and the officers of the department that
// supervises the type (campaigns.json: market_supervision the markets and
// stalls, politics_law the political-legal units). Everyone else - a
// viewer, a dispatcher, an officer of another department, the receiver of
// a subscription whose owner is one of them - gets them masked (王**,
// 150****3128) on every path that writes an entity's attrs: the entity,
// the list and its name search, attr. filters, the portrait, the CSV
// export, NGSI-v2 in every option form and q, and notifications. Grouping
// by a personal attribute is refused to them, and the enterprise code's
// phone check still compares the real phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createWorld, GONGSHU_PACK, show } from './harness.mjs';

process.env.ZZ_PUBLIC_RATE_SCALE = '50';

const XTD = 'gongshu/dongxin/xintiandi';
const EXTRA = {
  view_all: { role: 'viewer', password: 'view-pass-0001' },
  disp_all: { role: 'dispatcher', password: 'disp-pass-0001' },
  off_ms: { role: 'officer', department: 'market_supervision', password: 'ms-pass-000001' },
  off_pl: { role: 'officer', department: 'politics_law', password: 'pl-pass-000001' },
  admin_v: { role: 'admin', password: 'adminv-pass-001' }, // made viewer after its subscription
  admin_d: { role: 'admin', password: 'admind-pass-001' }, // made dispatcher likewise
};

// the pack's own entities, read from the file the server loaded
const PACK_ENTS = new Map(fs.readFileSync(path.join(GONGSHU_PACK, 'entities.ndjson'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((e) => [e.id, e]));
const STALL = PACK_ENTS.get('stall-01-001');
const POLICE = PACK_ENTS.get('legal-shiqiao-police');

// the house's masks (src/core/str.c), restated: the first character of a
// name, the first three and last four digits of a phone
const maskName = (s) => [...s][0] + '**';
const maskPhone = (s) => {
  const d = s.replace(/\D/g, '');
  return d.slice(0, 3) + '****' + d.slice(-4);
};

let w;
const cookie = {};
const WHO = { V: 'view_all', D: 'disp_all', A: null, OM: 'off_ms', OP: 'off_pl' };
const MASKED = ['V', 'D', 'OP']; // for a stall
const WHOLE = ['A', 'OM'];

before(async () => {
  assert.ok(STALL && STALL.attrs.holder && STALL.attrs.contact_phone, 'the pack has stall-01-001');
  assert.ok(POLICE && POLICE.attrs.contact_phone, 'the pack has legal-shiqiao-police');
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['market_registry'], start: false });
  for (const [name, u] of Object.entries(EXTRA)) {
    const args = ['user', 'add', name, '--role', u.role, '--password-stdin'];
    if (u.department) args.push('--department', u.department);
    const r = w.run(args, { input: u.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }
  await w.start();
  for (const [k, name] of Object.entries(WHO)) {
    cookie[k] = name ? await w.login(name, EXTRA[name].password) : await w.as('admin');
  }
});
after(async () => { await w?.close(); });

const get = async (who, p, opts = {}) => {
  const r = await w.api('GET', p, { cookie: cookie[who], ...opts });
  assert.equal(r.status, 200, `${who} GET ${p}: ${show(r)}`);
  return r;
};

function assertAttrs(attrs, who, ent = STALL) {
  const want = WHOLE.includes(who) || (who === 'OP' && ent === POLICE)
    ? ent.attrs
    : Object.fromEntries(Object.entries(ent.attrs).map(([k, v]) =>
      [k, k === 'holder' ? maskName(v) : k === 'contact_phone' ? maskPhone(v) : v]));
  for (const k of Object.keys(ent.attrs)) assert.equal(attrs[k], want[k], `${who}: ${ent.id}.${k}`);
  if (want !== ent.attrs) {
    assert.notEqual(attrs.contact_phone, ent.attrs.contact_phone, `${who} must not see the phone`);
    const text = JSON.stringify(attrs);
    assert.ok(!text.includes(ent.attrs.contact_phone.replace(/\D/g, '').slice(3, 7)), `${who}: no middle digits`);
  }
}

test('the entity, the list, the name search and the portrait: masked but for admins and the supervising officers', async () => {
  for (const who of Object.keys(WHO)) {
    const one = (await get(who, `/api/v1/entities/${STALL.id}`)).json.entity;
    assertAttrs(one.attrs, who);
    assert.equal(one.attrs.market, STALL.attrs.market, 'other attributes stay whole');
    const list = (await get(who, `/api/v1/entities?type=stall&limit=1000`)).json.entities;
    const inList = list.find((e) => e.id === STALL.id);
    assert.ok(inList, `${who}: the stall is listed`);
    assertAttrs(inList.attrs, who);
    const found = (await get(who, `/api/v1/entities?name=${encodeURIComponent(STALL.name_zh)}`)).json.entities;
    const hit = found.find((e) => e.id === STALL.id);
    assert.ok(hit, `${who}: the name search finds the stall`);
    assertAttrs(hit.attrs, who);
    const portrait = (await get(who, `/api/v1/entities/${STALL.id}/portrait`)).json.entity;
    assertAttrs(portrait.attrs, who);
    // a political-legal unit: its own department sees it, market supervision not
    const unit = (await get(who, `/api/v1/entities/${POLICE.id}`)).json.entity;
    if (who === 'OM') {
      assert.equal(unit.attrs.contact_phone, maskPhone(POLICE.attrs.contact_phone));
    } else {
      assertAttrs(unit.attrs, who, POLICE);
    }
  }
});

test('attr. filters meet the masked values: a real phone finds nothing for those who see it masked', async () => {
  const q = `/api/v1/entities?type=stall&attr.contact_phone=${encodeURIComponent(STALL.attrs.contact_phone)}`;
  for (const who of WHOLE) {
    const ents = (await get(who, q)).json.entities;
    assert.deepEqual(ents.map((e) => e.id), [STALL.id], who);
    assert.equal(ents[0].attrs.contact_phone, STALL.attrs.contact_phone);
  }
  for (const who of MASKED) assert.deepEqual((await get(who, q)).json.entities, [], `${who} probes a phone`);
  const byName = `/api/v1/entities?type=stall&attr.holder=${encodeURIComponent(STALL.attrs.holder)}`;
  for (const who of MASKED) assert.deepEqual((await get(who, byName)).json.entities, [], `${who} probes a name`);
  assert.ok((await get('A', byName)).json.entities.some((e) => e.id === STALL.id));
});

test('the CSV export of a list carries the attributes as the caller sees them', async () => {
  const p = `/api/v1/entities?name=${encodeURIComponent(STALL.name_zh)}&format=csv`;
  for (const who of Object.keys(WHO)) {
    const csv = (await get(who, p)).text;
    assert.match(csv, /contact_phone/, `${who}: the attributes are columns`);
    if (WHOLE.includes(who)) {
      assert.ok(csv.includes(STALL.attrs.contact_phone) && csv.includes(STALL.attrs.holder), `${who}: ${csv}`);
    } else {
      assert.ok(!csv.includes(STALL.attrs.contact_phone) && !csv.includes(STALL.attrs.holder), `${who}: ${csv}`);
      assert.ok(csv.includes(maskPhone(STALL.attrs.contact_phone)) && csv.includes(maskName(STALL.attrs.holder)), `${who}: ${csv}`);
    }
  }
});

test('NGSI-v2: normalized, keyValues, values, attrs, one attribute and its value, the list and q', async () => {
  const id = STALL.id;
  for (const who of Object.keys(WHO)) {
    const norm = (await get(who, `/v2/entities/${id}`)).json;
    assertAttrs({ holder: norm.holder.value, contact_phone: norm.contact_phone.value, market: norm.market.value, trade: norm.trade.value }, who);
    const kv = (await get(who, `/v2/entities/${id}?options=keyValues`)).json;
    assertAttrs(kv, who);
    const vals = (await get(who, `/v2/entities/${id}?options=values&attrs=holder,contact_phone`)).json;
    assertAttrs({ holder: vals[0], contact_phone: vals[1], market: STALL.attrs.market, trade: STALL.attrs.trade }, who);
    const attrs = (await get(who, `/v2/entities/${id}/attrs?options=keyValues`)).json;
    assertAttrs(attrs, who);
    const one = (await get(who, `/v2/entities/${id}/attrs/holder`)).json;
    const value = (await get(who, `/v2/entities/${id}/attrs/contact_phone/value`)).text;
    assertAttrs({ ...STALL.attrs, holder: one.value, contact_phone: JSON.parse(value) }, who);
    const list = (await get(who, `/v2/entities?type=stall&id=${id}&options=keyValues`)).json;
    assert.equal(list.length, 1);
    assertAttrs(list[0], who);
    const q = `/v2/entities?type=stall&q=${encodeURIComponent(`contact_phone=='${STALL.attrs.contact_phone}'`)}&options=keyValues`;
    const hits = (await get(who, q)).json;
    if (WHOLE.includes(who)) {
      assert.deepEqual(hits.map((e) => e.id), [id], `${who}: q finds the real phone`);
    } else {
      assert.deepEqual(hits, [], `${who}: q cannot probe a phone`);
    }
  }
});

test('grouping by a personal attribute: refused to those who see it masked', async () => {
  const p = `/api/v1/summary?entity_type=stall&by=holder&region=${STALL.region}`;
  for (const who of MASKED) {
    const r = await w.api('GET', p, { cookie: cookie[who] });
    assert.equal(r.status, 403, `${who}: ${show(r)}`);
    assert.equal(r.json.error.field, 'by');
  }
  for (const who of WHOLE) {
    const r = await get(who, p);
    assert.ok(r.text.includes(STALL.attrs.holder), `${who} groups by the real names`);
  }
  // a plain attribute groups for everyone
  await get('V', '/api/v1/summary?entity_type=stall&by=trade');
  // a breakdown of a metric by a personal attribute of its type
  const emp = await w.api('GET', '/api/v1/breakdown?metric=employees&by=contact_phone', { cookie: cookie.D });
  assert.equal(emp.status, 403, show(emp));
});

test('notifications: the subscription owner\'s role now decides', async () => {
  // an enterprise with a contact phone, in Xintiandi (employees: market_registry's metric)
  const ent = (await get('A', `/api/v1/entities?type=enterprise&region=${XTD}&limit=1`)).json.entities[0];
  assert.ok(ent.attrs.contact_phone, 'the enterprise has a phone');
  const got = { A: [], V: [], D: [] };
  const rx = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => {
      got[req.url.slice(1)]?.push(JSON.parse(b));
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  try {
    const url = (k) => `http://127.0.0.1:${rx.address().port}/${k}`;
    const owners = { A: cookie.A, V: await w.login('admin_v', EXTRA.admin_v.password), D: await w.login('admin_d', EXTRA.admin_d.password) };
    for (const [k, c] of Object.entries(owners)) {
      const r = await w.api('POST', '/v2/subscriptions', { cookie: c, body: {
        subject: { entities: [{ id: ent.id, type: 'enterprise' }], condition: { attrs: ['employees'] } },
        notification: { http: { url: url(k) }, attrs: ['contact_phone', 'employees'] }, throttling: 0 } });
      assert.equal(r.status, 201, show(r));
    }
    // the two admins who made subscriptions become a viewer and a dispatcher
    for (const [name, role] of [['admin_v', 'viewer'], ['admin_d', 'dispatcher']]) {
      const r = await w.api('PUT', `/api/v1/users/${name}`, { cookie: cookie.A, body: { role } });
      assert.equal(r.status, 200, show(r));
    }
    await w.ingestOk([{ entity: ent.id, metric: 'employees', ts: Date.now() - 1000, value: 42 }], { token: w.tokens.market_registry });
    for (let i = 0; i < 250 && Object.values(got).some((g) => !g.length); i++) await new Promise((r) => setTimeout(r, 20));
    for (const [k, g] of Object.entries(got)) {
      assert.equal(g.length, 1, `${k}: one notification`);
      const e = g[0].data[0];
      assert.equal(e.id, ent.id);
      assert.equal(e.employees.value, 42);
      assert.equal(e.contact_phone.value, k === 'A' ? ent.attrs.contact_phone : maskPhone(ent.attrs.contact_phone), k);
    }
  } finally {
    rx.close();
  }
});

test('the enterprise code\'s phone check still compares the real phone', async () => {
  await get('A', '/api/v1/codes?kind=enterprise&limit=1'); // the route answers
  const made = await w.api('POST', '/api/v1/codes/generate', { cookie: cookie.A, body: { kind: 'enterprise', entity_type: 'enterprise', region: XTD } });
  assert.equal(made.status, 201, show(made));
  const code = (await get('A', '/api/v1/codes?kind=enterprise&limit=1')).json.codes[0];
  const real = (await get('A', `/api/v1/entities/${code.entity}`)).json.entity.attrs.contact_phone;
  const masked = (await get('V', `/api/v1/entities/${code.entity}`)).json.entity.attrs.contact_phone;
  assert.equal(masked, maskPhone(real));
  const ok = await w.api('POST', `/api/public/codes/${code.token}/verify`, { body: { contact_phone: real } });
  assert.equal(ok.status, 200, show(ok));
  assert.equal(ok.json.verified, true);
  const bad = await w.api('POST', `/api/public/codes/${code.token}/verify`, { body: { contact_phone: masked } });
  assert.notEqual(bad.status, 200, 'the masked phone is not the phone');
  // the code's public page tells only that a phone is on file
  const page = await w.api('GET', `/api/public/codes/${code.token}`);
  assert.equal(page.status, 200, show(page));
  assert.ok(!page.text.includes(real) && !page.text.includes(real.replace(/\D/g, '')));
});
