// cases.js - the caseworker's page (/cases) for case files (个案) such as
// 心花绽放: the list (due follow-ups first, search and filters, CSV export),
// a new file, and one file (#/case/ID: the person, the timeline, and a form
// to record a contact, service, activity or outcome, and one to start a
// policy application whose progress then shows on the timeline), usable on
// a 375px phone. The programme's kinds come from GET /api/v1/case-programs, so the
// page knows no programme. Text is set as text, never parsed as HTML.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, words, setupLang } from './lib/i18n.js';
import { day, dateTime, dayStartMs, instant } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';

const PAGE = 50;
const w = words({ klass: { contact: ['联系', 'Contact'], service: ['服务', 'Service'], activity: ['活动', 'Activity'],
  outcome: ['结果', 'Outcome'], task: ['任务', 'Task'], application: ['政策申请', 'Application'] },
  status: { awaiting_materials: ['待补材料', 'Awaiting materials'], in_review: ['审核中', 'In review'], done: ['已办结', 'Decided'] },
  outcome: { approved: ['已批准', 'approved'], rejected: ['未批准', 'rejected'] },
  decision: { approve: ['同意', 'approved'], reject: ['不同意', 'rejected'] } });
const className = (k) => w('klass', k) || k;
const LISTS = { contact: 'contacts', service: 'services', activity: 'activities', outcome: 'outcomes', intention: 'intentions', application: 'applications' };
let me = null;
let prog = null; // the programme
let streets = [];
let shown = 0;

const kinds = (klass) => (prog && prog[LISTS[klass]]) || [];
const kindName = (klass, id) => {
  if (klass === 'task') return t('回访任务', 'Follow-up task');
  const k = kinds(klass).find((x) => x.id === id);
  return k ? pick(k, 'name') : id || '—';
};
const options = (sel, list, none) => {
  sel.replaceChildren(...(none ? [el('option', { value: '', text: none })] : []),
    ...list.map((k) => el('option', { value: k.id ?? k.path, text: pick(k, 'name') })));
};

// ---- the list ----

