// audit.js (admin) - the audit log tab: every administrative change, newest
// first, filtered by kind of action, by who made it, by date and by text
// (GET /api/v1/audit), with the server's cursor for more.
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, words } from '../lib/i18n.js';
import { dateTime, TZ } from '../lib/time.js';
import { toast } from '../console-common.js';
import { roleName } from '../lib/nav.js';
import { select, field, input, table, notice, showError, clearErrors, regionName, deptName,
  matterName } from './common.js';

export const ACTIONS = {
  user: ['用户（全部）', 'Users (all)'],
  'user.create': ['创建用户', 'User created'], 'user.update': ['修改角色/范围', 'Role or scope changed'],
  'user.password': ['重置密码', 'Password set'], 'user.disable': ['停用用户', 'User disabled'],
  'user.enable': ['启用用户', 'User enabled'], 'user.delete': ['删除用户', 'User deleted'],
  'user.sessions_end': ['结束会话', 'Sessions ended'], 'user.save': ['保存用户（命令行）', 'User saved (CLI)'],
  source: ['数据源（全部）', 'Sources (all)'],
  'source.create': ['添加数据源', 'Source added'], 'source.token': ['轮换令牌', 'Token rotated'],
  department: ['部门（全部）', 'Departments (all)'],
  'department.create': ['添加部门', 'Department added'], 'department.update': ['修改部门', 'Department renamed'],
  rule: ['规则（全部）', 'Rules (all)'],
  'rule.create': ['新建规则', 'Rule created'], 'rule.update': ['修改规则', 'Rule changed'],
  'rule.enable': ['启用规则', 'Rule enabled'], 'rule.disable': ['停用规则', 'Rule disabled'],
  matter: ['事项（全部）', 'Matters (all)'],
  'matter.create': ['新建事项', 'Matter created'], 'matter.update': ['修改事项', 'Matter changed'],
  code: ['码（全部）', 'Codes (all)'],
  'code.generate': ['生成码', 'Codes generated'], 'code.revoke': ['作废码', 'Code revoked'], 'code.reissue': ['重发码', 'Code reissued'],
};
const actionWord = words(ACTIONS);
const actionName = (a) => actionWord(a) ?? a;

// "2026-05-21" (a date input, Asia/Shanghai) -> epoch ms of that midnight
const dayStart = (d) => Date.parse(`${d}T00:00:00Z`) - TZ;

// A detail with names for the ids it holds (regions, departments, roles).
function named(k, v) {
  if (v === null || v === undefined) return '—';
  if (k === 'scope' || k === 'region') return regionName(v);
  if (k === 'department') return deptName(v);
  if (k === 'departments' && Array.isArray(v)) return v.map(deptName).join('、');
  if (k === 'role') return roleName(v);
  if (typeof v === 'object') return Object.entries(v).map(([k2, v2]) => `${k2}: ${named(k2, v2)}`).join(', ');
  return String(v);
}

function detailText(d) {
  if (!d) return '';
  const s = Object.entries(d).map(([k, v]) => `${k}: ${named(k, v)}`).join('; ');
  return s.length > 160 ? s.slice(0, 157) + '…' : s;
}

export default {
  id: 'audit',
  label: ['审计日志', 'Audit log'],
  async render(box) {
    // names for the targets: sources and rules by their names
    const [srcs, rls] = await Promise.all([api('/api/v1/sources').then((r) => r.sources).catch(() => []),
      api('/api/v1/rules').then((r) => r.rules).catch(() => [])]);
    const targetName = (a) => {
      const fam = a.action.split('.')[0];
      const x = fam === 'source' ? srcs.find((s) => s.id === a.target) : fam === 'rule' ? rls.find((r) => r.id === a.target) : null;
      if (x) return pick(x, 'name') || a.target;
      if (fam === 'matter') return matterName(a.target);
      if (fam === 'department') return deptName(a.target);
      // a region (codes generated under it) by its name; anything else as is
      return regionName(a.target, '—');
    };
    const users = await api('/api/v1/users').then((r) => r.users.map((u) => [u.name, u.name])).catch(() => null);
    const action = select('action', Object.keys(ACTIONS).map((a) => [a, (a.includes('.') ? '\u3000' : '') + actionName(a)]), '',
      t('全部动作', 'Any action'));
    const actor = users ? select('actor', users, '', t('全部人员', 'Anyone')) : input('actor', '', { placeholder: t('操作人', 'Who') });
    const from = input('from', '', { type: 'date' });
    const to = input('to', '', { type: 'date' });
    const q = input('q', '', { type: 'search', placeholder: t('搜索对象或详情', 'Search targets and details') });
    const filters = el('form', { class: 'filters audit-filters', id: 'audit-filters' },
      field('action', t('动作', 'Action'), action), field('actor', t('操作人', 'Who'), actor),
      field('from', t('起始日期', 'From'), from), field('to', t('截止日期（含）', 'To (inclusive)'), to),
      field('q', t('搜索', 'Search'), q),
      el('button', { type: 'submit', class: 'primary', id: 'audit-go' }, t('查询', 'Search')));
    const general = el('p', { class: 'error', role: 'alert' });
    const list = el('div', { class: 'list' });
    const more = el('button', { type: 'button', id: 'audit-more', hidden: true }, t('加载更多', 'More'));
    const count = el('span', { class: 'note' });
    let rows = [];
    let cursor = null;

    const params = () => {
      const p = new URLSearchParams({ limit: '100' });
      if (action.value) p.set('action', action.value);
      if (actor.value) p.set('actor', actor.value);
      if (from.value) p.set('from', String(dayStart(from.value)));
      if (to.value) p.set('to', String(dayStart(to.value) + 86400e3));
      if (q.value.trim()) p.set('q', q.value.trim());
      return p;
    };
    const draw = () => {
      list.replaceChildren(rows.length ? table('grid audit', [t('时间', 'Time'), t('操作人', 'Who'), t('动作', 'Action'),
        t('对象', 'Target'), t('详情', 'Detail')], rows.map((a) => el('tr', { 'data-action': a.action },
        el('td', { class: 'nowrap' }, dateTime(a.ts)), el('td', {}, a.actor), el('td', { class: 'nowrap' }, actionName(a.action)),
        el('td', { title: a.target }, targetName(a)), el('td', { class: 'detail', title: a.detail ? JSON.stringify(a.detail) : '' }, detailText(a.detail)))))
        : notice(t('没有符合条件的记录', 'Nothing matches')));
      count.textContent = t(`已显示 ${rows.length} 条`, `${rows.length} shown`);
      more.hidden = !cursor;
    };
    const load = async (next) => {
      general.textContent = '';
      try {
        const p = params();
        if (next && cursor) p.set('cursor', cursor);
        const r = await api(`/api/v1/audit?${p}`);
        rows = next ? rows.concat(r.audit) : r.audit;
        cursor = r.next_cursor;
        clearErrors(filters);
        draw();
      } catch (e) {
        showError(filters, e, general);
      }
    };
    filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
    more.addEventListener('click', () => load(true).catch((e) => toast(e.message, true)));
    box.append(el('div', { class: 'bar' }, el('h2', {}, t('审计日志', 'Audit log'))), filters, general, list,
      el('p', { class: 'more' }, count, more));
    await load(false);
  },
};
