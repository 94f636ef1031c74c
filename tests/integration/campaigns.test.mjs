// Campaigns (专项行动, 限塑 in the farmers' markets, issue 13 §2): the
// campaign's department (区市场监管局) records a market's responsibility
// pledge on paper; a stall-holder signs the commitment on a phone through
// the stall's enterprise code with the stall's contact phone (another
// phone 403, a second signature 409 naming when); signers' names and
// phones are whole for the department and admins and masked for every
// other role and department; a scoped viewer sees its street only; and the
// dashboard's counts move by exactly what was written. The markets and
// stalls are this test's own (t-market-*, t-stall-*), so that the pack's
// demo entities, when they are there, only shift the baselines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, USERS, show } from './harness.mjs';
import { campaignPack } from './lib/campaign_pack.mjs';

process.env.ZZ_PUBLIC_RATE_SCALE = '20'; // every phone here is 127.0.0.1

const CP = 'plastic_2021';
const DX = 'gongshu/dongxin';
const XH = 'gongshu/xiaohe';
const MS = { name: 'ms_officer', password: 'ms-officer-pass-01', role: 'officer', department: 'market_supervision' };
const MS_XH = { name: 'ms_xiaohe', password: 'ms-xiaohe-pass-01', role: 'officer', department: 'market_supervision', scope: XH };
const POLICE = { name: 'police_officer', password: 'police-pass-0001', role: 'officer', department: 'police' };
const DISP = { name: 'dispatcher', password: 'disp-pass-00001', role: 'dispatcher' };

const MARKETS = [
  { id: 't-market-a', name_zh: '测试东新农贸市场', name_en: 'Test Dongxin Market', region: DX, phone: '13900001001' },
  { id: 't-market-b', name_zh: '测试小河农贸市场', name_en: 'Test Xiaohe Market', region: XH, phone: '13900001002' },
];
const STALLS = [
  { id: 't-stall-a-001', market: 't-market-a', region: DX, holder: '王建国', phone: '13800002001' },
  { id: 't-stall-a-002', market: 't-market-a', region: DX, holder: '李秀英', phone: '13800002002' },
  { id: 't-stall-a-003', market: 't-market-a', region: DX, holder: '张伟', phone: '13800002003' },
  { id: 't-stall-b-001', market: 't-market-b', region: XH, holder: '陈静', phone: '13800002004' },
];

let w;
const pack = campaignPack();
const ck = {};
const tokens = {}; // stall id -> its enterprise code's token
let base; // the dashboard before this test wrote anything

