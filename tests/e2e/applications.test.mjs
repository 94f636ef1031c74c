// End to end on a 375x812 phone: an enterprise scans its enterprise code,
// confirms its contact number, applies for a bar performance (酒吧演艺活动审批)
// with its three materials and lands on the application's page with three
// departments pending; the culture, police and fire officers decide on
// their phones in the department console (police reject with a note); the
// applicant's page then shows each decision and the application finished.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/ (Debian chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld, STAFF } from '../integration/lib/dispatch.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const PHONE = { width: 375, height: 812 };
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082', 'hex');

let w, code, entity;
const browsers = new Browsers();

before(async () => {
  w = await dispatchWorld();
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'enterprise', entity_type: 'enterprise', region: XTD }, 201);
  code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=enterprise&limit=1')).codes[0];
  const e = await w.ok('admin', 'GET', `/api/v1/entities/${code.entity}`);
  entity = e.entity ?? e;
});
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

const SHOTS = path.join('test-results', 'e2e');
const shot = async (page, name) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `applications-${name}.png`), fullPage: true });
};

const noScroll = async (page) => {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(over <= 0, `page is ${over}px wider than the phone`);
};

test('the enterprise page lists applications apart from reports', { timeout: 60000 }, async () => {
  const phone = await browsers.open(PHONE);
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.locator('#venue').waitFor({ timeout: 15000 });
  assert.equal(await phone.locator('#venue').innerText(), entity.name_zh);
  const doc = (await w.api('GET', `/api/public/codes/${code.token}`)).json;
  const apps = doc.matters.filter((m) => m.kind === 'application').map((m) => m.id);
  const others = doc.matters.filter((m) => m.kind !== 'application').map((m) => m.id);
  assert.equal(await phone.locator('#apps h2').innerText(), `申请办理 (${apps.length})`);
  // not only problems: an inspection and a licence change are services
  assert.equal(await phone.locator('#reports h2').innerText(), `服务与反映 (${others.length})`);
  assert.equal(await phone.locator('#m-search').count(), 0, 'a handful of matters needs no search');
  assert.ok(apps.includes('bar_activity_approval') && others.includes('fire_safety_inspection'));
  assert.deepEqual(await phone.locator('#apps button[data-matter]').evaluateAll((b) => b.map((x) => x.dataset.matter)), apps);
  assert.deepEqual(await phone.locator('#reports button[data-matter]').evaluateAll((b) => b.map((x) => x.dataset.matter)), others);
  await noScroll(phone);
  await phone.click('#lang');
  await phone.locator('#apps h2', { hasText: 'Apply' }).waitFor();
  await phone.locator('#reports h2', { hasText: 'Services and reports' }).waitFor();
  assert.deepEqual(phone.errors, []);
});

test('a park enterprise finds one of its 68 matters by searching', { timeout: 60000 }, async () => {
  const PARK = 'gongshu/kejipark/wanggu';
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'enterprise', entity_type: 'enterprise', region: PARK }, 201);
  const pc = (await w.ok('admin', 'GET', `/api/v1/codes?kind=enterprise&region=${PARK}&limit=1`)).codes[0];
  const doc = (await w.api('GET', `/api/public/codes/${pc.token}`)).json;
  assert.equal(doc.matters.length, 68);
  const phone = await browsers.open(PHONE);
  await phone.goto(`${w.base}/m/c/${pc.token}`);
  await phone.locator('#m-search').waitFor({ timeout: 15000 });
  const visible = () => phone.locator('button.matter:visible').evaluateAll((b) => b.map((x) => x.dataset.matter));
  assert.equal((await visible()).length, 68);
  assert.equal(await phone.locator('#apps button[data-matter=bar_activity_approval]').count(), 0, 'not a Xintiandi matter');
  // the talent apartment items, by a word of their Chinese name
  await phone.fill('#m-search', '人才公寓');
  const want = doc.matters.filter((m) => [m.name_zh, m.description_zh].join(' ').includes('人才公寓')).map((m) => m.id);
  assert.ok(want.length >= 2);
  assert.deepEqual((await visible()).sort(), want.sort());
  await shot(phone, 'park-search');
  // a section with nothing left hides; nothing at all says so
  await phone.fill('#m-search', 'zzzz-no-such-matter');
  assert.deepEqual(await visible(), []);
  assert.equal(await phone.locator('#no-match').isVisible(), true);
  assert.equal(await phone.locator('#apps').isVisible(), false);
  await phone.fill('#m-search', '');
  assert.equal((await visible()).length, 68);
  await noScroll(phone);
  await shot(phone, 'park-list');
  assert.deepEqual(phone.errors, []);
});

