// nav.js - the top bar every staff page shares: the product's name and the
// page's title, links between the screens (驾驶舱, 派单台, 部门, 统计, 管理)
// shown by the user's role, the user's name and role, the language switch
// and logout. A page calls mountNav() once it knows who is signed in, and
// nav.relabel() after a language change. Text goes in as text, never HTML.
import { el } from './dom.js';
import { api } from './api.js';
import { t, lang, setLang, translate } from './i18n.js';

export const ROLE_NAMES = {
  admin: ['管理员', 'Administrator'],
  dispatcher: ['调度员', 'Dispatcher'],
  officer: ['部门人员', 'Department officer'],
  viewer: ['领导', 'Leader'],
  park_manager: ['园区管理员', 'Park manager'],
};

/** The role's name in the page's language (the id itself when unknown). */
export const roleName = (role) => (ROLE_NAMES[role] ? t(...ROLE_NAMES[role]) : role || '');

// Where each screen is and who may use it (the API decides; a link only
// saves a trip to a page that would refuse).
export const SCREENS = [
  { id: 'cockpit', href: '/', zh: '驾驶舱', en: 'Cockpit', roles: null },
  { id: 'dispatch', href: '/dispatch', zh: '派单台', en: 'Dispatch', roles: ['admin', 'dispatcher'] },
  { id: 'dept', href: '/dept', zh: '部门', en: 'Department', roles: ['officer'] },
  { id: 'site', href: '/site', zh: '基坑监测', en: 'Pit watch', roles: ['admin', 'dispatcher', 'viewer', 'officer'] },
  { id: 'stats', href: '/stats', zh: '统计', en: 'Statistics', roles: ['admin', 'dispatcher', 'viewer', 'officer'] },
  { id: 'cases', href: '/cases', zh: '个案', en: 'Cases', roles: ['admin', 'officer'] },
  { id: 'cases-stats', href: '/cases-stats', zh: '个案统计', en: 'Case statistics', roles: ['admin', 'viewer', 'officer'] },
  { id: 'admin', href: '/admin', zh: '管理', en: 'Admin', roles: ['admin'] },
  { id: 'campaign', href: '/campaign', zh: '专项行动', en: 'Campaigns', roles: ['admin', 'dispatcher', 'viewer', 'officer'] },
  // inspections (issue 13 §2, §3): the inspector's phone checklist, the leader's progress
  { id: 'inspect', href: '/inspect', zh: '现场检查', en: 'Inspect', roles: ['admin', 'officer'] },
  { id: 'ledger', href: '/ledger', zh: '督查进度', en: 'Ledger', roles: ['admin', 'dispatcher', 'viewer', 'officer'] },
];

/** The screens a role sees in the bar. */
export const screensFor = (role) => SCREENS.filter((s) => !s.roles || s.roles.includes(role));

/**
 * Fills `header` (an empty <header>) with the bar for user `me` ({name,
 * role, department, scope} of GET /api/v1/session). opts: current (a
 * SCREENS id, marked), title ([zh, en] after the name), detail (me ->
 * text shown after the role, e.g. a department's name), onLang (called
 * after the language switched and the page's static text was relabelled),
 * afterLogout (default: reload, which shows the sign-in), compact (the
 * cockpit's big screen: no product name, which its own header carries, and
 * the bar fits one line of that header; the language button is also a
 * .lang-switch there). Returns {relabel()}.
 */
export function mountNav(header, me, opts = {}) {
  header.classList.add('zz-nav');
  header.classList.toggle('compact', !!opts.compact);
  header.replaceChildren();
  // the ids are the ones the pages had before this bar (#who, #lang, #logout)
  const title = el('small', { class: 'zz-nav-title' });
  const links = el('nav', { class: 'zz-nav-links', 'aria-label': 'screens' });
  const who = el('span', { class: 'zz-nav-who', id: 'who' });
  const langBtn = el('button', { type: 'button', class: opts.compact ? 'zz-nav-lang lang-switch' : 'zz-nav-lang', id: 'lang' });
  const out = el('button', { type: 'button', class: 'zz-nav-logout', id: 'logout' });
  if (opts.compact) header.append(links, who, langBtn, out);
  else header.append(el('h1', {}, '智治 ', title), links, who, langBtn, out);

  function relabel() {
    title.textContent = opts.title ? t(...opts.title) : '';
    links.replaceChildren(...screensFor(me.role).map((s) => el('a', {
      href: s.href, class: s.id === opts.current ? 'on' : null,
      'aria-current': s.id === opts.current ? 'page' : null,
    }, t(s.zh, s.en))));
    const detail = opts.detail ? opts.detail(me) : '';
    who.replaceChildren(el('b', {}, me.name), ' · ', roleName(me.role), detail ? ` · ${detail}` : '');
    who.title = t('当前用户', 'Signed in as');
    langBtn.textContent = lang === 'zh' ? 'EN' : '中文';
    langBtn.title = t('切换语言', 'Switch language');
    out.textContent = t('退出', 'Sign out');
  }

  langBtn.addEventListener('click', () => {
    setLang(lang === 'zh' ? 'en' : 'zh');
    translate();
    relabel();
    if (opts.onLang) opts.onLang();
  });
  out.addEventListener('click', async () => {
    out.disabled = true;
    await api('/api/v1/logout', { method: 'POST' }).catch(() => {});
    if (opts.afterLogout) opts.afterLogout();
    else location.reload();
  });
  relabel();
  return { relabel };
}