before(async () => {
  w = await createWorld({ pack: pack.dir, sources: [], start: false });
  for (const u of [MS, MS_XH, POLICE, DISP]) {
    const args = ['user', 'add', u.name, '--role', u.role, '--password-stdin'];
    if (u.department) args.push('--department', u.department);
    if (u.scope) args.push('--scope', u.scope);
    const r = w.run(args, { input: u.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${u.name}: ${r.stderr}`);
  }
  await w.start();
  for (const u of [MS, MS_XH, POLICE, DISP]) ck[u.name] = await w.login(u.name, u.password);
  ck.admin = await w.as('admin');
  ck.viewer = await w.as('viewer'); // scoped to gongshu/dongxin
  base = (await w.api('GET', `/api/v1/campaigns/${CP}`, { cookie: ck.admin })).json;
  assert.ok(base?.totals, 'the dashboard answers before anything is written');
  const add = async (body) => {
    const r = await w.api('POST', '/api/v1/entities', { cookie: ck.admin, body });
    assert.equal(r.status, 201, show(r));
  };
  for (const m of MARKETS)
    await add({ id: m.id, type: 'market', name_zh: m.name_zh, name_en: m.name_en, region: m.region, attrs: { contact_phone: m.phone, operator: '测试市场管理公司' } });
  for (const s of STALLS)
    await add({ id: s.id, type: 'stall', name_zh: `${s.id} 蔬菜摊`, name_en: `Stall ${s.id}`, region: s.region, attrs: { market: s.market, trade: '蔬菜', holder: s.holder, contact_phone: s.phone } });
  for (const region of [DX, XH]) {
    const g = await w.api('POST', '/api/v1/codes/generate', { cookie: ck.admin, body: { kind: 'enterprise', entity_type: 'stall', region } });
    assert.ok([200, 201].includes(g.status), show(g));
  }
  for (const s of STALLS) {
    const c = await w.api('GET', `/api/v1/codes?kind=enterprise&entity=${s.id}`, { cookie: ck.admin });
    assert.equal(c.status, 200, show(c));
    tokens[s.id] = c.json.codes.find((x) => x.entity === s.id && x.state === 'active').token;
  }
});
after(async () => { await w?.close(); pack.cleanup(); });

const dash = async (who = 'admin', q = '') => {
  const r = await w.api('GET', `/api/v1/campaigns/${CP}${q}`, { cookie: ck[who] });
  assert.equal(r.status, 200, show(r));
  return r.json;
};
const row = (d, id) => d.participants.find((p) => p.entity === id);
const month = (ts) => new Date(Date.parse(ts) + 8 * 3600e3).toISOString().slice(0, 7);

test('the department records a market\'s pledge on paper; the dashboard counts it', async () => {
  const body = { pledge: 'market_duty', entity: 't-market-a', signer: '赵经理', phone: '13900001001', ts: '2021-03-15T10:00:00+08:00' };
  // another department, a viewer, a dispatcher: refused, nothing written
  for (const who of [POLICE.name, 'viewer', DISP.name]) {
    const r = await w.api('POST', `/api/v1/campaigns/${CP}/pledges`, { cookie: ck[who], body });
    assert.equal(r.status, 403, `${who}: ${show(r)}`);
  }
  // the department's officer scoped to Xiaohe may not sign for a Dongxin market
  let r = await w.api('POST', `/api/v1/campaigns/${CP}/pledges`, { cookie: ck[MS_XH.name], body });
  assert.equal(r.status, 403, show(r));
  assert.equal(r.json.error.field, 'entity');
  // bad input names its field
  for (const [bad, field, status] of [
    [{ ...body, pledge: 'nope' }, 'pledge', 400],
    [{ ...body, entity: 't-stall-a-001' }, 'entity', 400], // a stall signs the stall pledge
    [{ ...body, entity: 'no-such-market' }, 'entity', 404],
    [{ ...body, signer: '  ' }, 'signer', 400],
    [{ ...body, phone: '12345' }, 'phone', 400],
    [{ ...body, ts: '2020-12-31' }, 'ts', 400], // before the campaign's start
    [{ ...body, ts: '2999-01-01' }, 'ts', 400],
  ]) {
    r = await w.api('POST', `/api/v1/campaigns/${CP}/pledges`, { cookie: ck[MS.name], body: bad });
    assert.equal(r.status, status, `${JSON.stringify(bad)}: ${show(r)}`);
    assert.equal(r.json.error.field, field, show(r));
    assert.ok(r.json.error.message_zh && r.json.error.message_zh !== r.json.error.message, 'a Chinese sentence');
  }
  const before = await dash();
  r = await w.api('POST', `/api/v1/campaigns/${CP}/pledges`, { cookie: ck[MS.name], body });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.pledge.channel, 'paper');
  assert.equal(r.json.pledge.signed_at, '2021-03-15T10:00:00+08:00');
  // the same market again: 409 already_signed, naming when
  r = await w.api('POST', `/api/v1/campaigns/${CP}/pledges`, { cookie: ck.admin, body: { ...body, signer: '钱副经理' } });
  assert.equal(r.status, 409, show(r));
  assert.equal(r.json.error.code, 'already_signed');
  assert.equal(r.json.error.signed_at, '2021-03-15T10:00:00+08:00');
  assert.match(r.json.error.message_zh, /2021-03-15/);

  const after = await dash();
  const duty = (d) => d.totals.signed.market_duty;
  assert.equal(duty(after), duty(before) + 1);
  assert.equal(row(after, 't-market-a').pledges.market_duty, '2021-03-15T10:00:00+08:00');
  assert.equal(row(after, 't-market-b').pledges.market_duty, null);
  const m = (d) => (d.by_month.find((x) => x.month === '2021-03') || { pledges: 0 }).pledges;
  assert.equal(m(after), m(before) + 1);
  const list = (await w.api('GET', '/api/v1/campaigns', { cookie: ck.viewer })).json.campaigns;
  const plastic = list.find((c) => c.id === CP);
  assert.ok(plastic, 'the list names the campaign');
  assert.equal(plastic.pledges.find((p) => p.id === 'market_duty').expected, plastic.participants);
});

test('a stall-holder signs through the stall\'s code: the registered phone only, once', async () => {
  const tok = tokens['t-stall-a-001'];
  let r = await w.api('GET', `/api/public/codes/${tok}/pledges`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.pledges.length, 1, 'a stall is asked for the stall pledge only');
  const p = r.json.pledges[0];
  assert.equal(p.pledge, 'stall_pledge');
  assert.equal(p.signed, false);
  assert.ok(p.text_zh.includes('超薄塑料购物袋'));
  assert.ok(!JSON.stringify(r.json).includes('13800002001'), 'the page never gets the phone');

  const before = await dash();
  const sign = (body, t = tok) => w.api('POST', `/api/public/codes/${t}/pledges`, { body });
  const ok = { campaign: CP, pledge: 'stall_pledge', signer: '王建国', phone: '13800002001' };
  r = await sign({ ...ok, phone: '13800002002' }); // the neighbour's phone
  assert.equal(r.status, 403, show(r));
  assert.equal(r.json.error.field, 'phone');
  r = await sign({ ...ok, pledge: 'market_duty' }); // a stall cannot sign the market's pledge
  assert.equal(r.status, 400, show(r));
  r = await sign({ ...ok, campaign: 'zfdw_2021' });
  assert.equal(r.status, 400, show(r));
  r = await sign({ ...ok, campaign: 'nope' });
  assert.equal(r.status, 404, show(r));
  assert.equal(r.json.error.field, 'campaign');
  r = await sign(ok, 'not-a-token');
  assert.equal(r.status, 404, show(r));
  assert.equal((await dash()).totals.signed.stall_pledge, before.totals.signed.stall_pledge, 'refusals write nothing');

  r = await sign({ ...ok, phone: '138-0000-2001' }); // digits compared, punctuation aside
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.pledge.channel, 'code');
  assert.equal(r.json.pledge.signer, '王建国');
  const at = r.json.pledge.signed_at;
  r = await sign(ok);
  assert.equal(r.status, 409, show(r));
  assert.equal(r.json.error.code, 'already_signed');
  assert.equal(r.json.error.signed_at, at);
  r = await w.api('GET', `/api/public/codes/${tok}/pledges`);
  assert.equal(r.json.pledges[0].signed, true);
  assert.equal(r.json.pledges[0].signed_at, at);

  // a second stall of the same market signs too
  r = await sign({ ...ok, signer: '李秀英', phone: '13800002002' }, tokens['t-stall-a-002']);
  assert.equal(r.status, 201, show(r));

  const after = await dash();
  assert.equal(after.totals.signed.stall_pledge, before.totals.signed.stall_pledge + 2);
  const a = row(after, 't-market-a');
  assert.equal(a.members, 3);
  assert.equal(a.members_signed, 2);
  assert.equal(a.members_signed_by.stall_pledge, 2);
  assert.equal(row(after, 't-market-b').members_signed, 0);
  assert.equal(after.totals.expected.stall_pledge, after.totals.members);
  assert.equal(after.totals.members, before.totals.members);
  const m = (d) => (d.by_month.find((x) => x.month === month(at)) || { pledges: 0 }).pledges;
  assert.equal(m(after), m(before) + 2);
});

test('signers are whole for the department and admins, masked for the others', async () => {
  const q = `/api/v1/campaigns/${CP}/pledges?pledge=stall_pledge&parent=t-market-a`;
  for (const who of [MS.name, 'admin']) {
    const r = await w.api('GET', q, { cookie: ck[who] });
    assert.equal(r.status, 200, show(r));
    const names = r.json.pledges.map((p) => p.signer).sort();
    assert.deepEqual(names, ['李秀英', '王建国'].sort(), who);
    assert.ok(r.json.pledges.every((p) => /^1\d{10}$/.test(p.phone) && p.masked === false), who);
  }
  for (const who of [POLICE.name, DISP.name, 'viewer']) {
    const r = await w.api('GET', q, { cookie: ck[who] });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.pledges.length, 2, who);
    const text = JSON.stringify(r.json);
    assert.ok(!text.includes('建国') && !text.includes('秀英') && !text.includes('13800002001'), `${who}: ${text}`);
    assert.deepEqual(r.json.pledges.map((p) => p.signer).sort(), ['李**', '王**'].sort());
    assert.ok(r.json.pledges.every((p) => /^138\*{4}\d{4}$/.test(p.phone) && p.masked), who);
  }
  // pages of one, newest first, then the end
  const p1 = await w.api('GET', `${q}&limit=1`, { cookie: ck[MS.name] });
  assert.equal(p1.json.pledges.length, 1);
  assert.ok(p1.json.next_cursor);
  const p2 = await w.api('GET', `${q}&limit=1&cursor=${encodeURIComponent(p1.json.next_cursor)}`, { cookie: ck[MS.name] });
  assert.equal(p2.json.pledges.length, 1);
  assert.notEqual(p2.json.pledges[0].id, p1.json.pledges[0].id);
  assert.equal(p2.json.next_cursor, null);
  const bad = await w.api('GET', `${q}&cursor=zzz`, { cookie: ck[MS.name] });
  assert.equal(bad.status, 400, show(bad));
  assert.equal(bad.json.error.field, 'cursor');
});

test('a viewer scoped to a street sees that street\'s markets and signatures only', async () => {
  const d = await dash('viewer');
  assert.ok(row(d, 't-market-a'), 'Dongxin\'s market');
  assert.equal(row(d, 't-market-b'), undefined, 'not Xiaohe\'s');
  assert.ok(d.participants.every((p) => p.region.startsWith(DX)), 'every market in the scope');
  const all = await dash('admin');
  assert.ok(row(all, 't-market-b'));
  assert.ok(d.totals.participants < all.totals.participants);
  assert.equal(d.totals.participants, d.participants.length);
  const sx = await dash('admin', `?region=${XH}`);
  assert.equal(row(sx, 't-market-a'), undefined);
  const out = await w.api('GET', `/api/v1/campaigns/${CP}?region=${XH}`, { cookie: ck.viewer });
  assert.equal(out.status, 403, show(out));
  const r = await w.api('GET', `/api/v1/campaigns/${CP}/pledges?parent=t-market-b`, { cookie: ck.viewer });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.pledges.length, 0);
});

test('activities: the department records them, everyone in scope reads them', async () => {
  const body = { kind: 'alternatives', title: '菜篮子、布袋子进市场', entity: 't-market-a', participants: 120, ts: '2021-04-22T09:00:00+08:00', note: '发放布袋 300 个' };
  let r = await w.api('POST', `/api/v1/campaigns/${CP}/activities`, { cookie: ck[POLICE.name], body });
  assert.equal(r.status, 403, show(r));
  for (const [bad, field] of [[{ ...body, kind: 'party' }, 'kind'], [{ ...body, participants: -1 }, 'participants'], [{ ...body, title: '' }, 'title']]) {
    r = await w.api('POST', `/api/v1/campaigns/${CP}/activities`, { cookie: ck[MS.name], body: bad });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.json.error.field, field);
  }
  r = await w.api('POST', `/api/v1/campaigns/${CP}/activities`, { cookie: ck[MS.name], body });
  assert.equal(r.status, 201, show(r));
  const id = r.json.id;
  r = await w.api('POST', `/api/v1/campaigns/${CP}/activities`, { cookie: ck[MS.name], body: { kind: 'meeting', title: '全区限塑工作推进会', participants: 40, ts: '2021-05-06T14:30:00+08:00' } });
  assert.equal(r.status, 201, show(r));
  const d = await dash('viewer');
  assert.equal(d.activities[0].title, '全区限塑工作推进会');
  assert.equal(d.activities[1].id, id);
  assert.equal(d.activities[1].entity.id, 't-market-a');
  const l = await w.api('GET', `/api/v1/campaigns/${CP}/activities?kind=alternatives`, { cookie: ck[DISP.name] });
  assert.equal(l.status, 200, show(l));
  assert.deepEqual(l.json.activities.map((a) => a.id), [id]);
});

test('unknown campaigns, anonymous callers', async () => {
  let r = await w.api('GET', '/api/v1/campaigns/nope', { cookie: ck.viewer });
  assert.equal(r.status, 404, show(r));
  r = await w.api('GET', `/api/v1/campaigns/${CP}`);
  assert.equal(r.status, 401, show(r));
  r = await w.api('POST', `/api/v1/campaigns/${CP}/pledges`, { body: { pledge: 'market_duty', entity: 't-market-b', signer: 'x' } });
  assert.equal(r.status, 401, show(r));
  assert.equal(USERS.viewer.scope, DX);
});
