// End to end in real Chromium: the public services catalog /services on a
// phone (375x812) and a desktop: the catalog lists the matters, a Chinese
// keyword narrows them (server-side search), the English switch works, the
// outlets map draws (ECharts canvas) with no console error, and the outlet
// list shows what each outlet handles. No login.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/  (needs Debian chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { createWorld, GONGSHU_PACK } from '../integration/harness.mjs';


let w;
const browsers = new Browsers();

async function browser(viewport) {
  const page = await browsers.open(viewport);
  return { page, errors: page.errors };
}

before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['smart_site'] });
  if (!w.base) await w.start();
});
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

for (const [label, viewport] of [['phone 375x812', { width: 375, height: 812 }], ['desktop 1366x900', { width: 1366, height: 900 }]]) {
  test(`/services on a ${label}: search in Chinese, English switch, outlets map and list`, async () => {
    const { page, errors } = await browser(viewport);
    await page.goto(w.base + '/services');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    const total = await page.locator('#matters > li').count();
    assert.ok(total >= 82, `catalog lists ${total} matters`);
    // the materials checklist of the joint approval is shown
    const ja = page.locator('#matters > li[data-id="joint_parcel_three_certs"]');
    assert.match(await ja.innerText(), /三证联办[\s\S]*规划和自然资源局[\s\S]*三证联办申请表/);
    // search in Chinese
    await page.fill('#q', '人才公寓');
    await page.waitForSelector('#matters[data-q="人才公寓"]');
    const ids = await page.locator('#matters > li').evaluateAll((ns) => ns.map((n) => n.dataset.id));
    assert.deepEqual(ids.sort(), ['park_talent_apartment', 'park_talent_apartment_renew', 'park_talent_apartment_repair']);
    // the map drew a canvas with the outline and points
    await page.waitForSelector('#map[data-ready="1"] canvas');
    const box = await page.locator('#map canvas').first().boundingBox();
    assert.ok(box.width > 200 && box.height > 200, JSON.stringify(box));
    const painted = await page.locator('#map canvas').first().evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200)) n++;
      return n;
    });
    assert.ok(painted > 500, `the map painted ${painted} dark pixels`);
    const outlets = page.locator('#outlets > li');
    assert.equal(await outlets.count(), 12);
    assert.match(await outlets.first().innerText(), /可办 \d+ 项：[\s\S]*参保登记/);
    // English switch
    await page.click('#lang');
    assert.match(await page.locator('header h1').innerText(), /Gongshu services catalog/);
    assert.match(await outlets.first().innerText(), /\d+ matters: [\s\S]*enrolment/);
    // nothing wider than the screen on the phone
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
    fs.mkdirSync(path.join(process.cwd(), 'test-results', 'e2e'), { recursive: true });
    await page.screenshot({ path: path.join('test-results', 'e2e', `services-${viewport.width}.png`), fullPage: false });
    assert.deepEqual(errors, []);
  });
}

