// matters.js (admin) - the matters tab (事项): every matter with its
// departments and time limits; edit one: its departments as chips from the
// department list, its acceptance and resolution limits, and its form's
// fields (label, type, required; choice options and the rest are kept as
// they are). The whole stored matter is read (GET /api/v1/matters/ID) and
// sent back, so nothing the screen does not show is lost.
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, words } from '../lib/i18n.js';
import { toast } from '../console-common.js';
import { ref, deptName, deptOptions, select, field, input, table, notice, chips, showError, clearErrors } from './common.js';

const KINDS = { complaint: ['投诉', 'Complaint'], application: ['申请', 'Application'], service: ['服务', 'Service'],
  inspection: ['检查', 'Inspection'] };
const FIELD_TYPES = { text: ['单行文字', 'Text'], textarea: ['多行文字', 'Long text'], choice: ['选项', 'Choice'],
  date: ['日期', 'Date'], phone: ['电话', 'Phone'], photo: ['照片', 'Photo'], location: ['位置', 'Location'] };
const kindWord = words(KINDS);
const kindName = (k) => kindWord(k) ?? k;
const pairs = (o) => Object.keys(o).map((k) => [k, words(o)(k)]);

function minutes(m) {
  if (!m) return t('不限', 'None');
  if (m % 1440 === 0) return t(`${m / 1440}天`, `${m / 1440} d`);
  if (m % 60 === 0) return t(`${m / 60}小时`, `${m / 60} h`);
  return t(`${m}分钟`, `${m} min`);
}

function num(v) {
  const s = String(v ?? '').trim();
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? n : s;
}

/** The editor of one matter m (the whole stored object). */
function editor(m, onSaved) {
  const root = el('div', { class: 'editor', id: 'matter-editor' });
  const general = el('p', { class: 'error', role: 'alert' });
  const depts = chips('departments', deptOptions(), m.departments || []);
  const accept = input('sla_accept_minutes', m.sla_accept_minutes, { inputmode: 'numeric' });
  const resolve = input('sla_resolve_minutes', m.sla_resolve_minutes, { inputmode: 'numeric' });
  const form = structuredClone(m.form || []);
  const rows = el('tbody');

  function drawForm() {
    rows.replaceChildren(...form.map((f, i) => {
      const zh = input(`form[${i}].label_zh`, f.label_zh);
      const en = input(`form[${i}].label_en`, f.label_en);
      const ty = select(`form[${i}].type`, pairs(FIELD_TYPES), f.type);
      const req = el('input', { type: 'checkbox', name: `form[${i}].required`, checked: !!f.required });
      zh.addEventListener('input', () => { f.label_zh = zh.value; });
      en.addEventListener('input', () => { f.label_en = en.value; });
      ty.addEventListener('change', () => { f.type = ty.value; });
      req.addEventListener('change', () => { f.required = req.checked; });
      const cell = (path, ctl) => el('td', { class: 'cell-fld', 'data-field': path }, ctl, el('small', { class: 'ferr', role: 'alert' }));
      return el('tr', {},
        cell(`form[${i}].label_zh`, zh), cell(`form[${i}].label_en`, en), cell(`form[${i}].type`, ty),
        el('td', { class: 'center' }, req),
        el('td', {}, f.type === 'choice' ? t(`${(f.options || []).length} 个选项`, `${(f.options || []).length} options`) : ''),
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => { form.splice(i, 1); drawForm(); } },
          t('删除', 'Remove'))));
    }));
  }
  let added = 0;
  const addField = () => {
    added++;
    form.push({ id: `field_${Date.now().toString(36)}_${added}`, type: 'text', label_zh: '', label_en: '', required: false });
    drawForm();
  };

  async function save() {
    general.textContent = '';
    const body = { ...m, departments: depts.values(), sla_accept_minutes: num(accept.value),
      sla_resolve_minutes: num(resolve.value) };
    if (form.length || m.form) body.form = form;
    try {
      await api(`/api/v1/matters/${encodeURIComponent(m.id)}`, { method: 'PUT', json: body });
      clearErrors(root);
      toast(t('事项已保存', 'Matter saved'));
      onSaved();
    } catch (e) {
      showError(root, e, general);
    }
  }

  drawForm();
  root.append(el('h3', {}, t(`编辑事项：${pick(m, 'name')}`, `Edit matter: ${pick(m, 'name')}`)),
    field('departments', t('承办部门（可多选，多个即联办）', 'Departments (several: a joint order)'), depts.node),
    el('div', { class: 'form-grid two' },
      field('sla_accept_minutes', t('受理时限（分钟，0为不限）', 'Accept within (minutes, 0: none)'), accept),
      field('sla_resolve_minutes', t('办结时限（分钟）', 'Resolve within (minutes)'), resolve)),
    el('h3', {}, t('表单字段', 'Form fields')),
    el('table', { class: 'grid formfields' }, el('thead', {}, el('tr', {},
      el('th', {}, t('中文标签', 'Label (Chinese)')), el('th', {}, t('英文标签', 'Label (English)')), el('th', {}, t('类型', 'Type')),
      el('th', { class: 'center' }, t('必填', 'Required')), el('th', {}, ''), el('th', {}, ''))), rows),
    el('button', { type: 'button', class: 'link', onclick: addField }, t('＋ 添加字段', '+ Add a field')),
    general,
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'primary', id: 'matter-save', onclick: save }, t('保存', 'Save')),
      el('button', { type: 'button', class: 'link', onclick: () => root.remove() }, t('关闭', 'Close'))));
  return root;
}

