// case-activities.js - the caseworker's page of a case programme's
// activities (/case-activities): the live-stream shows, 成长互助月 sessions
// and salons, a new one with its own check-in code, and one activity
// (#/a/ID) with its QR code to print or show and the attendance as it
// comes in (the list's counts are polled; the names are fetched again only
// when a count moved, since each read of them is audited).
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang } from './lib/i18n.js';
import { dateTime, localInput } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';

const POLL_MS = 4000;
let prog = null, streets = [], activities = [], current = null, shownCount = -1, timer = null;

const kindName = (id) => {
  const k = ((prog && prog.activities) || []).find((x) => x.id === id);
  return k ? pick(k, 'name') : id;
};

function row(a) {
  return el('li', { class: 'case' + (current && current.id === a.id ? ' on' : ''), 'data-id': a.id },
    el('a', { href: `#/a/${a.id}` },
      el('b', { text: a.title }), el('span', { class: 'tag', text: kindName(a.kind) })),
    el('div', { class: 'meta' },
      el('span', { text: dateTime(a.ts) }),
      el('span', { text: a.place || pick(a.street, 'name') }),
      el('span', { class: 'count', text: t(`${a.attendance} 人签到`, `${a.attendance} checked in`) })));
}

async function loadList() {
  try {
    activities = (await api('/api/v1/case-activities')).activities;
    $('list').replaceChildren(...activities.map(row));
    if (!activities.length) $('list').append(el('li', { class: 'note', text: t('还没有活动。', 'No activities yet.') }));
    $('error').textContent = '';
  } catch (e) {
    $('error').textContent = e.message;
  }
}

function showDetail(d) {
  const a = d.activity;
  $('detail').hidden = false;
  $('d-title').textContent = `${a.title}`;
  $('d-meta').textContent = `${kindName(a.kind)} · ${dateTime(a.ts)} · ${a.place || ''} ${pick(a.street, 'name')}`;
  if (a.token) {
    const url = `${location.origin}${a.checkin_path}`;
    $('d-qr').src = `/api/v1/case-activities/${a.id}/qr.svg`;
    $('d-qr').hidden = false;
    $('d-link').href = a.checkin_path;
    $('d-link').textContent = url;
  } else {
    $('d-qr').hidden = true;
    $('d-link').removeAttribute('href');
    $('d-link').textContent = t('签到码已停用（可在码管理页重新生成）', 'The code was revoked (reissue it on the codes page)');
  }
  $('d-count').textContent = String(d.attendance.length);
  $('d-empty').hidden = d.attendance.length > 0;
  $('d-attendance').replaceChildren(...d.attendance.map((x, i) => el('tr', {},
    el('td', { text: String(i + 1) }),
    el('td', {}, el('a', { href: `/cases#/case/${x.case}`, text: x.name })),
    el('td', { text: x.phone }),
    el('td', { text: dateTime(x.ts) }))));
  shownCount = d.attendance.length;
}

async function loadDetail(id) {
  try {
    current = (await api(`/api/v1/case-activities/${id}`));
    current.id = current.activity.id;
    showDetail(current);
  } catch (e) {
    $('detail').hidden = false;
    $('d-title').textContent = e.message;
  }
}

// The attendance comes in while the page is open: the counts are polled
// and the names fetched again when the shown activity's count moved.
async function tick() {
  if (document.hidden) return;
  await loadList();
  const a = current && activities.find((x) => x.id === current.id);
  if (a && a.attendance !== shownCount) await loadDetail(a.id);
}

async function route() {
  document.body.dataset.ready = '';
  const m = location.hash.match(/^#\/a\/(\d+)$/);
  await loadList();
  if (m) await loadDetail(Number(m[1]));
  else { current = null; $('detail').hidden = true; }
  $('list').querySelectorAll('li').forEach((li) => li.classList.toggle('on', !!current && Number(li.dataset.id) === current.id));
  document.body.dataset.ready = '1';
}

function relabel() {
  if (!prog) return;
  $('program').textContent = `${pick(prog, 'name')} · ${t('活动签到', 'activity check-in')}`;
  const keep = [$('a-kind').value, $('a-street').value];
  $('a-kind').replaceChildren(...prog.activities.map((k) => el('option', { value: k.id, text: pick(k, 'name') })));
  $('a-street').replaceChildren(el('option', { value: '', text: t('全区', 'The district') }),
    ...streets.map((s) => el('option', { value: s.path, text: pick(s, 'name') })));
  if (keep[0]) [$('a-kind').value, $('a-street').value] = keep;
  $('list').replaceChildren(...activities.map(row));
  if (current) showDetail(current);
}

async function main() {
  setupLang(relabel);
  const me = await signIn(['admin', 'officer'], (u) => t(`活动签到页面供个案工作者（部门人员）和管理员使用；${u.name} 可在统计页查看汇总数字。`,
    `Activity check-in is for caseworkers (officers) and administrators; ${u.name} can see the counts on the statistics page.`));
  mountNav($('topbar'), me, { current: 'cases', title: ['活动签到', 'Activity check-in'], onLang: relabel });
  prog = (await api('/api/v1/case-programs')).programs[0];
  const tree = await api('/api/v1/regions').catch(() => ({ regions: [] }));
  const walk = (list) => { for (const r of list) { if (r.level === 'street') streets.push({ path: r.id, name_zh: r.name_zh, name_en: r.name_en }); walk(r.children || []); } };
  walk(tree.regions || []);
  $('view').hidden = false;
  relabel();
  await route();
  timer = setInterval(tick, POLL_MS);
}

window.addEventListener('hashchange', route);
$('new').addEventListener('click', () => {
  $('create').hidden = false;
  $('a-ts').value = localInput();
});
$('create-cancel').addEventListener('click', () => { $('create').hidden = true; });
$('create').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = Object.fromEntries(new FormData($('create')));
  // the picker's local time is Asia/Shanghai's (UTC+8)
  const body = { kind: f.kind, title: f.title, ts: `${f.ts}:00+08:00` };
  if (f.place) body.place = f.place;
  if (f.street) body.street = f.street;
  try {
    const r = await api('/api/v1/case-activities', { json: body });
    $('create').reset();
    $('create').hidden = true;
    $('create-error').textContent = '';
    toast(t('已创建，签到码已生成', 'Created, with its check-in code'));
    location.hash = `#/a/${r.id}`;
  } catch (e) {
    $('create-error').textContent = e.message;
  }
});

main().catch((e) => toast(e.message, true));
void timer;
