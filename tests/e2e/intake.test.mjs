// End to end on a 375x812 phone: a citizen scans a venue's customer code,
// reports noise with a photo and lands on the receipt page; the dispatcher
// sees the report in the dispatch console and dispatches it; the officer
// resolves it; the citizen's status page shows it resolved and takes a
// rating. Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/ (Debian chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld, STAFF } from '../integration/lib/dispatch.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
fs.mkdirSync(SHOTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082', 'hex');
const XTD = 'gongshu/dongxin/xintiandi';

let w;
const browsers = new Browsers();

async function browser(viewport) {
  const page = await browsers.open(viewport);
  page.on('pageerror', (e) => { throw e; });
  return page;
}

before(async () => { w = await dispatchWorld(); });
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

test('scan → report with a photo → dispatcher → officer resolves → citizen rates', { timeout: 120000 }, async () => {
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  const code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];

  const phone = await browser({ width: 375, height: 812 });
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.locator('#venue').waitFor({ timeout: 15000 });
  assert.equal(await phone.locator('#venue').innerText(), code.entity_name_zh);
  // the page fits the phone: no horizontal scrolling
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 375));
  await phone.click('button[data-matter=noise_disturbance]');
  await phone.selectOption('#f_when', 'now');
  await phone.selectOption('#f_source', 'music');
  await phone.fill('#f_details', '酒吧音乐声太大，影响休息');
  await phone.fill('#f_phone', '13800001111');
  assert.ok((await phone.inputValue('#f_location')).includes(code.entity_name_zh), 'location prefilled');
  await phone.setInputFiles('#f_photo', { name: 'noise.png', mimeType: 'image/png', buffer: PNG });
  await phone.click('#submit');
  await phone.waitForURL(/\/m\/r\/[2-9A-Z]{10}$/, { timeout: 15000 });
  const receipt = phone.url().split('/').pop();
  await phone.locator('#state[data-state=reported]').waitFor();
  assert.equal(await phone.locator('#receipt').innerText(), receipt);

  const list = (await w.ok('disp', 'GET', '/api/v1/orders?limit=50')).orders;
  // staff see the receipt masked to its last four characters (issue 10)
  assert.ok(!JSON.stringify(list).includes(receipt), 'a receipt in the staff list');
  const order = list.find((o) => o.reporter === `citizen:\u2022\u2022\u2022\u2022${receipt.slice(-4)}` && o.description.includes('酒吧音乐声太大'));
  assert.ok(order, 'the report is a work order');
  const desk = await browser({ width: 1600, height: 900 });
  await desk.goto(w.base + '/dispatch');
  await desk.fill('#login input[name=name]', 'disp');
  await desk.fill('#login input[name=password]', STAFF.disp.password);
  await desk.click('#login button[type=submit]');
  const row = desk.locator('#queue tr', { hasText: String(order.id) }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
  await desk.locator('#detail h2', { hasText: `#${order.id}` }).waitFor();
  await desk.locator('#detail .field', { hasText: '13800001111' }).waitFor({ timeout: 5000 }); // the dispatcher sees the phone
  // the desk shows the reporter as a masked receipt, never the whole one
  assert.ok(!(await desk.locator('#detail').innerText()).includes(receipt), 'the whole receipt on the desk');
  for (const [vw, vh] of [[1920, 1080], [1366, 768]]) {
    await desk.setViewportSize({ width: vw, height: vh });
    await shot(desk, `intake-desk-masked-zh-${vw}`);
  }
  const detail = await w.order(order.id, 'disp');
  assert.equal(detail.evidence.length, 1, 'the photo came with the report');
  assert.equal(detail.reporter_phone, '13800001111');

  await w.act('disp', order.id, 'dispatch', { departments: ['urban_mgmt'] });
  await w.act('um', order.id, 'accept');
  await w.act('um', order.id, 'resolve', { note: '已要求商户降低音量' });

  await phone.reload();
  await phone.locator('#state[data-state=resolved]').waitFor({ timeout: 10000 });
  assert.equal(await phone.locator('#outcome').innerText(), '已要求商户降低音量');
  await phone.click('#stars button[data-score="4"]');
  await phone.fill('#note', '处理及时');
  await phone.click('#rate');
  await phone.locator('#rated').waitFor({ timeout: 10000 });
  assert.equal((await w.order(order.id)).order.rating, 4);

  // English switch
  await phone.click('#lang');
  await phone.locator('#state', { hasText: 'Resolved' }).waitFor();
});

