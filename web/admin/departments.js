// departments.js (admin) - the departments tab: every department with the
// users and matters that name it; add one, or rename one (its id stays: it
// is what users, matters and orders refer to).
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick } from '../lib/i18n.js';
import { toast } from '../console-common.js';
import { ref, reloadDepartments, field, input, dialog, table, notice } from './common.js';

async function edit(d, reload) {
  const ok = await dialog(d ? t(`修改部门「${pick(d, 'name')}」`, `Rename "${pick(d, 'name')}"`) : t('添加部门', 'Add a department'), [
    d ? null : field('id', t('编号（英文）', 'Id'), input('id', '', { placeholder: 'data_bureau', autocomplete: 'off' }),
      t('小写字母、数字、下划线；创建后不可更改', 'Lowercase letters, digits, _; fixed once made')),
    field('name_zh', t('中文名称', 'Name (Chinese)'), input('name_zh', d?.name_zh)),
    field('name_en', t('英文名称', 'Name (English)'), input('name_en', d?.name_en)),
  ].filter(Boolean), d ? t('保存', 'Save') : t('添加', 'Add'), async (form) => {
    const f = new FormData(form);
    const id = d ? d.id : f.get('id');
    await api(`/api/v1/departments/${encodeURIComponent(id)}`, { method: 'PUT',
      json: { name_zh: f.get('name_zh'), name_en: f.get('name_en') } });
  });
  if (ok) { toast(t('已保存', 'Saved')); await reload(); }
}

export default {
  id: 'departments',
  label: ['部门', 'Departments'],
  async render(box) {
    const list = el('div', { class: 'list' });
    const reload = async () => {
      try {
        await reloadDepartments();
        const users = await api('/api/v1/users').then((r) => r.users).catch(() => null);
        list.replaceChildren(table('grid departments', [t('中文名称', 'Chinese name'), t('英文名称', 'English name'),
          { label: t('人员', 'Officers'), class: 'num' }, { label: t('承办事项', 'Matters'), class: 'num' }, t('操作', 'Actions')],
        ref.departments.map((d) => el('tr', { 'data-dept': d.id },
          el('td', { class: 'strong', title: d.id }, d.name_zh),
          el('td', {}, d.name_en),
          el('td', { class: 'num' }, users ? String(users.filter((u) => u.department === d.id).length) : '—'),
          el('td', { class: 'num' }, String(ref.matters.filter((m) => (m.departments || []).includes(d.id)).length)),
          el('td', { class: 'row-actions' }, el('button', { type: 'button', class: 'act-edit', onclick: () => edit(d, reload) },
            t('改名', 'Rename')))))));
      } catch (e) {
        list.replaceChildren(notice(e.message, true));
      }
    };
    box.append(el('div', { class: 'bar' }, el('h2', {}, t('部门', 'Departments')),
      el('button', { type: 'button', class: 'primary', id: 'dept-add', onclick: () => edit(null, reload) }, t('添加部门', 'Add a department'))),
    list);
    await reload();
  },
};