// An officer's phone, signed in already (the sign-in form itself is
// driven in dispatch.test.mjs; a page asking /api/v1/me before it would
// log the 401 as a console error).
async function officer(name) {
  const page = await browsers.open(PHONE);
  const [k, v] = (await w.u(name)).split(';')[0].split('=');
  await page.context().addCookies([{ name: k, value: v, url: w.base }]);
  await page.goto(w.base + '/dept');
  // the top bar names the user once the console knows who is signed in
  await page.locator('#who', { hasText: name }).waitFor({ timeout: 15000 });
  return page;
}

test('scan → confirm contact → apply with three materials → three departments decide → finished', { timeout: 180000 }, async () => {
  const phone = await browsers.open(PHONE);
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.click('#apps button[data-matter=bar_activity_approval]');
  // the contact first: a wrong number is refused, the registered one passes
  await phone.fill('#contact', '13900000000');
  await phone.click('#confirm');
  await phone.locator('.error', { hasText: '不一致' }).waitFor({ timeout: 10000 });
  // the refused check is the one error the browser logs (a 403 answer)
  assert.deepEqual(phone.errors.map((e) => /status of 403/.test(e)), [true], phone.errors.join('\n'));
  phone.errors.length = 0;
  await phone.fill('#contact', entity.attrs.contact_phone);
  await phone.click('#confirm');
  await phone.locator('form#apply').waitFor({ timeout: 10000 });
  assert.equal(await phone.inputValue('#a_company'), entity.name_zh, 'company prefilled with the enterprise');
  // the three materials, each marked required, accepting PDF, JPEG and PNG
  for (const id of ['plan', 'safety_plan', 'license']) {
    assert.equal(await phone.getAttribute(`#m_${id}`, 'accept'), 'application/pdf,image/jpeg,image/png');
    assert.match(await phone.locator(`label[for=m_${id}]`).innerText(), /必填/);
  }
  // sending without the materials is stopped on the phone
  await phone.fill('#a_name', '王经理');
  await phone.fill('#f_activity_date', '2026-12-24');
  await phone.fill('#f_audience', '120');
  await phone.fill('#f_details', '平安夜驻唱演出，预计晚 8 点至 11 点');
  await phone.click('#submit');
  await phone.locator('#error', { hasText: '请上传' }).waitFor();
  // a file over the cap is stopped too, before anything is sent
  await phone.setInputFiles('#m_plan', { name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 0x25) });
  await phone.setInputFiles('#m_safety_plan', { name: 'safety.png', mimeType: 'image/png', buffer: PNG });
  await phone.setInputFiles('#m_license', { name: 'licence.pdf', mimeType: 'application/pdf', buffer: PDF });
  await phone.click('#submit');
  await phone.locator('#error', { hasText: '文件太大' }).waitFor();
  assert.equal(await phone.locator('#error').innerText(), '文件太大: 活动方案 (不超过 10 MB)');
  assert.equal((await w.ok('admin', 'GET', '/api/v1/orders?matter=bar_activity_approval&limit=50')).orders.length, 0, 'nothing sent yet');
  await phone.setInputFiles('#m_plan', { name: 'plan.pdf', mimeType: 'application/pdf', buffer: PDF });
  await noScroll(phone);
  await shot(phone, 'form');
  await phone.click('#submit');
  await phone.waitForURL(/\/m\/a\/[0-9a-f]{32}$/, { timeout: 20000 });
  const number = phone.url().split('/').pop();
  await phone.locator('#status[data-status=in_review]').waitFor({ timeout: 10000 });
  assert.equal(await phone.locator('#number').innerText(), number);
  assert.equal(await phone.locator('#matter').innerText(), '酒吧演艺活动审批');
  assert.equal(await phone.locator('#status').innerText(), '审批中');
  assert.equal(await phone.locator('#materials li[data-received=true]').count(), 3);
  const steps = phone.locator('#steps li.step');
  assert.equal(await steps.count(), 3);
  assert.deepEqual(await steps.evaluateAll((l) => l.map((x) => [x.dataset.department, x.dataset.decision])),
    [['culture_tourism', 'pending'], ['police', 'pending'], ['fire', 'pending']]);
  assert.match(await steps.nth(0).innerText(), /文旅[\s\S]*待审批/);
  await noScroll(phone);
  await shot(phone, 'pending');

  // the order is the enterprise's, and each department has its part
  const mine = (await w.ok('admin', 'GET', '/api/v1/orders?matter=bar_activity_approval&limit=50')).orders;
  const joint = mine.find((o) => !o.parent);
  assert.equal(joint.entity, code.entity);
  assert.equal(joint.channel, 'enterprise_code');
  const subs = Object.fromEntries((await w.order(joint.id)).sub_orders.map((o) => [o.department, o.id]));
  assert.deepEqual(Object.keys(subs).sort(), ['culture_tourism', 'fire', 'police']);

  // fire first (approve), then police (reject with a note), then culture (approve)
  const plan = [['fire', 'approve', ''], ['police', 'reject', '安保人员配置不足，请补充安保方案'], ['ct', 'approve', '同意举办']];
  const officers = [];
  for (const [who, decision, note] of plan) {
    const page = await officer(who);
    officers.push(page);
    const dept = STAFF[who].department;
    const card = page.locator(`#list .card[data-order="${subs[dept]}"]`);
    await card.waitFor({ timeout: 15000 });
    assert.match(await card.innerText(), /联办申请/);
    assert.match(await card.innerText(), new RegExp(entity.name_zh.replace(/[()（）]/g, '.')));
    await card.click();
    await page.locator('#d-company', { hasText: entity.name_zh }).waitFor({ timeout: 10000 });
    assert.match(await page.locator('#d-matter').innerText(), /酒吧演艺活动审批/);
    // the materials are links to the files, which this officer may open
    const links = page.locator('#d-materials a');
    assert.equal(await links.count(), 3);
    const href = await links.filter({ hasText: '安全保障方案' }).getAttribute('href');
    assert.equal(href, `/api/v1/applications/${joint.id}/materials/safety_plan`);
    const got = await page.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]; }, href);
    assert.deepEqual(got, [200, 'image/png', PNG.length]);
    if (decision === 'reject') {
      // a rejection needs its reason
      await page.click('#reject');
      await page.locator('#toast', { hasText: '驳回须填写理由' }).waitFor();
      assert.equal(await page.locator('#my-decision').count(), 0);
    }
    if (note) await page.fill('#d-note', note);
    await page.click(decision === 'approve' ? '#approve' : '#reject');
    await page.locator(`#my-decision[data-decision=${decision}]`).waitFor({ timeout: 10000 });
    assert.match(await page.locator('#my-decision').innerText(), decision === 'approve' ? /同意 · \d\d-\d\d \d\d:\d\d/ : /驳回 · \d\d-\d\d \d\d:\d\d/);
    assert.equal(await page.locator('#approve').count(), 0, 'decided: no more buttons');
    await noScroll(page);
    await shot(page, `dept-${who}`);
    const d = (await w.order(subs[dept])).order;
    assert.equal(d.state, 'resolved');
  }
  // the police note shows to the departments that decided before as well
  const fire = officers[0];
  await fire.click('#card .back');
  await fire.click('#tab-done');
  await fire.locator(`#list .card[data-order="${subs.fire}"]`).click();
  await fire.locator('#d-decisions li[data-department=police]', { hasText: '安保人员配置不足' }).waitFor({ timeout: 10000 });

  // the applicant's page, refreshed, shows every decision and the end
  await phone.reload();
  await phone.locator('#status[data-status=done]').waitFor({ timeout: 10000 });
  assert.equal(await phone.locator('#status').innerText(), '已办结：未通过');
  assert.deepEqual(await steps.evaluateAll((l) => l.map((x) => [x.dataset.department, x.dataset.decision])),
    [['culture_tourism', 'approve'], ['police', 'reject'], ['fire', 'approve']]);
  const police = steps.nth(1);
  assert.match(await police.innerText(), /公安[\s\S]*不同意[\s\S]*安保人员配置不足，请补充安保方案[\s\S]*审批时间 \d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.match(await steps.nth(2).innerText(), /消防[\s\S]*同意[\s\S]*同意/);
  await phone.locator('#done').waitFor();
  await shot(phone, 'done');
  assert.ok(!(await phone.content()).includes(entity.attrs.contact_phone), 'no phone on the page');
  await noScroll(phone);
  // English
  await phone.click('#lang');
  await phone.locator('#status', { hasText: 'Finished: not approved' }).waitFor();
  await phone.locator('#steps li[data-department=police]', { hasText: 'Not approved' }).waitFor();
  // the code's page now lists this application
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.locator(`#mine a[data-number="${number}"]`).waitFor({ timeout: 10000 });

  for (const p of [phone, ...officers]) assert.deepEqual(p.errors, [], `console errors on ${p.url()}`);
});