test("a public matter's form says the description will be public, in both languages", { timeout: 60000 }, async () => {
  const gen = await w.call('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD });
  assert.ok([200, 201].includes(gen.status), gen.text);
  const code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  const phone = await browser({ width: 375, height: 812 });
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.click('button[data-matter=noise_disturbance]');
  await phone.locator('#f_details').waitFor();
  assert.equal(await phone.locator('#public-note').count(), 0, 'noise reports are not public');
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.click('button[data-matter=environmental_hygiene]');
  await phone.locator('#public-note', { hasText: '公开' }).waitFor({ timeout: 10000 });
  await shot(phone, 'intake-public-note-zh-375');
  await phone.click('#lang');
  await phone.locator('#public-note', { hasText: 'public' }).waitFor({ timeout: 10000 });
  await shot(phone, 'intake-public-note-en-375');
  await phone.click('#lang');
  await phone.waitForFunction(() => document.documentElement.lang === 'zh-CN');
});

test('a required field left empty is named by its label before anything is sent', { timeout: 60000 }, async () => {
  const gen = await w.call('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD });
  assert.ok([200, 201].includes(gen.status), gen.text);
  const code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  const phone = await browser({ width: 375, height: 812 });
  let sent = 0;
  phone.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/reports')) sent++; });
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.click('button[data-matter=noise_disturbance]');
  await phone.locator('#f_details').waitFor();
  const label = (await phone.textContent('label[for=f_when]')).replace(/\s*\(.*\)$/, '');
  await phone.click('#submit');
  await phone.locator('#error', { hasText: '请填写' }).waitFor({ timeout: 10000 });
  assert.equal(await phone.textContent('#error'), `请填写：${label}`);
  assert.equal(await phone.evaluate(() => document.activeElement?.id), 'f_when', 'the empty field takes the focus');
  assert.equal(sent, 0, 'nothing was sent');
  await shot(phone, 'intake-required-zh-375');
});

test('switching the language mid-form keeps what was typed and chosen', { timeout: 60000 }, async () => {
  const gen = await w.call('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD });
  assert.ok([200, 201].includes(gen.status), gen.text); // 200 when the first test made them already
  const code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  const phone = await browser({ width: 375, height: 812 });
  await phone.goto(`${w.base}/m/c/${code.token}`);
  await phone.click('button[data-matter=noise_disturbance]');
  await phone.fill('#f_details', '楼上酒吧到凌晨还很吵');
  await phone.selectOption('#f_source', 'music');
  await phone.setInputFiles('#f_photo', { name: 'noise.png', mimeType: 'image/png', buffer: PNG });
  const label = await phone.textContent('label[for=f_details]');
  await phone.click('#lang');
  await phone.waitForFunction(() => document.documentElement.lang === 'en');
  assert.notEqual(await phone.textContent('label[for=f_details]'), label, 'the form is redrawn in English');
  assert.equal(await phone.inputValue('#f_details'), '楼上酒吧到凌晨还很吵');
  assert.equal(await phone.inputValue('#f_source'), 'music');
  assert.equal(await phone.evaluate(() => document.getElementById('f_photo').files[0]?.name), 'noise.png');
  await phone.click('#lang'); // back to Chinese for the tests after this one
  await phone.waitForFunction(() => document.documentElement.lang === 'zh-CN');
});

test('the A4 sheet shows every active customer code of the region with its QR', { timeout: 60000 }, async () => {
  const codes = (await w.ok('admin', 'GET', `/api/v1/codes?kind=customer&state=active&region=${XTD}&limit=1000`)).codes;
  const page = await browser({ width: 1000, height: 1400 });
  const cookie = await w.as('admin');
  const [name, value] = cookie.split(';')[0].split('=');
  await page.context().addCookies([{ name, value, url: w.base }]);
  await page.goto(`${w.base}/codes-sheet?region=${XTD}&kind=customer`);
  await page.locator('#msg', { hasText: String(codes.length) }).waitFor({ timeout: 15000 });
  assert.equal(await page.locator('.card').count(), codes.length);
  const first = page.locator('.card').first();
  assert.equal(await first.locator('.name').innerText(), codes[0].entity_name_zh);
  assert.match(await first.locator('.hint').innerText(), /扫码反映问题/);
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 15000 });
});
