// main.js (admin) - the admin screens (/admin): sign-in for administrators,
// the shared top bar, and one tab per thing an administrator keeps: users,
// data sources, departments, rules, matters, webhooks and the audit log (codes have
// their own page, /admin/codes). The tab is in the URL's hash (#users ...),
// so a tab can be linked to and reloaded. Anyone else signed in is told the
// page is for administrators; the API refuses them anyway.
import { $, el } from '../lib/dom.js';
import { t, setupLang, translate } from '../lib/i18n.js';
import { mountNav, roleName } from '../lib/nav.js';
import { signIn, toast } from '../console-common.js';
import { ref, loadRefs, deptName, regionName } from './common.js';
import users from './users.js';
import sources from './sources.js';
import departments from './departments.js';
import rules from './rules.js';
import matters from './matters.js';
import audit from './audit.js';
import webhooks from './webhooks.js';

const TABS = [users, sources, departments, rules, matters, webhooks, audit];
let current = null;
let denied = null;

function deniedText(u) {
  return t(`此页面仅供管理员使用。当前用户 ${u.name}（${roleName(u.role)}）无此权限，请使用管理员账号登录。`,
    `This page is for administrators. ${u.name} (${roleName(u.role)}) may not use it; sign in as an administrator.`);
}

function tabFromHash() {
  const id = location.hash.slice(1);
  return TABS.find((x) => x.id === id) || TABS[0];
}

function renderTabs() {
  $('tabs').replaceChildren(...TABS.map((x) => el('a', {
    href: `#${x.id}`, role: 'tab', id: `tab-${x.id}`, class: x === current ? 'tab on' : 'tab',
    'aria-selected': String(x === current),
  }, t(x.label[0], x.label[1]))), el('a', { href: '/admin/codes', class: 'tab out' }, t('顾客码与企业码 ↗', 'Codes ↗')));
}

async function show() {
  current = tabFromHash();
  renderTabs();
  const box = el('div', { class: `tab-${current.id}` });
  $('pane').replaceChildren(box);
  $('pane').dataset.tab = current.id;
  try {
    await current.render(box);
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, e.message));
  }
  $('pane').dataset.ready = current.id;
}

async function main() {
  setupLang(() => { if (denied) $('login-error').textContent = deniedText(denied); });
  const me = await signIn(['admin'], (u) => { denied = u; return deniedText(u); });
  denied = null;
  ref.me = me;
  await loadRefs();
  const nav = mountNav($('topbar'), me, {
    current: 'admin',
    title: ['系统管理', 'Administration'],
    detail: (u) => (u.scope ? regionName(u.scope) : u.department ? deptName(u.department) : ''),
    onLang: () => show(),
  });
  nav.relabel();
  translate();
  $('admin').hidden = false;
  window.addEventListener('hashchange', show);
  await show();
}

main().catch((e) => toast(e.message, true));