function query(extra = {}) {
  const p = new URLSearchParams();
  if ($('q').value.trim()) p.set('q', $('q').value.trim());
  if ($('intention').value) p.set('intention', $('intention').value);
  if ($('street').value) p.set('street', $('street').value);
  if ($('due').checked) p.set('due', '1');
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

function row(c) {
  const due = c.due;
  return el('li', { class: 'case' + (due ? ' due' : ''), 'data-id': c.id },
    el('a', { href: `#/case/${c.id}` },
      el('b', { text: c.name }), ' ', el('span', { class: 'note', text: c.phone }),
      el('span', { class: 'tag', text: kindName('intention', c.intention) }),
      c.outcome ? el('span', { class: 'tag ok', text: kindName('outcome', c.outcome) }) : null),
    el('div', { class: 'meta' },
      el('span', { text: `${pick(c.street, 'name')} ${c.community || ''}` }),
      el('span', { text: t(`${c.quiet_days} 天未联系`, `${c.quiet_days} days since contact`) }),
      el('span', { class: due ? 'late' : '', text: c.next_follow ? `${t('回访', 'Follow up')} ${day(c.next_follow)}` : t('未约回访', 'No follow-up set') }),
      c.followup_order ? el('span', { class: 'flag late', text: t('回访任务', 'Follow-up task') }) : null));
}

async function loadList(more = false) {
  $('error').textContent = '';
  document.body.dataset.ready = '';
  if (!more) shown = 0;
  try {
    const r = await api(`/api/v1/cases?${query({ limit: PAGE, offset: shown })}`);
    const items = r.cases.map(row);
    if (more) $('list').append(...items);
    else $('list').replaceChildren(...items);
    shown += r.cases.length;
    $('count').textContent = t(`共 ${r.total} 个个案，已显示 ${shown} 个`, `${r.total} cases, ${shown} shown`);
    $('more').hidden = shown >= r.total;
    $('csv').href = `/api/v1/cases/export?${query()}`;
  } catch (e) {
    $('error').textContent = e.message;
  }
  document.body.dataset.ready = '1';
}

// ---- one file ----

function person(c) {
  const p = c.profile || {};
  const line = (zh, en, v) => (v ? el('div', { class: 'kv' }, el('span', { text: t(zh, en) }), el('b', { text: v })) : null);
  $('person').replaceChildren(...[
    el('h2', { text: `${c.name} · ${t('个案', 'Case')} #${c.id}` }),
    line('手机号', 'Mobile', c.phone),
    line('街道社区', 'Street, community', `${pick(c.street, 'name')} ${c.community || ''}`),
    line('住址', 'Address', c.address),
    line('身份证号', 'ID number', c.id_number),
    line('就业意向', 'Intention', kindName('intention', c.intention)),
    line('技能', 'Skills', (p.skills || []).join('、')),
    line('可工作时段', 'Hours', p.hours),
    line('照护情况', 'Childcare', p.childcare),
    line('个案工作者', 'Caseworker', c.caseworker),
    line('建档时间', 'Opened', day(c.created)),
    line('最近联系', 'Last contact', `${day(c.last_contact)} ${t(`（${c.quiet_days} 天前）`, `(${c.quiet_days} days ago)`)}`),
    line('下次回访', 'Next follow-up', c.next_follow ? day(c.next_follow) : t('未约', 'None')),
    line('当前结果', 'Outcome', c.outcome ? kindName('outcome', c.outcome) : null),
    line('带动就业', 'Jobs created', c.jobs ? String(c.jobs) : null),
    c.followup_order ? el('p', { class: 'late' }, t('回访任务：工单 ', 'Follow-up task: order '),
      el('a', { href: `/dept#${c.followup_order}`, text: `#${c.followup_order}` })) : null].filter(Boolean));
  $('timeline').replaceChildren(...c.timeline.slice().reverse().map((e) => el('li', { class: `e-${e.class}`, 'data-ref': e.ref || '' },
    el('b', { text: `${className(e.class)} · ${kindName(e.class, e.kind)}` }),
    e.jobs ? el('span', { class: 'tag ok', text: t(`带动就业 ${e.jobs} 人`, `${e.jobs} jobs`) }) : null,
    el('div', { class: 'note', text: `${dateTime(e.ts)} · ${e.actor === 'checkin' ? t('扫码签到', 'Code check-in') : e.actor}` }),
    e.note ? el('div', { text: e.note }) : null,
    e.progress ? progress(e.progress) : null)));
}

// An application's progress as the applicant and the bureaus see it.
function progress(p) {
  const status = p.outcome ? `${w('status', p.status)} · ${w('outcome', p.outcome)}` : w('status', p.status) || p.status;
  const missing = (p.materials || []).filter((m) => m.required && !m.received).map((m) => pick(m, 'name'));
  return el('div', { class: 'progress' },
    el('div', {}, el('span', { class: `tag${p.outcome === 'approved' ? ' ok' : ''}`, text: status }), ' ',
      el('a', { href: `/m/a/${p.number}`, target: '_blank', rel: 'noopener', text: t('申请人办理页', "Applicant's page") })),
    missing.length ? el('div', { class: 'late', text: t(`待补：${missing.join('、')}`, `Missing: ${missing.join(', ')}`) }) : null,
    ...(p.steps || []).map((s) => el('div', { class: 'note',
      text: `${pick(s, 'name') || pick(s, 'department_name')}${t('：', ': ')}${s.decision ? w('decision', s.decision) : t('待审核', 'waiting')}${s.note ? `（${s.note}）` : ''}` })));
}

let current = null;
async function loadCase(id) {
  document.body.dataset.ready = '';
  try {
    current = (await api(`/api/v1/cases/${id}`)).case;
    person(current);
  } catch (e) {
    $('person').replaceChildren(el('p', { class: 'error', text: e.message }));
  }
  document.body.dataset.ready = '1';
}

function entryKinds() {
  const klass = $('e-class').value;
  options($('e-kind'), kinds(klass));
  jobsField();
}
function jobsField() {
  const k = kinds($('e-class').value).find((x) => x.id === $('e-kind').value);
  $('e-jobs-label').hidden = !(k && k.jobs);
}

// ---- routing: #/case/ID is a file, anything else the list ----

function route() {
  const m = location.hash.match(/^#\/case\/(\d+)$/);
  $('list-view').hidden = !!m;
  $('case-view').hidden = !m;
  if (m) loadCase(m[1]);
  else loadList();
}

function relabel() {
  if (!prog) return;
  $('program').textContent = `${pick(prog, 'name')} · ${t('个案管理', 'case files')}`;
  const keep = [$('intention').value, $('street').value, $('e-class').value];
  options($('intention'), kinds('intention'), t('全部意向', 'All intentions'));
  options($('c-intention'), kinds('intention'));
  options($('street'), streets, t('全部街道', 'All streets'));
  options($('c-street'), streets);
  $('e-class').replaceChildren(...['contact', 'service', 'activity', 'outcome'].map((k) => el('option', { value: k, text: className(k) })));
  [$('intention').value, $('street').value] = keep;
  if (keep[2]) $('e-class').value = keep[2];
  entryKinds();
  options($('p-matter'), kinds('application'));
  $('apply').hidden = !kinds('application').length;
  applyForm();
  if (current && !$('case-view').hidden) person(current);
  else if (!$('list-view').hidden) loadList();
}

async function main() {
  setupLang(relabel);
  me = await signIn(['admin', 'officer'], (u) => t(`个案管理页面供个案工作者（部门人员）和管理员使用；${u.name}（${u.role}）可在统计页查看汇总数字。`,
    `Case files are for caseworkers (officers) and administrators; ${u.name} (${u.role}) can see the counts on the statistics page.`));
  mountNav($('topbar'), me, { current: 'cases', title: ['个案管理', 'Case files'], onLang: relabel });
  prog = (await api('/api/v1/case-programs')).programs[0];
  const tree = await api('/api/v1/regions').catch(() => ({ regions: [] }));
  streets = [];
  const walk = (list) => { for (const r of list) { if (r.level === 'street') streets.push({ path: r.id, name_zh: r.name_zh, name_en: r.name_en }); walk(r.children || []); } };
  walk(tree.regions || []);
  relabel();
  route();
}

window.addEventListener('hashchange', route);
$('filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadList(); });
for (const id of ['intention', 'street', 'due']) $(id).addEventListener('change', () => loadList());
$('more').addEventListener('click', () => loadList(true));
$('back').addEventListener('click', (ev) => { ev.preventDefault(); location.hash = ''; });
$('new').addEventListener('click', () => { $('create').hidden = false; $('create').scrollIntoView(); });
$('create-cancel').addEventListener('click', () => { $('create').hidden = true; });
$('create').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = Object.fromEntries(new FormData($('create')));
  const body = { ...f, skills: f.skills ? f.skills.split(/[,，、]/).map((s) => s.trim()).filter(Boolean) : [] };
  for (const k of Object.keys(body)) if (body[k] === '') delete body[k];
  try {
    const r = await api('/api/v1/cases', { json: body });
    $('create').reset();
    $('create').hidden = true;
    toast(t('已建档', 'File opened'));
    location.hash = `#/case/${r.id}`;
  } catch (e) {
    $('create-error').textContent = e.message;
  }
});
$('e-class').addEventListener('change', entryKinds);
$('e-kind').addEventListener('change', jobsField);
$('entry').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = Object.fromEntries(new FormData($('entry')));
  const body = { class: f.class, kind: f.kind };
  if (f.note) body.note = f.note;
  if (f.next_follow) body.next_follow = instant(dayStartMs(f.next_follow));
  if (!$('e-jobs-label').hidden && Number(f.jobs) > 0) body.jobs = Number(f.jobs);
  try {
    await api(`/api/v1/cases/${current.id}/entries`, { json: body });
    $('entry').reset();
    entryKinds();
    $('entry-error').textContent = '';
    toast(t('已记录', 'Recorded'));
    await loadCase(current.id);
  } catch (e) {
    $('entry-error').textContent = e.message;
  }
});

