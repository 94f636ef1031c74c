// The park's hazard rectification (issue 13 §5, 平安园区 隐患整改): the
// park safety campaign of the Gongshu pack (campaigns.json park_safety) with
// its fire, work-safety and construction-site checklists. A fire officer's
// visit of a park enterprise with a failed item opens a rectification item
// and a work order to the fire brigade; a construction site's failed dust
// item goes to housing; the park cockpit's safety panel reads exactly the
// items of its region (the URL campaign.js builds from the panel's query),
// and a passing re-inspection moves the item to closed on time. The pack
// loader refuses a campaign's "demo" member that names a type outside the
// campaign.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorld, cli, show, GONGSHU_PACK } from './harness.mjs';

const OFFICERS = {
  fire: { name: 'fire_xu', password: 'fire-inspector-1', department: 'fire' },
  housing: { name: 'housing_he', password: 'housing-insp-01', department: 'housing' },
  emergency: { name: 'yj_zhao', password: 'emergency-insp-1', department: 'emergency' },
};
const ENT = 'bb-ent-0001'; // an enterprise of the park (北部软件园)
const SITE = 'kp-site-01'; // a construction site of the park
const OUTSIDE = 'xtd-ent-0001'; // an enterprise of the Xintiandi block, not the park
const FIRE_ITEMS = ['fire_exits', 'extinguishers', 'alarm_sprinkler', 'evacuation_signs', 'ebike_charging'];
const SITE_ITEMS = ['dust_cover', 'dust_spray', 'noise_hours', 'hoarding', 'site_safety'];

let w;
const ck = {};
const uid = () => 'it-' + crypto.randomUUID();
const answers = (items, failed = {}) => items.map((item) => (item in failed ? { item, ok: false, note: failed[item] } : { item, ok: true }));
const post = (who, p, body) => w.api('POST', p, { cookie: ck[who], body });
const get = (who, p) => w.api('GET', p, { cookie: ck[who] });

