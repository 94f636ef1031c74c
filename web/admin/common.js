// common.js (admin) - what the admin screens' tabs share: the reference
// lists (departments, regions, metrics, entity types, matters) with their
// names, a form field that shows the server's message for the field it
// names, a dialog, a confirmation, and a table builder. Names, never ids:
// every id shown goes through one of the *Name functions.
import { $, el } from '../lib/dom.js';
import { api, ApiError } from '../lib/api.js';
import { t, pick } from '../lib/i18n.js';

export const ref = {
  me: null,
  departments: [],
  regions: [], // flattened tree: {id, name_zh, name_en, level, depth}
  metrics: [],
  types: [],
  matters: [],
};
const regionById = new Map();

function flatten(list, depth) {
  for (const r of list) {
    const x = { id: r.id, name_zh: r.name_zh, name_en: r.name_en, level: r.level, depth };
    ref.regions.push(x);
    regionById.set(r.id, x);
    flatten(r.children || [], depth + 1);
  }
}

/** Loads (or reloads) the lists every tab names things from. */
export async function loadRefs() {
  const [d, rg, m, ty, ma] = await Promise.all([api('/api/v1/departments'), api('/api/v1/regions'),
    api('/api/v1/metrics'), api('/api/v1/entity-types'), api('/api/v1/matters')]);
  ref.departments = d.departments;
  ref.regions = [];
  regionById.clear();
  flatten(rg.regions, 0);
  ref.metrics = m.metrics;
  ref.types = ty.entity_types;
  ref.matters = ma.matters;
}

export async function reloadDepartments() {
  ref.departments = (await api('/api/v1/departments')).departments;
}

const named = (list, id) => {
  const x = list.find((o) => o.id === id);
  return x ? pick(x, 'name') || id : id;
};
export const deptName = (id) => (id ? named(ref.departments, id) : '—');
export const metricName = (id) => (id ? named(ref.metrics, id) : '—');
export const typeName = (id) => (id ? named(ref.types, id) : '—');
export const matterName = (id) => (id ? named(ref.matters, id) : '—');
export function regionName(path, everywhere = t('全区', 'Whole district')) {
  if (!path) return everywhere;
  const r = regionById.get(path);
  return r ? pick(r, 'name') : path;
}

/** [value, label] pairs of the regions, indented by depth (U+3000 is kept in an option). */
export const regionOptions = () => ref.regions.map((r) => [r.id, '\u3000'.repeat(r.depth) + pick(r, 'name')]);
export const deptOptions = () => ref.departments.map((d) => [d.id, pick(d, 'name')]);

/** A <select> of [value, label] pairs; `none` adds a first option '' with that label. */
export function select(name, pairs, value, none) {
  const s = el('select', { name });
  if (none !== undefined) s.append(el('option', { value: '' }, none));
  for (const [v, label] of pairs) s.append(el('option', { value: v }, label));
  s.value = value ?? '';
  return s;
}

/**
 * A labelled field whose error line shows the server's message when the
 * server names `path` (data-field). control: an input, select or textarea.
 */
export function field(path, label, control, hint) {
  return el('label', { class: 'fld', 'data-field': path }, el('span', { class: 'flabel' }, label), control,
    hint ? el('small', { class: 'note' }, hint) : null, el('small', { class: 'ferr', role: 'alert' }));
}

export const input = (name, value = '', attrs = {}) => el('input', { name, value: value ?? '', ...attrs });

/** Clears the field errors in root. */
export function clearErrors(root) {
  for (const e of root.querySelectorAll('.ferr')) e.textContent = '';
  for (const e of root.querySelectorAll('.fld.bad')) e.classList.remove('bad');
}

/**
 * Shows error e in root: next to the field whose data-field is e.field (or
 * its nearest parent: "condition.value" falls back to "condition", then
 * to root's [data-field="*"]), else in `general`. Returns the element used.
 */
export function showError(root, e, general) {
  clearErrors(root);
  const msg = e instanceof ApiError && e.code ? e.message : e.message || String(e);
  let path = e.field || '';
  for (;;) {
    // a field hidden with its part of the form (the JSON view) does not count
    const f = path ? [...root.querySelectorAll(`[data-field="${CSS.escape(path)}"]`)].find((x) => !x.closest('[hidden]')) : null;
    if (f) {
      f.classList.add('bad');
      f.querySelector('.ferr').textContent = msg;
      f.scrollIntoView({ block: 'nearest' });
      return f;
    }
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) break;
    path = path.slice(0, cut);
  }
  const any = [...root.querySelectorAll('[data-field="*"]')].find((x) => !x.closest('[hidden]'));
  if (any) {
    any.classList.add('bad');
    any.querySelector('.ferr').textContent = e.field ? `${e.field}: ${msg}` : msg;
    return any;
  }
  if (general) general.textContent = msg;
  return general;
}

/**
 * Opens the page's dialog: title, body nodes, the OK button's label, and
 * submit(form) -> Promise (a rejection shows next to its field, and the
 * dialog stays). Resolves true once submit succeeded, false when cancelled.
 */
export function dialog(title, body, okLabel, submit) {
  const d = $('dlg');
  $('dlg-title').textContent = title;
  $('dlg-body').replaceChildren(...body);
  $('dlg-error').textContent = '';
  $('dlg-ok').textContent = okLabel;
  $('dlg-cancel').textContent = t('取消', 'Cancel');
  return new Promise((resolve) => {
    const form = $('dlg-form');
    const done = (v) => {
      form.onsubmit = null;
      $('dlg-cancel').onclick = null;
      d.onclose = null;
      if (d.open) d.close();
      resolve(v);
    };
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      $('dlg-ok').disabled = true;
      try {
        await submit(form);
        done(true);
      } catch (e) {
        showError($('dlg-body'), e, $('dlg-error'));
      } finally {
        $('dlg-ok').disabled = false;
      }
    };
    $('dlg-cancel').onclick = () => done(false);
    d.onclose = () => done(false);
    d.showModal();
  });
}

/** A yes/no question in the dialog; resolves true for yes. */
export const confirmAsk = (title, text, okLabel) =>
  dialog(title, [el('p', {}, text)], okLabel, async () => {});

/** A table: heads [label or {label, class}], rows of cells (nodes or text). */
export function table(cls, heads, rows) {
  return el('table', { class: cls },
    el('thead', {}, el('tr', {}, ...heads.map((h) => (typeof h === 'string'
      ? el('th', {}, h) : el('th', { class: h.class }, h.label))))),
    el('tbody', {}, ...rows));
}

/** Chips to pick several of pairs [value, label]: returns {node, values()}. */
export function chips(name, pairs, chosen) {
  const on = new Set(chosen);
  const node = el('div', { class: 'chips', role: 'group', 'data-name': name });
  for (const [v, label] of pairs) {
    const b = el('button', { type: 'button', class: on.has(v) ? 'chip on' : 'chip', 'aria-pressed': String(on.has(v)),
      'data-value': v }, label);
    b.addEventListener('click', () => {
      if (on.has(v)) on.delete(v); else on.add(v);
      b.classList.toggle('on', on.has(v));
      b.setAttribute('aria-pressed', String(on.has(v)));
    });
    node.append(b);
  }
  return { node, values: () => pairs.map(([v]) => v).filter((v) => on.has(v)) };
}

/** A note for an empty list or a failed load (the server's sentence). */
export const notice = (text, bad = false) => el('p', { class: bad ? 'error' : 'note' }, text);
