// End to end: the order statistics page (/stats) in real Chromium at
// 1920x1080 and 1366x768, Chinese and English. A leader's numbers on the
// cards, charts and tables match orders made here; names, never ids; the
// language switch relabels everything; the CSV button downloads the same
// numbers (BOM first); the print layout hides the controls on a white page,
// and the dispatch desk prints one order's detail alone. Screenshots go to
// test-results/e2e/stats-*.png.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/stats.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld, minuteNow, STAFF } from '../integration/lib/dispatch.mjs';
import { USERS } from '../integration/harness.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const RAW_ID = /\b[a-z]+(\/[a-z_]+)+\b|\b[a-z]+_[a-z_]+\b|xtd-|citizen:/;
let w;
const browsers = new Browsers();

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  const mk = async (body) => (await w.ok('disp', 'POST', '/api/v1/orders', { region: XTD, ...body }, 201)).order.id;
  const a = await mk({ matter: 'illegal_parking', title: '东门违停', lon: 120.181, lat: 30.312 });
  await w.act('disp', a, 'dispatch');
  await w.act('tp', a, 'accept');
  await w.act('tp', a, 'resolve', { note: '已拖离' });
  await w.ok('disp', 'POST', `/api/v1/orders/${a}/rate`, { score: 5 });
  const b = await mk({ matter: 'illegal_parking', title: '西门违停', lon: 120.190, lat: 30.319 });
  await w.act('disp', b, 'dispatch');
  const c = await mk({ matter: 'environmental_hygiene', title: '垃圾堆放', region: 'gongshu/hushu' });
  await w.act('disp', c, 'dispatch');
  await w.act('um', c, 'accept');
  await w.act('um', c, 'resolve', { note: '已清运' });
  await w.ok('disp', 'POST', `/api/v1/orders/${c}/rate`, { score: 4 });
  await mk({ matter: 'elevator_fault', title: '电梯困人', lon: 120.170, lat: 30.305 });
});
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

function shot(page, name) {
  fs.mkdirSync(path.join('test-results', 'e2e'), { recursive: true });
  return page.screenshot({ path: path.join('test-results', 'e2e', name), fullPage: true });
}

async function open(size, who) {
  const page = await browsers.open(size);
  await page.goto(w.base + '/stats');
  await page.fill('#login input[name=name]', who.name);
  await page.fill('#login input[name=password]', who.password);
  await page.click('#login button[type=submit]');
  await page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
  return page;
}

const cells = (page, id) => page.$$eval(`#${id} tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
const seriesOf = (page, id) => page.evaluate((i) => window.echarts.getInstanceByDom(document.getElementById(i))
  .getOption().series.map((s) => s.data), id);

// No element's content wider than its box (text cut or spilling out).
const overflowing = (page) => page.evaluate(() => [...document.querySelectorAll('main *')]
  .filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible'
    && !['TABLE', 'TBODY', 'THEAD', 'TR', 'CANVAS', 'svg'].includes(e.tagName) && e.clientWidth > 0)
  .map((e) => `${e.tagName}#${e.id}.${e.className}: ${e.textContent.slice(0, 40)}`));

test('an admin sees the numbers as cards, charts and tables, in Chinese and English, and downloads them', { timeout: 180000 }, async () => {
  const api = await w.ok('admin', 'GET', '/api/v1/stats/orders');
  assert.equal(api.total.orders, 4);
  const page = await open({ width: 1920, height: 1080 }, USERS.admin);
  const kpi = await page.$$eval('#kpis .kpi', (ks) => ks.map((k) => [k.querySelector('span').textContent, k.querySelector('b').textContent]));
  assert.deepEqual(kpi.slice(0, 4), [['工单总数', '4'], ['已办结', '2'], ['未办结', '2'], ['超期', String(api.total.overdue)]]);
  assert.deepEqual(kpi[4], ['按时办结率', '100.0%']);
  assert.deepEqual(kpi[5], ['满意度', '4.50']);
  assert.deepEqual(kpi[6], ['同比', '—'], 'nothing a year earlier');

  const matters = await cells(page, 't-matter');
  const parking = matters.find((r) => r[0] === '违停投诉');
  assert.ok(parking, JSON.stringify(matters));
  const pm = api.by_matter.find((m) => m.key === 'illegal_parking');
  assert.deepEqual(parking.slice(1, 6), ['2', '1', '1', String(pm.overdue), '100.0%']);
  const regions = await cells(page, 't-region');
  assert.deepEqual(regions.filter((r) => r[0] !== '合计').map((r) => [r[0], r[1]]), [['东新街道', '3'], ['湖墅街道', '1']]);
  const depts = await cells(page, 't-department');
  assert.equal(depts.length, api.by_department.length + 1, 'a row each and the total');
  assert.equal(depts.at(-1)[0], '合计');
  // the charts hold the same numbers
  const [now, last, rate] = await seriesOf(page, 'c-region');
  assert.deepEqual(now, [3, 1]);
  assert.deepEqual(last, [0, 0]);
  assert.equal(rate[1], 100);
  assert.deepEqual((await seriesOf(page, 'c-matter'))[0], api.by_matter.map((m) => m.orders));
  assert.ok((await seriesOf(page, 'c-quality'))[1].some((v) => v === 5), 'satisfaction 5 for traffic police');
  assert.equal((await seriesOf(page, 'c-quality'))[0].length, api.by_department.filter((d) => d.key).length);
  // names, never ids
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, RAW_ID);
  assert.deepEqual(await overflowing(page), []);
  assert.deepEqual(page.errors, []);
  await shot(page, 'stats-zh-1920.png');

  // the CSV download: the same numbers, BOM first, Chinese headers
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  assert.match(dl.suggestedFilename(), /^工单统计-\d{4}-\d\d-\d\d\.csv$/);
  const buf = fs.readFileSync(await dl.path());
  assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = buf.toString('utf8').slice(1).split('\r\n');
  assert.match(lines[0], /^维度,名称,工单数,/);
  assert.match(lines[1], /^合计,合计,4,2,2,/);
  assert.ok(lines.some((l) => l.startsWith('区域,东新街道,3,')), lines.join('\n'));

  // English
  await page.click('#lang');
  await page.locator('#kpis .kpi span >> text=Orders').waitFor();
  assert.equal(await page.locator('#b-matter h2').innerText(), 'By matter');
  const en = await cells(page, 't-region');
  assert.ok(en.some((r) => r[0] === 'Dongxin' || /Dongxin/.test(r[0])), JSON.stringify(en));
  assert.match(await page.getAttribute('#xlsx', 'href'), /format=xlsx&lang=en/);
  assert.doesNotMatch(await page.locator('main').innerText(), RAW_ID);
  assert.deepEqual(await overflowing(page), []);
  await shot(page, 'stats-en-1920.png');

  // paper: no controls, white page, charts drawn black on white
  await page.click('#lang');
  await page.locator('#kpis .kpi span >> text=工单总数').waitFor();
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  assert.equal(await page.evaluate(() => window.echarts.getInstanceByDom(document.getElementById('c-matter'))
    .getOption().textStyle.color), '#000');
  await shot(page, 'stats-print-zh.png');
  assert.equal(await page.locator('#range').isVisible(), false);
  assert.equal(await page.locator('#lang').isVisible(), false);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.emulateMedia({ media: 'screen' });
});