test('去办理: an online application from the catalog, a bank counter matter\'s outlets, where a route sends a matter', { timeout: 90000 }, async () => {
  const { page, errors } = await browser({ width: 375, height: 812 });
  await page.goto(w.base + '/services');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  // the route the workflow applies is said, by name
  assert.match(await page.locator('#matters > li[data-id="noise_disturbance"] .routing').innerText(), /新天地街区由社区网格办理/);
  // a code-only complaint says which code to scan
  assert.equal(await page.locator('#matters > li[data-id="noise_disturbance"] [data-go]').getAttribute('data-go'), 'code');
  // a medical-insurance matter: the outlets that handle it
  await page.waitForSelector('#map[data-ready="1"] canvas');
  const outlets = (await w.api('GET', '/api/public/outlets')).json.outlets;
  const handling = outlets.filter((o) => o.matters.includes('mi_reimbursement')).length;
  assert.ok(handling > 0 && handling < 12, `${handling} outlets handle it`);
  await page.click('#matters > li[data-id="mi_reimbursement"] button[data-go="outlets"]');
  await page.waitForFunction((n) => document.querySelectorAll('#outlets > li').length === n, handling);
  assert.match(await page.locator('#outlet-filter').innerText(), new RegExp(`可办“零星医疗费用报销”的网点 ${handling} 个`));
  await page.click('#outlet-all');
  await page.waitForFunction(() => document.querySelectorAll('#outlets > li').length === 12);
  // a park application opens its online form
  await page.fill('#q', '股东会决议');
  await page.waitForSelector('#matters[data-q="股东会决议"]');
  await page.click('#matters > li[data-id="park_company_change"] a[data-go="online"]');
  await page.waitForURL('**/m/o/park_company_change');
  await page.locator('#apply').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('main h2').first().innerText(), '企业变更登记');
  assert.match(await page.locator('#matter-meta').innerText(), /办理部门：.+ · 办理时限：\d+天/);
  await page.fill('#a_name', '钱经理');
  await page.click('#submit');
  assert.match(await page.locator('#error').innerText(), /请填写: 联系电话/);
  await page.fill('#a_phone', '0571-86660000');
  await page.fill('#a_company', '杭州望谷数据有限公司');
  const pdf = { name: 'a.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') };
  for (const m of ['business_licence', 'application_form', 'resolution']) await page.setInputFiles(`#m_${m}`, pdf);
  fs.mkdirSync(path.join('test-results', 'e2e'), { recursive: true });
  await page.screenshot({ path: path.join('test-results', 'e2e', 'services-online-form.png'), fullPage: true });
  await page.click('#lang');
  await page.locator('main h2', { hasText: 'Company change registration' }).waitFor();
  assert.equal(await page.inputValue('#a_company'), '杭州望谷数据有限公司', 'the language switch keeps what was typed');
  await page.screenshot({ path: path.join('test-results', 'e2e', 'services-online-form-en.png'), fullPage: true });
  await page.click('#lang');
  await page.click('#submit');
  await page.waitForURL(/\/m\/a\/[0-9a-f]{32}$/, { timeout: 20000 });
  const number = page.url().split('/').pop();
  const st = (await w.api('GET', `/api/public/applications/${number}`)).json.application;
  assert.equal(st.name_zh, '企业变更登记');
  assert.ok(st.materials.every((m) => m.received), 'the three materials were uploaded');
  // a matter that is not an online application says so
  await page.goto(w.base + '/m/o/noise_disturbance');
  await page.locator('#friendly', { hasText: '此事项不能在网上申请' }).waitFor({ timeout: 15000 });
  await page.goto(w.base + '/m/o/no_such_matter');
  await page.locator('#friendly', { hasText: '没有这个事项' }).waitFor({ timeout: 15000 });
  assert.deepEqual(errors, []);
});

test('the catalog with its 去办理 actions at 1920 and 1366 in both languages', { timeout: 60000 }, async () => {
  for (const width of [1920, 1366]) {
    const { page, errors } = await browser({ width, height: width === 1920 ? 1080 : 768 });
    await page.goto(w.base + '/services');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    for (const l of ['zh', 'en']) {
      if (l === 'en') await page.click('#lang');
      // every action fits on its matter's card
      const bad = await page.$$eval('#matters > li', (lis) => lis.filter((li) => {
        const g = li.querySelector('.go');
        if (!g) return false;
        const a = g.getBoundingClientRect(), b = li.getBoundingClientRect();
        return a.right > b.right + 1 || a.left < b.left - 1;
      }).map((li) => li.dataset.id));
      assert.deepEqual(bad, [], `actions overflow at ${width} ${l}`);
      await page.screenshot({ path: path.join('test-results', 'e2e', `services-go-${width}-${l}.png`) });
    }
    assert.deepEqual(errors, []);
  }
});
