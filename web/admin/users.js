// users.js (admin) - the users tab: every account with its role,
// department, scope, state and open sessions; add one, change its role,
// department and scope, disable or enable it, set a new password, end its
// sessions. Departments and scopes are picked by name from the lists.
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { ROLE_NAMES, roleName } from '../lib/nav.js';
import { toast } from '../console-common.js';
import { ref, deptName, regionName, regionOptions, deptOptions, select, field, input, dialog, confirmAsk,
  table, notice } from './common.js';

const roleOptions = () => Object.keys(ROLE_NAMES).map((r) => [r, roleName(r)]);

// role, department and scope fields, filled from u (or empty)
function accessFields(u = {}) {
  return [
    field('role', t('角色', 'Role'), select('role', roleOptions(), u.role || 'viewer')),
    field('department', t('部门', 'Department'), select('department', deptOptions(), u.department || '', t('（无）', '(none)')),
      t('部门人员必须属于一个部门', 'Officers belong to a department')),
    field('scope', t('管辖范围', 'Scope'), select('scope', regionOptions(), u.scope || '', t('全区（不限）', 'Whole district (no limit)'))),
  ];
}

const access = (form) => {
  const f = new FormData(form);
  return { role: f.get('role'), department: f.get('department') || undefined, scope: f.get('scope') || undefined };
};

async function addUser(reload) {
  const ok = await dialog(t('添加用户', 'Add a user'), [
    field('name', t('用户名', 'Name'), input('name', '', { autocomplete: 'off', required: true })),
    ...accessFields(),
    field('password', t('初始密码', 'First password'), input('password', '', { type: 'password', autocomplete: 'new-password' }),
      t('至少10个字符，不能与用户名相同', 'At least 10 characters, not the name')),
  ], t('添加', 'Add'), async (form) => {
    const f = new FormData(form);
    await api('/api/v1/users', { json: { name: f.get('name'), password: f.get('password'), ...access(form) } });
  });
  if (ok) { toast(t('用户已添加', 'User added')); await reload(); }
}

async function editUser(u, reload) {
  const ok = await dialog(t(`修改 ${u.name} 的角色与范围`, `Role and scope of ${u.name}`), accessFields(u),
    t('保存', 'Save'), async (form) => {
      await api(`/api/v1/users/${encodeURIComponent(u.name)}`, { method: 'PUT', json: access(form) });
    });
  if (ok) { toast(t('已保存', 'Saved')); await reload(); }
}

async function resetPassword(u, reload) {
  const ok = await dialog(t(`为 ${u.name} 设置新密码`, `New password for ${u.name}`), [
    field('password', t('新密码', 'New password'), input('password', '', { type: 'password', autocomplete: 'new-password' }),
      t('该用户的所有会话将立即结束', 'Every session of this user ends at once')),
  ], t('设置密码', 'Set password'), async (form) => {
    await api(`/api/v1/users/${encodeURIComponent(u.name)}/password`, { json: { password: new FormData(form).get('password') } });
  });
  if (ok) { toast(t('密码已重置，会话已结束', 'Password set; sessions ended')); await reload(); }
}

async function setDisabled(u, disable, reload) {
  if (disable && !await confirmAsk(t('停用用户？', 'Disable this user?'),
    t(`停用后 ${u.name} 无法登录，当前会话立即结束。可随时重新启用。`,
      `${u.name} can no longer sign in and its sessions end now. It can be enabled again.`), t('停用', 'Disable'))) return;
  try {
    await api(`/api/v1/users/${encodeURIComponent(u.name)}/${disable ? 'disable' : 'enable'}`, { method: 'POST' });
    toast(disable ? t('已停用', 'Disabled') : t('已启用', 'Enabled'));
    await reload();
  } catch (e) { toast(e.message, true); }
}

async function endSessions(u, reload) {
  if (!await confirmAsk(t('结束会话？', 'End sessions?'),
    t(`${u.name} 的 ${u.sessions} 个会话将立即结束，需要重新登录。`,
      `The ${u.sessions} session(s) of ${u.name} end now; it must sign in again.`), t('结束会话', 'End sessions'))) return;
  try {
    const r = await api(`/api/v1/users/${encodeURIComponent(u.name)}/sessions`, { method: 'DELETE' });
    toast(t(`已结束 ${r.sessions_ended} 个会话`, `${r.sessions_ended} session(s) ended`));
    await reload();
  } catch (e) { toast(e.message, true); }
}

function row(u, reload) {
  const self = u.name === ref.me.name;
  const b = (label, fn, attrs = {}) => el('button', { type: 'button', onclick: fn, ...attrs }, label);
  return el('tr', { 'data-user': u.name, class: u.disabled ? 'off' : null },
    el('td', { class: 'strong' }, u.name),
    el('td', {}, roleName(u.role)),
    el('td', {}, u.department ? deptName(u.department) : '—'),
    el('td', {}, regionName(u.scope, t('全区', 'Whole district'))),
    el('td', {}, el('span', { class: u.disabled ? 'pill bad' : 'pill ok' }, u.disabled ? t('已停用', 'Disabled') : t('正常', 'Active'))),
    el('td', { class: 'num' }, String(u.sessions)),
    el('td', { class: 'nowrap' }, dateTime(u.created)),
    el('td', { class: 'row-actions' },
      b(t('角色/范围', 'Role/scope'), () => editUser(u, reload), { class: 'act-edit' }),
      b(t('重置密码', 'Password'), () => resetPassword(u, reload), { class: 'act-password' }),
      b(t('结束会话', 'End sessions'), () => endSessions(u, reload), { class: 'act-sessions', disabled: !u.sessions }),
      self ? null : b(u.disabled ? t('启用', 'Enable') : t('停用', 'Disable'), () => setDisabled(u, !u.disabled, reload),
        { class: u.disabled ? 'act-enable' : 'act-disable' })));
}

export default {
  id: 'users',
  label: ['用户', 'Users'],
  async render(box) {
    const list = el('div', { class: 'list' });
    const reload = async () => {
      try {
        const { users } = await api('/api/v1/users');
        list.replaceChildren(table('grid users', [t('用户名', 'Name'), t('角色', 'Role'), t('部门', 'Department'),
          t('管辖范围', 'Scope'), t('状态', 'State'), { label: t('会话', 'Sessions'), class: 'num' }, t('创建时间', 'Created'),
          t('操作', 'Actions')], users.map((u) => row(u, reload))),
        el('p', { class: 'note' }, t(`共 ${users.length} 个用户`, `${users.length} users`)));
      } catch (e) {
        list.replaceChildren(notice(e.message, true));
      }
    };
    box.append(el('div', { class: 'bar' },
      el('h2', {}, t('用户与权限', 'Users and access')),
      el('button', { type: 'button', class: 'primary', id: 'user-add', onclick: () => addUser(reload) }, t('添加用户', 'Add a user'))),
    list);
    await reload();
  },
};