export default {
  id: 'matters',
  label: ['事项', 'Matters'],
  async render(box) {
    const list = el('div', { class: 'list' });
    const edit = el('div', { class: 'edit-slot' });
    const search = input('q', '', { type: 'search', placeholder: t('搜索事项名称或部门', 'Search names or departments'), id: 'matter-q' });
    let all = [];
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const shown = all.filter((m) => !q || [m.name_zh, m.name_en, ...(m.departments || []).map(deptName)]
        .some((s) => (s || '').toLowerCase().includes(q)));
      list.replaceChildren(table('grid matters', [t('名称', 'Name'), t('类型', 'Kind'), t('承办部门', 'Departments'),
        t('受理时限', 'Accept within'), t('办结时限', 'Resolve within'), t('操作', 'Actions')],
      shown.map((m) => el('tr', { 'data-matter': m.id },
        el('td', { class: 'strong', title: m.id }, pick(m, 'name')),
        el('td', {}, kindName(m.kind)),
        el('td', {}, ...(m.departments || []).map((d) => el('span', { class: 'chip small' }, deptName(d)))),
        el('td', { class: 'nowrap' }, minutes(m.sla_accept_minutes)),
        el('td', { class: 'nowrap' }, minutes(m.sla_resolve_minutes)),
        el('td', { class: 'row-actions' }, el('button', { type: 'button', class: 'act-edit', onclick: async () => {
          try {
            const full = (await api(`/api/v1/matters/${encodeURIComponent(m.id)}`)).matter;
            edit.replaceChildren(editor(full, reload));
            edit.scrollIntoView({ block: 'nearest' });
          } catch (e) { toast(e.message, true); }
        } }, t('编辑', 'Edit')))))),
      el('p', { class: 'note' }, t(`共 ${shown.length} 项`, `${shown.length} matters`)));
    };
    const reload = async () => {
      try {
        all = (await api('/api/v1/matters')).matters;
        ref.matters = all;
        draw();
      } catch (e) {
        list.replaceChildren(notice(e.message, true));
      }
    };
    search.addEventListener('input', draw);
    box.append(el('div', { class: 'bar' }, el('h2', {}, t('事项与时限', 'Matters and time limits')), search),
      el('div', { class: 'split' }, list, edit));
    await reload();
  },
};