before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: [], start: false });
  for (const u of Object.values(OFFICERS)) {
    const r = w.run(['user', 'add', u.name, '--role', 'officer', '--department', u.department, '--password-stdin'], { input: u.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${u.name}: ${r.stderr}`);
  }
  await w.start();
  for (const [k, u] of Object.entries(OFFICERS)) ck[k] = await w.login(u.name, u.password);
  ck.admin = await w.as('admin');
  ck.park = await w.as('park'); // the park manager, scoped to gongshu/kejipark
});
after(async () => { await w?.close(); });

// The URL the park cockpit's panel reads, built as web/cockpit/campaign.js
// builds it from the panel's query and the perspective's region.
async function panelUrl(id) {
  const dash = (await get('park', '/api/v1/dashboards')).json;
  const safety = dash.layouts.park.modules.find((m) => m.id === 'safety');
  const panel = safety.panels.find((p) => p.id === id);
  assert.ok(panel, `the park's safety module has panel ${id}`);
  assert.equal(panel.kind, 'campaign');
  assert.equal(panel.query.campaign, 'park_safety');
  return `/api/v1/rectifications?campaign=${encodeURIComponent(panel.query.campaign)}&region=${encodeURIComponent('gongshu/kejipark')}&limit=2000`;
}

async function panelItems(who = 'park') {
  const r = await get(who, await panelUrl('hazards'));
  assert.equal(r.status, 200, show(r));
  return r.json.rectify;
}
const byStatus = (items) => items.reduce((a, x) => ({ ...a, [x.status]: (a[x.status] || 0) + 1 }), {});

let fireItem, siteItem;

test('the park safety campaign and its checklists come from the pack', async () => {
  const r = await get('park', '/api/v1/checklists');
  assert.equal(r.status, 200, show(r));
  const cls = Object.fromEntries(r.json.checklists.map((c) => [c.id, c]));
  assert.deepEqual(cls.park_fire.entity_types, ['enterprise', 'site']);
  assert.equal(cls.park_fire.department, 'fire');
  assert.equal(cls.park_enterprise.department, 'emergency');
  assert.equal(cls.park_site.department, 'housing');
  assert.deepEqual(cls.park_site.items.map((i) => i.id), SITE_ITEMS);
  const camp = r.json.campaigns.find((c) => c.id === 'park_safety');
  assert.deepEqual(camp.checklists, ['park_fire', 'park_enterprise', 'park_site']);
  assert.deepEqual(await panelItems(), [], 'nothing found yet');
});

test('a failed fire item opens an item and an order to the fire brigade; the park panel counts it', async () => {
  const r = await post('fire', '/api/v1/inspections', { uid: uid(), checklist: 'park_fire', entity: ENT,
    answers: answers(FIRE_ITEMS, { fire_exits: '安全出口堆放纸箱' }), note: '园区消防检查' });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.inspection.campaign, 'park_safety', 'the campaign that uses the checklist');
  assert.equal(r.json.rectify.length, 1);
  fireItem = r.json.rectify[0];
  assert.equal(fireItem.item, 'fire_exits');
  assert.equal(fireItem.owner, 'fire');
  assert.equal(fireItem.status, 'open');
  const o = await get('fire', `/api/v1/orders/${fireItem.order}`);
  assert.equal(o.status, 200, show(o));
  const ord = o.json.order || o.json;
  assert.equal(ord.matter, 'rectification');
  assert.equal(ord.department, 'fire');
  assert.equal(ord.state, 'dispatched');
  assert.equal(ord.entity, ENT);
  // the panel's answer: the item, open, with its owner, deadline and order
  const items = await panelItems();
  assert.equal(items.length, 1);
  assert.deepEqual(byStatus(items), { open: 1 });
  assert.equal(items[0].id, fireItem.id);
  assert.equal(items[0].owner, 'fire');
  assert.equal(items[0].order, fireItem.order);
  assert.equal(items[0].deadline, fireItem.deadline);
});

test('a site\'s failed dust item goes to housing; an enterprise outside the park is not the park panel\'s', async () => {
  const r = await post('housing', '/api/v1/inspections', { uid: uid(), checklist: 'park_site', entity: SITE,
    answers: answers(SITE_ITEMS, { dust_cover: '裸土未覆盖' }) });
  assert.equal(r.status, 201, show(r));
  siteItem = r.json.rectify[0];
  assert.equal(siteItem.owner, 'housing');
  const ord = (await get('housing', `/api/v1/orders/${siteItem.order}`)).json;
  assert.equal((ord.order || ord).department, 'housing');
  // a fire officer checks a Xintiandi enterprise with the same checklist: the district sees it, the park panel does not
  const out = await post('fire', '/api/v1/inspections', { uid: uid(), checklist: 'park_fire', entity: OUTSIDE,
    answers: answers(FIRE_ITEMS, { ebike_charging: '楼道内充电' }) });
  assert.equal(out.status, 201, show(out));
  const items = await panelItems('admin');
  assert.deepEqual(items.map((x) => x.id).sort((a, b) => a - b), [fireItem.id, siteItem.id]);
  const all = (await get('admin', '/api/v1/rectifications?campaign=park_safety&limit=2000')).json.rectify;
  assert.equal(all.length, 3);
  // by kind, as the "kinds" panel counts them: one fire exit, one dust cover
  const kinds = items.reduce((a, x) => ({ ...a, [x.item]: (a[x.item] || 0) + 1 }), {});
  assert.deepEqual(kinds, { fire_exits: 1, dust_cover: 1 });
});

test('a passing re-inspection closes the item on time and its order; the panel moves it to closed on time', async () => {
  const r = await post('fire', '/api/v1/inspections', { uid: uid(), checklist: 'park_fire', entity: ENT, answers: answers(FIRE_ITEMS) });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.rectify.length, 0);
  const items = await panelItems();
  assert.deepEqual(byStatus(items), { closed_on_time: 1, open: 1 });
  const closed = items.find((x) => x.id === fireItem.id);
  assert.equal(closed.status, 'closed_on_time');
  assert.equal(closed.closed_by, r.json.inspection.id);
  const o = (await get('fire', `/api/v1/orders/${fireItem.order}`)).json;
  assert.equal((o.order || o).state, 'closed');
});

