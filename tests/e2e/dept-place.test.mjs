// End to end on a 375x740 phone: an officer opens a work order at an
// enterprise and sees the place as people name it (the enterprise, its
// block, its address), not the registry's ids, with a 导航 link that hands
// the position to a map app; in English the same card names it in English.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/dept-place.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld, STAFF } from '../integration/lib/dispatch.mjs';

let w;
const browsers = new Browsers();
before(async () => { w = await dispatchWorld(); });
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

test('the officer\'s card names the place, gives its address and directions', { timeout: 90000 }, async () => {
  const ent = (await w.ok('admin', 'GET', '/api/v1/entities/xtd-ent-0001')).entity;
  assert.ok(ent.attrs.address, 'the enterprise has an address');
  const o = (await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'food_safety', entity: ent.id, title: '后厨卫生问题' }, 201)).order;
  await w.ok('disp', 'POST', `/api/v1/orders/${o.id}/actions`, { action: 'dispatch', departments: ['market_supervision'] });

  const phone = await browsers.open({ width: 375, height: 740 });
  await phone.goto(w.base + '/dept');
  await phone.fill('#login input[name=name]', 'ms');
  await phone.fill('#login input[name=password]', STAFF.ms.password);
  await phone.click('#login button[type=submit]');
  const card = phone.locator('#list .card', { hasText: `#${o.id}` });
  await card.waitFor({ timeout: 15000 });
  await card.click();
  await phone.locator('#d-place').waitFor();
  assert.equal(await phone.locator('#d-entity').innerText(), ent.name_zh);
  assert.match(await phone.locator('#d-place').innerText(), /新天地街区/);
  assert.equal(await phone.locator('#d-address').innerText(), ent.attrs.address);
  const href = new URL(await phone.locator('#d-nav').getAttribute('href'));
  assert.equal(href.host, 'uri.amap.com');
  assert.equal(href.searchParams.get('position'), `${ent.lon},${ent.lat}`);
  assert.equal(href.searchParams.get('name'), ent.name_zh);
  assert.equal(await phone.locator('#d-nav').innerText(), '导航');
  // no registry ids in the card's head
  assert.doesNotMatch(await phone.locator('#d-place').innerText(), /gongshu\/|xtd-/);
  fs.mkdirSync(path.join('test-results', 'e2e'), { recursive: true });
  await phone.screenshot({ path: path.join('test-results', 'e2e', 'dept-place-zh.png') });
  await phone.click('#lang');
  await phone.locator('#d-nav', { hasText: 'Directions' }).waitFor();
  assert.equal(await phone.locator('#d-entity').innerText(), ent.name_en);
  await phone.screenshot({ path: path.join('test-results', 'e2e', 'dept-place-en.png') });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  assert.deepEqual(phone.errors, []);
});

test('a sub-order of a joint order says so on the officer\'s card, in words', { timeout: 90000 }, async () => {
  const o = (await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', entity: 'xtd-ent-0002', title: '商场周边环境整治' }, 201)).order;
  await w.ok('disp', 'POST', `/api/v1/orders/${o.id}/actions`, { action: 'dispatch', departments: ['urban_mgmt', 'market_supervision'] });
  const sub = (await w.ok('admin', 'GET', `/api/v1/orders/${o.id}`)).sub_orders.find((s) => s.department === 'market_supervision');
  const phone = await browsers.open({ width: 375, height: 740 });
  await phone.goto(w.base + '/dept');
  if (await phone.locator('#login input[name=name]').isVisible()) {
    await phone.fill('#login input[name=name]', 'ms');
    await phone.fill('#login input[name=password]', STAFF.ms.password);
    await phone.click('#login button[type=submit]');
  }
  const card = phone.locator('#list .card', { hasText: `#${sub.id}` });
  await card.waitFor({ timeout: 15000 });
  await card.click();
  await phone.locator('#d-joint').waitFor();
  assert.equal(await phone.locator('#d-joint').innerText(), `联办工单 #${o.id} 的子工单`);
  const timeline = await phone.locator('.timeline').innerText();
  assert.doesNotMatch(timeline, /sub-order|joint order/, 'no English made by the machine');
  await phone.screenshot({ path: path.join('test-results', 'e2e', 'dept-joint-zh.png') });
  assert.deepEqual(phone.errors, []);
});
