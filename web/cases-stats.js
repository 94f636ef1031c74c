// cases-stats.js - the statistics of a case programme (/cases-stats): what
// a leader sees of the files, counts only (GET /api/v1/cases/stats, open
// to every signed-in user): files by intention and street, services and
// activities by kind, outcomes month by month since the programme began,
// the businesses started and the jobs they created. Every figure is the
// API's answer; names come from the programme's kinds.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang } from './lib/i18n.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';

const charts = {};
let data = null;
let prog = null;
const LISTS = { intention: 'intentions', service: 'services', activity: 'activities', outcome: 'outcomes' };

const kindName = (klass, id) => {
  const k = ((prog && prog[LISTS[klass]]) || []).find((x) => x.id === id);
  return k ? pick(k, 'name') : id || t('暂无结果', 'None yet');
};
const chart = (id) => {
  if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: 'canvas' });
  return charts[id];
};
const AXIS = { axisLabel: { color: '#8fa6cc' }, axisLine: { lineStyle: { color: '#1f4a8a' } }, splitLine: { lineStyle: { color: '#16345f' } } };
const LEGEND = { textStyle: { color: '#dce8ff' }, top: 0 };

function kpis() {
  const card = (label, value, note) => el('div', { class: 'kpi' }, el('span', { text: label, title: label }),
    el('b', { text: String(value) }), note ? el('small', { text: note }) : null);
  const sum = (list) => list.reduce((a, r) => a + r.n, 0);
  // where each file stands now (its latest outcome): into work, not counting businesses
  const now = (id) => (data.by_outcome.find((r) => r.key === id) || { n: 0 }).n;
  const employed = data.by_outcome.filter((r) => r.key && r.key !== 'business').reduce((a, r) => a + r.n, 0);
  $('kpis').replaceChildren(
    card(t('建档人数', 'Files'), data.cases),
    card(t('服务人次', 'Services given'), sum(data.services)),
    card(t('活动参与人次', 'Activity attendances'), sum(data.activities)),
    card(t('实现就业', 'Into work'), employed, `${kindName('outcome', 'employed')} ${now('employed')}`),
    card(t('自主创业', 'Businesses started'), data.businesses),
    card(t('创业带动就业', 'Jobs created'), data.jobs_created, t('由创业者雇用', 'by the businesses')),
    card(t('街道覆盖', 'Streets'), data.by_street.length),
  );
}

function table(id, rows, klass) {
  const total = rows.reduce((a, r) => a + r.n, 0);
  $(id).replaceChildren(
    el('tr', {}, el('th', { text: t('类型', 'Kind') }), el('th', { class: 'num', text: t('人次', 'Count') }), el('th', { class: 'num', text: t('占比', 'Share') })),
    ...rows.map((r) => el('tr', {}, el('td', { text: kindName(klass, r.key) }), el('td', { class: 'num', text: String(r.n) }),
      el('td', { class: 'num', text: total ? `${((r.n / total) * 100).toFixed(1)}%` : '—' }))),
    el('tr', { class: 'total' }, el('td', { text: t('合计', 'Total') }), el('td', { class: 'num', text: String(total) }), el('td', { class: 'num', text: '100%' })));
}

function months() {
  // every month from the programme's start to the last with an outcome
  const since = (data.program.since || '2019-10').slice(0, 7);
  const last = data.outcomes_by_month.reduce((m, r) => (r.month > m ? r.month : m), since);
  const axis = [];
  for (let [y, m] = since.split('-').map(Number); `${y}-${String(m).padStart(2, '0')}` <= last; m === 12 ? (y++, m = 1) : m++)
    axis.push(`${y}-${String(m).padStart(2, '0')}`);
  const kinds = [...new Set(data.outcomes_by_month.map((r) => r.key))];
  const series = kinds.map((k) => ({
    name: kindName('outcome', k), type: 'bar', stack: 'o', barMaxWidth: 22,
    data: axis.map((mo) => (data.outcomes_by_month.find((r) => r.key === k && r.month === mo) || { n: 0 }).n),
  }));
  chart('c-months').setOption({
    tooltip: { trigger: 'axis' }, legend: LEGEND, grid: { left: 40, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: axis, ...AXIS }, yAxis: { type: 'value', minInterval: 1, ...AXIS }, series,
  }, true);
}

function bars(id, rows, name) {
  chart(id).setOption({
    tooltip: {}, grid: { left: 130, right: 20, top: 10, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1, ...AXIS },
    yAxis: { type: 'category', data: rows.map(name), inverse: true, ...AXIS },
    series: [{ type: 'bar', barMaxWidth: 22, data: rows.map((r) => r.n), itemStyle: { color: '#3fd0ff' } }],
  }, true);
}

function render() {
  if (!data) return;
  $('caption').textContent = t(`${pick(data.program, 'name')}（${data.program.since} 起）· 只含汇总数字，不含个人信息`,
    `${pick(data.program, 'name')} (since ${data.program.since}) · counts only, no personal data`);
  kpis();
  months();
  chart('c-intention').setOption({
    tooltip: { trigger: 'item' }, legend: LEGEND,
    series: [{ type: 'pie', radius: ['35%', '65%'], top: 30, label: { color: '#dce8ff' },
      data: data.by_intention.map((r) => ({ name: kindName('intention', r.key), value: r.n })) }],
  }, true);
  table('t-intention', data.by_intention, 'intention');
  bars('c-services', data.services, (r) => kindName('service', r.key));
  table('t-services', data.services, 'service');
  table('t-activities', data.activities, 'activity');
  bars('c-street', data.by_street, (r) => pick(r, 'name'));
  document.body.dataset.ready = '1';
}

async function main() {
  setupLang(render);
  const me = await signIn(null);
  mountNav($('topbar'), me, { current: 'cases-stats', title: ['个案统计', 'Case statistics'], onLang: render });
  $('stats').hidden = false;
  try {
    prog = (await api('/api/v1/case-programs')).programs[0];
    data = await api(`/api/v1/cases/stats${prog ? `?program=${prog.id}` : ''}`);
    render();
  } catch (e) {
    $('error').textContent = e.message;
  }
}

window.addEventListener('resize', () => { for (const c of Object.values(charts)) c.resize(); });
main().catch((e) => toast(e.message, true));
