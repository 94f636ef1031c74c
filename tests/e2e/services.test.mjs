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