test('1366x768 in both languages: nothing overflows; a leader of Dongxin sees Dongxin', { timeout: 120000 }, async () => {
  const page = await open({ width: 1366, height: 768 }, USERS.viewer);
  assert.equal(await page.inputValue('#region'), 'gongshu/dongxin');
  const kpi = await page.$$eval('#kpis .kpi b', (ks) => ks.map((k) => k.textContent));
  assert.equal(kpi[0], '3', 'Hushu is outside the leader\'s scope');
  const regions = await cells(page, 't-region');
  assert.deepEqual(regions[0].slice(0, 2), ['新天地街区', '3']);
  // the shared top bar: a leader's screens, this one marked, no desk
  assert.deepEqual(await page.$$eval('#topbar .zz-nav-links a', (as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('aria-current')])),
    [['/', null], ['/site', null], ['/stats', 'page'], ['/cases-stats', null], ['/campaign', null], ['/ledger', null]]);
  assert.match(await page.textContent('#who'), /领导/);
  assert.deepEqual(await overflowing(page), []);
  await shot(page, 'stats-zh-1366.png');
  await page.click('#lang');
  await page.locator('#kpis .kpi span >> text=Orders').waitFor();
  assert.deepEqual(await overflowing(page), []);
  assert.doesNotMatch(await page.locator('main').innerText(), RAW_ID);
  await shot(page, 'stats-en-1366.png');
  await page.click('#lang'); // back to Chinese for the other tests (the choice is per profile anyway)
});

test('an officer sees its own department; the dispatch desk prints one order alone', { timeout: 120000 }, async () => {
  const page = await open({ width: 1366, height: 768 }, { name: 'tp', password: STAFF.tp.password });
  const depts = await cells(page, 't-department');
  const name = (await w.ok('admin', 'GET', '/api/v1/departments')).departments.find((d) => d.id === 'traffic_police');
  assert.deepEqual(depts.map((r) => r[0]), [name.name_zh, '合计']);
  assert.equal(depts[0][1], '2');

  const desk = await browsers.open({ width: 1366, height: 768 });
  await desk.goto(w.base + '/dispatch');
  await desk.fill('#login input[name=name]', 'disp');
  await desk.fill('#login input[name=password]', STAFF.disp.password);
  await desk.click('#login button[type=submit]');
  await desk.locator('#queue tr').first().click({ timeout: 20000 });
  await desk.locator('#detail .fields').waitFor({ timeout: 10000 });
  await desk.emulateMedia({ media: 'print' });
  assert.equal(await desk.locator('#queue-pane').isVisible(), false);
  assert.equal(await desk.locator('#side-pane').isVisible(), false);
  assert.equal(await desk.locator('#detail-pane').isVisible(), true);
  assert.equal(await desk.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
  assert.equal(await desk.locator('#detail textarea').first().isVisible(), false, 'no form on paper');
  await shot(desk, 'dispatch-print-1366.png');
});