test('a material missing from the application is sent from its page', { timeout: 60000 }, async () => {
  const r = await w.api('POST', '/api/public/applications', { body: { code: code.token, matter: 'bar_activity_approval',
    applicant: { name: '王经理', phone: entity.attrs.contact_phone },
    form: { activity_date: '2026-12-31', audience: '80', details: '跨年夜演出', location: '新天地' } } });
  assert.equal(r.status, 201);
  const { number, order } = r.json.application;
  for (const [m, b] of [['plan', PDF], ['license', PDF]]) {
    const u = await w.api('PUT', `/api/public/applications/${number}/materials/${m}`, { body: b, headers: { 'Content-Type': 'application/pdf' } });
    assert.equal(u.status, 201);
  }
  const phone = await browsers.open(PHONE);
  await phone.goto(`${w.base}/m/a/${number}`);
  await phone.locator('#status[data-status=awaiting_materials]').waitFor({ timeout: 15000 });
  assert.equal(await phone.locator('#status').innerText(), '待补充材料');
  assert.equal(await phone.locator('#materials li[data-received=false]').count(), 1);
  assert.match(await phone.locator('#steps').innerText(), /材料齐全后受理/);
  await phone.setInputFiles('#m_safety_plan', { name: 'safety.png', mimeType: 'image/png', buffer: PNG });
  await noScroll(phone);
  await shot(phone, 'awaiting');
  await phone.click('#send_safety_plan');
  await phone.locator('#status[data-status=in_review]').waitFor({ timeout: 10000 });
  assert.equal(await phone.locator('#materials li[data-received=true]').count(), 3);
  assert.equal((await w.order(order)).sub_orders.length, 3, 'complete: sent to the three departments');
  await noScroll(phone);
  // an unknown number gets a friendly page
  await phone.goto(`${w.base}/m/a/${'0'.repeat(32)}`);
  await phone.locator('#friendly', { hasText: '未找到' }).waitFor({ timeout: 10000 });
  assert.deepEqual(phone.errors.map((e) => /status of 404/.test(e)), [true], 'only the unknown number\'s 404');
});
