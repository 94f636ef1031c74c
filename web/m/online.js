// /m/o/MATTER: an application made online, without a code (去办理 in the
// services catalog /services): the matter from the public catalog, its
// departments and time limit, then apply.js's form with the applicant's
// phone asked here; the application's page /m/a/NUMBER follows it.
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pick, t, words } from '../lib/i18n.js';
import { setupLang, PHONE_WORDS, formField } from './common.js';
import { renderApply } from './apply.js';

const T = {
  ...PHONE_WORDS,
  title: ['网上申请', 'Apply online'],
  unknown: ['没有这个事项', 'No such matter'],
  notOnline: ['此事项不能在网上申请', 'This matter cannot be applied for online'],
  catalog: ['返回服务目录', 'Back to the services catalog'],
  dept: ['办理部门', 'Handled by'],
  limit: ['办理时限', 'Time limit'],
};
const w = words(T);
const id = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let catalog = null, status = 0;

function show(...kids) {
  app.replaceChildren(...kids.filter((k) => k != null));
  document.getElementById('title').textContent = w('title');
  document.title = w('title');
}

const toCatalog = () => el('a', { class: 'matter', href: '/services', id: 'to-catalog', text: w('catalog') });

function limit(min) {
  if (min >= 1440) { const d = Math.round(min / 1440); return t(`${d}天`, `${d} day${d > 1 ? 's' : ''}`); }
  if (min >= 60) { const h = Math.round(min / 60); return t(`${h}小时`, `${h} h`); }
  return t(`${min}分钟`, `${min} min`);
}

function render() {
  if (!catalog) {
    return show(el('div', { class: 'card', id: 'friendly' }, el('h2', { text: w('title') }),
      el('p', { text: status === 429 ? w('busy') : w('offline') })), toCatalog());
  }
  const m = catalog.matters.find((x) => x.id === id);
  if (!m) return show(el('div', { class: 'card', id: 'friendly' }, el('h2', { text: w('unknown') })), toCatalog());
  if (m.kind !== 'application' || !(m.channels || []).includes('online')) {
    return show(el('div', { class: 'card', id: 'friendly' }, el('h2', { text: pick(m, 'name') }), el('p', { text: w('notOnline') })), toCatalog());
  }
  const deps = m.departments.map((d) => pick(catalog.departments[d] || { name_zh: d, name_en: d }, 'name')).join(t('、', ', '));
  // the form's card names the matter; this one says who decides and how fast
  const head = el('div', { class: 'card', id: 'matter-meta' },
    el('div', { class: 'muted', text: `${w('dept')}${t('：', ': ')}${deps} · ${w('limit')}${t('：', ': ')}${limit(m.sla_resolve_minutes)}` }));
  renderApply({ doc: { entity: null, limits: null }, token: null, matter: m, contact: '',
    show: (...kids) => show(head, ...kids), back: () => { location.href = '/services'; },
    recontact: () => {}, fieldInput: (f) => formField(f) });
}

async function main() {
  setupLang(render);
  try {
    catalog = await api('/api/public/catalog');
  } catch (e) {
    status = e.status;
  }
  render();
}

main();