// ---- a policy application for the file's person ----

const matters = new Map(); // id -> the matter's definition (its form)
async function applyForm() {
  const id = $('p-matter').value;
  if (!id) { $('p-fields').replaceChildren(); return; }
  if (!matters.has(id)) matters.set(id, await api(`/api/v1/matters/${encodeURIComponent(id)}`).then((r) => r.matter || r).catch(() => ({ form: [] })));
  const m = matters.get(id);
  const keep = Object.fromEntries([...$('p-fields').querySelectorAll('input')].map((x) => [x.name, x.value]));
  $('p-fields').replaceChildren(...(m.form || []).map((f) => el('label', {},
    el('span', { text: `${pick(f, 'label')}${f.required ? ' *' : ''}` }),
    el('input', { name: f.id, type: f.type === 'date' ? 'date' : 'text', required: !!f.required, maxlength: f.max || 200, value: keep[f.id] || '' }))));
}
$('p-matter').addEventListener('change', applyForm);
$('apply').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = Object.fromEntries([...$('p-fields').querySelectorAll('input')].filter((x) => x.value).map((x) => [x.name, x.value]));
  const body = { matter: $('p-matter').value, form };
  if ($('p-note').value) body.note = $('p-note').value;
  try {
    const r = await api(`/api/v1/cases/${current.id}/applications`, { json: body });
    $('apply').reset();
    applyForm();
    $('apply-error').textContent = '';
    toast(t('申请已发起，请申请人在手机上补传材料', 'Application started: the applicant uploads the materials on her phone'));
    $('apply-result').replaceChildren(t('申请人办理页（请发给申请人）：', "The applicant's page (send it to her): "),
      el('a', { href: r.application.page_url, target: '_blank', rel: 'noopener', text: `${location.origin}${r.application.page_url}` }));
    await loadCase(current.id);
  } catch (e) {
    $('apply-error').textContent = e.message;
  }
});

main().catch((e) => toast(e.message, true));