// The Gongshu pack's files into dir, to be edited there.
function copyPack(dir) {
  for (const f of fs.readdirSync(GONGSHU_PACK)) {
    const from = path.join(GONGSHU_PACK, f);
    if (fs.statSync(from).isFile()) fs.copyFileSync(from, path.join(dir, f));
  }
}

test('the pack loader refuses a campaign demo member naming a type outside the campaign, naming file and field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-hazard-pack-'));
  try {
    copyPack(dir);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'campaigns.json'), 'utf8'));
    const at = doc.campaigns.findIndex((c) => c.id === 'park_safety');
    doc.campaigns[at].demo.every_month = ['market'];
    fs.writeFileSync(path.join(dir, 'campaigns.json'), JSON.stringify(doc));
    const r = cli(['pack', 'load', dir, '--data', path.join(dir, 'data')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`campaigns\\.json campaigns\\[${at}\\]\\.demo\\.every_month\\[0\\]: entity type "market" is not among the campaign's participants`));
    doc.campaigns[at].demo.every_month = ['site'];
    doc.campaigns[at].demo.since_attr = { site: 'opened' };
    fs.writeFileSync(path.join(dir, 'campaigns.json'), JSON.stringify(doc));
    const r2 = cli(['pack', 'load', dir, '--data', path.join(dir, 'data')]);
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /demo\.since_attr\.site: must name an attribute that entity type "site" declares/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The campaign's area (participants.region): the park's campaign counts the
// park's enterprises and sites, not the district's, for the district's admin
// as for the park's manager; the Xintiandi visit above is not the campaign's.
test('the park safety campaign\'s dashboard counts the park\'s units only; an unknown area is refused at load', async () => {
  const walk = async (type) => {
    let n = 0, cursor = null;
    do {
      const r = await get('admin', `/api/v1/entities?type=${type}&region=gongshu%2Fkejipark&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, show(r));
      n += r.json.entities.length;
      cursor = r.json.next_cursor;
    } while (cursor != null);
    return n;
  };
  const inPark = (await walk('enterprise')) + (await walk('site'));
  for (const who of ['admin', 'park']) {
    const d = await get(who, '/api/v1/campaigns/park_safety');
    assert.equal(d.status, 200, show(d));
    assert.equal(d.json.participants.length, inPark, who);
    assert.equal(d.json.totals.participants, inPark, who);
    assert.ok(!d.json.participants.some((p) => p.entity === OUTSIDE), `${who}: the Xintiandi enterprise is not the park's`);
    // the three park visits of this file (a fire failure, a dust failure, the passing re-inspection)
    assert.equal(d.json.totals.inspections, 3, who);
    const ent = d.json.participants.find((p) => p.entity === ENT);
    assert.equal(ent.inspections, 2, who);
  }
  const list = (await get('admin', '/api/v1/campaigns')).json.campaigns.find((c) => c.id === 'park_safety');
  assert.equal(list.participants, inPark);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-hazard-area-'));
  try {
    copyPack(dir);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'campaigns.json'), 'utf8'));
    const at = doc.campaigns.findIndex((c) => c.id === 'park_safety');
    doc.campaigns[at].participants.region = 'gongshu/nopark';
    fs.writeFileSync(path.join(dir, 'campaigns.json'), JSON.stringify(doc));
    const r = cli(['pack', 'load', dir, '--data', path.join(dir, 'data')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`campaigns\\.json campaigns\\[${at}\\]\\.participants\\.region: region "gongshu/nopark" does not exist`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
