// The cockpit's label and period helpers (web/cockpit/util.js) in Node,
// without a browser: long names are cut so that different names stay
// different (the bar charts' axes and the lists, issue 12: "Xintiandi
// Building No. 3" and "No. 5" read alike once cut at their end), and a
// KPI over a period that has just begun says "month to date" instead of
// reading as a fall to zero. The pages are driven in cockpit-wall.test.mjs.
// Run: node --test tests/e2e/cockpit-util.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortLabels, distinctStarts, emWidth, soFar, unitText, withUnit } from '../../web/cockpit/util.js';
import { setLang } from '../../web/lib/i18n.js';

const towers = [24, 10, 15, 25, 21, 14, 20, 2, 18, 7].map((n) => `Xintiandi Business Centre, Tower ${n}`);
const towersZh = [24, 10, 15, 25, 21, 14, 20, 2, 18, 7].map((n) => `新天地商务中心${n}号楼`);

test('cut names stay distinct and keep their distinguishing tail', () => {
  for (const [names, max] of [[towers, 10], [towers, 7], [towersZh, 8], [towersZh, 5]]) {
    const out = shortLabels(names, max);
    assert.equal(new Set(out).size, names.length, `distinct: ${out.join(' | ')}`);
    out.forEach((s, i) => {
      assert.ok(emWidth(s) <= max, `"${s}" fits ${max} em`);
      const n = String(names[i].match(/\d+/)[0]);
      assert.ok(s.includes(n), `"${s}" keeps ${n}`);
    });
  }
  // English: the number with its word ("Tower 2", not "2"); zh: 24号楼, not 4号楼
  assert.match(shortLabels(towers, 10)[7], /…Tower 2$/);
  assert.match(shortLabels(towersZh, 8)[0], /…24号楼$/);
  // what fits is left alone, and so is a list without shared heads
  assert.deepEqual(shortLabels(['北部软件园', 'Wanggu'], 10), ['北部软件园', 'Wanggu']);
  assert.deepEqual(shortLabels(['Alpha Technology Co., Ltd.', 'Beta Technology Co., Ltd.'], 8).map((s) => s[0]), ['A', 'B']);
});

test('the distinguishing part starts at a word or number, not inside it', () => {
  assert.deepEqual(distinctStarts(['Building No. 13', 'Building No. 15', 'Park']), [9, 9, 0]);
  assert.deepEqual(distinctStarts(['Building A', 'Building B']), [0, 0]);
  assert.deepEqual(distinctStarts(['新天地3号楼', '新天地5号楼']), [3, 3]);
  // the same name twice is not told apart from itself
  assert.deepEqual(distinctStarts(['Same name', 'Same name']), [0, 0]);
  // a name that is another's prefix keeps its end
  const [a] = shortLabels(['Xintiandi Business Centre', 'Xintiandi Business Centre, Tower 2'], 8);
  assert.match(a, /Centre$/);
});

test('a running month is month to date; a January year to date; whole ranges need no mark', () => {
  const at = (y, m, d, h) => Date.UTC(y, m - 1, d, h - 8); // Shanghai wall time
  assert.deepEqual(soFar('month', at(2026, 12, 2, 10)), { zh: '本月至今 · 第2天', en: 'month to date · day 2', day: 2 });
  assert.equal(soFar('month', at(2026, 12, 1, 0.5)).day, 1, 'just past midnight in Shanghai (the 30th in UTC)');
  assert.equal(soFar('month', at(2026, 11, 30, 23)).day, 30);
  assert.equal(soFar('ytd', at(2027, 1, 3, 9)).en, 'year to date · day 3');
  assert.equal(soFar('ytd', at(2027, 2, 3, 9)), null, 'past January the year is long begun');
  for (const r of ['today', 'last24h', 'last30d', 'last12m', undefined]) assert.equal(soFar(r, at(2026, 12, 2, 10)), null, r);
});

test('units follow the language: Chinese counting words go in English, other units stay', () => {
  setLang('zh');
  assert.equal(unitText('人次'), '人次');
  assert.equal(withUnit(132, '人次'), '132 人次');
  setLang('en');
  for (const u of ['人次', '次', '件', '笔', '起', '辆次', '人']) assert.equal(unitText(u), '', u);
  for (const u of ['%', 'dB', 'μg/m³']) assert.equal(unitText(u), u, u);
  assert.equal(withUnit(132, '人次'), '132');
  assert.equal(withUnit(45, 'dB'), '45 dB');
  assert.equal(withUnit(12710, '万元'), '127.1M yuan', '万元 is scaled into yuan');
  setLang('zh');
});

