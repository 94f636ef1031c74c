// rules.js (admin) - the rules tab: every early-warning rule with what it
// watches, where, how severe and whether it is on; switch one on or off;
// edit one (or a new one) as a form or as its JSON, the server's message
// shown next to the field it names; and preview it: what it would have
// raised over the last 24 hours (POST /api/v1/rules/preview, read-only).
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, words } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { toast } from '../console-common.js';
import { ref, metricName, regionName, matterName, regionOptions, select, field, input, table, notice, showError,
  clearErrors } from './common.js';

const KINDS = { threshold: ['阈值', 'Threshold'], rate: ['变化率', 'Rate of change'], count: ['计数', 'Count in window'],
  absence: ['离线/无数据', 'Absence (offline)'] };
const SEVERITIES = { info: ['提示', 'Info'], warning: ['一般', 'Warning'], major: ['重要', 'Major'], critical: ['紧急', 'Critical'] };
const OPS = { threshold: { above: ['高于', 'Above'], below: ['低于', 'Below'] },
  rate: { up: ['上升', 'Up'], down: ['下降', 'Down'], any: ['升或降', 'Either way'] } };
const BY = { sum: ['累计数值', 'Sum of values'], records: ['记录条数', 'Number of records'] };
// the condition's members each kind uses, in the form's order
const COND = { threshold: ['op', 'value', 'for_minutes'], rate: ['op', 'percent', 'window_minutes'],
  count: ['count', 'by', 'window_minutes'], absence: ['for_minutes'] };
const COND_LABEL = { op: ['方向', 'Direction'], value: ['阈值', 'Limit'], percent: ['变化幅度（%）', 'Change (%)'],
  count: ['次数', 'Count'], by: ['计数方式', 'Counting'], for_minutes: ['持续（分钟）', 'For (minutes)'],
  window_minutes: ['时间窗（分钟）', 'Window (minutes)'] };
const pairs = (o) => Object.keys(o).map((k) => [k, words(o)(k)]);
const kindName = (k) => words(KINDS)(k) ?? k;
const sevName = (s) => words(SEVERITIES)(s) ?? s;
const ADMIN_MEMBERS = ['active', 'origin', 'updated'];

// A number typed in the form: a number when it reads as one, else the text
// as typed (so the server says what is wrong with it, next to the field).
function num(v) {
  const s = String(v ?? '').trim();
  if (s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

function cleanDef(rule) {
  const d = structuredClone(rule);
  for (const k of ADMIN_MEMBERS) delete d[k];
  return d;
}

/** The editor of one rule (rule null: a new one). */
function editor(rule, onSaved) {
  const isNew = !rule;
  let def = rule ? cleanDef(rule) : { id: '', name_zh: '', name_en: '', kind: 'threshold', metric: ref.metrics[0]?.id,
    severity: 'warning', condition: { op: 'above', value: 0, for_minutes: 0 } };
  let jsonMode = false;
  const root = el('div', { class: 'editor', id: 'rule-editor' });
  const general = el('p', { class: 'error', role: 'alert' });
  const result = el('div', { class: 'preview', id: 'rule-preview' });

  // the form's controls, by path
  const c = {};
  const formBox = el('div', { class: 'form-grid' });
  const jsonArea = el('textarea', { name: 'json', rows: 18, spellcheck: 'false', class: 'json' });
  const jsonBox = field('*', t('规则定义（JSON）', 'Definition (JSON)'), jsonArea,
    t('与规则包 rules.json 的格式相同（见 docs/packs.md）', 'The format of a pack\'s rules.json (docs/packs.md)'));

  function buildForm() {
    const k = def.kind;
    const cond = def.condition || {};
    c.id = input('id', def.id, { autocomplete: 'off', placeholder: 'xtd_parking_low' });
    c.name_zh = input('name_zh', def.name_zh);
    c.name_en = input('name_en', def.name_en);
    c.kind = select('kind', pairs(KINDS), k);
    c.metric = select('metric', ref.metrics.map((m) => [m.id, `${pick(m, 'name')}${m.unit ? ` (${m.unit})` : ''}`]), def.metric || '');
    c.region = select('region', regionOptions(), def.region || '', t('全区', 'Whole district'));
    c.severity = select('severity', pairs(SEVERITIES), def.severity);
    c.cond = {};
    const condFields = COND[k].map((m) => {
      let ctl;
      if (m === 'op') ctl = select('condition.op', pairs(OPS[k]), cond.op || Object.keys(OPS[k])[0]);
      else if (m === 'by') ctl = select('condition.by', pairs(BY), cond.by || 'sum');
      else ctl = input(`condition.${m}`, cond[m] ?? '', { inputmode: 'decimal' });
      c.cond[m] = ctl;
      return field(`condition.${m}`, words(COND_LABEL)(m), ctl);
    });
    c.hysteresis = input('hysteresis', def.hysteresis ?? '', { inputmode: 'decimal' });
    c.cooldown = input('cooldown_minutes', def.cooldown_minutes ?? '', { inputmode: 'decimal' });
    c.message_zh = input('message_zh', def.message_zh ?? '', { placeholder: '{entity}（{region}）{metric}{value}{unit}' });
    c.message_en = input('message_en', def.message_en ?? '', { placeholder: '{metric} at {entity}: {value}{unit}' });
    c.matter = select('auto_order.matter', ref.matters.map((m) => [m.id, pick(m, 'name')]), def.auto_order?.matter || '',
      t('（不自动派单）', '(no automatic order)'));
    c.kind.addEventListener('change', () => {
      def = fromForm();
      def.kind = c.kind.value;
      def.condition = {};
      buildForm();
    });
    c.metric.addEventListener('change', () => { delete def.entity_type; });
    formBox.replaceChildren(...[
      isNew ? field('id', t('规则编号（英文）', 'Rule id'), c.id, t('小写字母、数字、下划线', 'Lowercase letters, digits, _')) : null,
      field('name_zh', t('中文名称', 'Name (Chinese)'), c.name_zh),
      field('name_en', t('英文名称', 'Name (English)'), c.name_en),
      field('kind', t('类型', 'Kind'), c.kind),
      def.event ? field('event', t('事件类型', 'Event kind'), el('b', {}, t(def.event_name_zh || def.event, def.event_name_en || def.event_name_zh || def.event))) : field('metric', t('指标', 'Metric'), c.metric),
      field('region', t('区域', 'Region'), c.region),
      field('severity', t('级别', 'Severity'), c.severity),
      ...condFields,
      field('hysteresis', t('回差', 'Hysteresis'), c.hysteresis, t('恢复时需回到阈值以内的幅度', 'How far back before it clears')),
      field('cooldown_minutes', t('冷却（分钟）', 'Cooldown (minutes)'), c.cooldown),
      field('auto_order.matter', t('自动派单事项', 'Automatic work order'), c.matter),
      field('message_zh', t('预警文字（中文）', 'Alert sentence (Chinese)'), c.message_zh,
        t('留空用默认；可用 {entity} {region} {metric} {value} {limit} {unit} {window} {op} {rule}', 'Empty: the default; placeholders {entity} {region} {metric} {value} {limit} {unit} {window} {op} {rule}')),
      field('message_en', t('预警文字（英文）', 'Alert sentence (English)'), c.message_en)].filter(Boolean));
  }

  // The definition as the form says it, over the original (members the
  // form does not show, like hours, are kept).
  function fromForm() {
    const d = structuredClone(def);
    if (isNew) d.id = c.id.value.trim();
    d.name_zh = c.name_zh.value;
    d.name_en = c.name_en.value;
    d.kind = c.kind.value;
    if (!d.event) d.metric = c.metric.value;
    if (c.region.value) d.region = c.region.value; else delete d.region;
    d.severity = c.severity.value;
    d.condition = {};
    for (const [m, ctl] of Object.entries(c.cond)) {
      const v = m === 'op' || m === 'by' ? ctl.value : num(ctl.value);
      if (v !== undefined) d.condition[m] = v;
    }
    for (const [k, ctl] of [['hysteresis', c.hysteresis], ['cooldown_minutes', c.cooldown]]) {
      const v = num(ctl.value);
      if (v === undefined) delete d[k]; else d[k] = v;
    }
    if (c.matter.value) d.auto_order = { matter: c.matter.value }; else delete d.auto_order;
    for (const k of ['message_zh', 'message_en']) {
      const v = c[k].value.trim();
      if (v) d[k] = v; else delete d[k];
    }
    return d;
  }

  // The definition to send: the form's, or the JSON text's (a JSON syntax
  // error is shown at the text and nothing is sent).
  function current() {
    if (!jsonMode) return fromForm();
    try {
      return JSON.parse(jsonArea.value);
    } catch (e) {
      const err = new Error(t(`JSON 格式错误：${e.message}`, `Not valid JSON: ${e.message}`));
      err.field = '*';
      throw err;
    }
  }

  const modeBtn = el('button', { type: 'button', class: 'link', id: 'rule-json' });
  function setMode(json) {
    if (json) jsonArea.value = JSON.stringify(fromForm(), null, 2);
    else {
      def = current();
      buildForm();
    }
    jsonMode = json;
    formBox.hidden = json;
    jsonBox.hidden = !json;
    modeBtn.textContent = json ? t('以表单编辑', 'Edit as a form') : t('以 JSON 编辑', 'Edit as JSON');
    clearErrors(root);
  }
  modeBtn.addEventListener('click', () => {
    try { setMode(!jsonMode); } catch (e) { showError(root, e, general); }
  });

  async function save() {
    general.textContent = '';
    try {
      const d = current();
      const saved = isNew ? await api('/api/v1/rules', { json: d })
        : await api(`/api/v1/rules/${encodeURIComponent(rule.id)}`, { method: 'PUT', json: d });
      clearErrors(root);
      toast(t('规则已保存，立即生效', 'Rule saved; it applies now'));
      onSaved(saved.rule);
    } catch (e) {
      showError(root, e, general);
    }
  }

  async function preview() {
    general.textContent = '';
    result.replaceChildren(el('p', { class: 'note' }, t('正在用过去24小时的数据试运行…', 'Running over the last 24 hours…')));
    try {
      const d = current();
      const p = (await api('/api/v1/rules/preview', { json: d })).preview;
      clearErrors(root);
      result.replaceChildren(...[
        el('h3', {}, t('试运行：过去24小时', 'Preview: the last 24 hours')),
        el('p', { class: 'summary', id: 'preview-summary' }, t(
          `将触发 ${p.alerts} 次预警（评估 ${p.entities} 个对象，其中 ${p.entities_with_data} 个有数据，共 ${p.records} 条记录）。不会产生真实预警。`,
          `It would have raised ${p.alerts} alert(s) (${p.entities} objects evaluated, ${p.entities_with_data} with data, ${p.records} records). No real alert is raised.`)),
        p.truncated ? el('p', { class: 'note' }, t('结果过多，仅列出部分。', 'Too many: only some are listed.')) : null,
        p.hits.length ? table('grid hits', [t('对象', 'Object'), t('触发时间', 'Raised'), t('解除时间', 'Cleared'),
          { label: t('触发值', 'Value'), class: 'num' }], p.hits.map((h) => el('tr', {},
          el('td', { title: h.entity }, pick(h, 'name') || h.entity), el('td', { class: 'nowrap' }, dateTime(h.opened)),
          el('td', { class: 'nowrap' }, h.cleared ? dateTime(h.cleared) : t('至今未解除', 'Still open')),
          el('td', { class: 'num' }, String(Math.round(h.value * 100) / 100))))) : null].filter(Boolean));
    } catch (e) {
      result.replaceChildren();
      showError(root, e, general);
    }
  }

  buildForm();
  jsonBox.hidden = true;
  modeBtn.textContent = t('以 JSON 编辑', 'Edit as JSON');
  root.append(
    el('div', { class: 'bar' }, el('h3', {}, isNew ? t('新建规则', 'New rule') : t(`编辑：${pick(rule, 'name')}`, `Edit: ${pick(rule, 'name')}`)),
      modeBtn),
    formBox, jsonBox, general,
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'primary', id: 'rule-save', onclick: save }, t('保存', 'Save')),
      el('button', { type: 'button', id: 'rule-preview-go', onclick: preview }, t('试运行（过去24小时）', 'Preview (last 24 h)')),
      el('button', { type: 'button', class: 'link', onclick: () => root.remove() }, t('关闭', 'Close'))),
    result);
  return root;
}

export default {
  id: 'rules',
  label: ['预警规则', 'Rules'],
  async render(box) {
    const list = el('div', { class: 'list' });
    const edit = el('div', { class: 'edit-slot' });
    let selected = null;
    const open = (rule) => {
      selected = rule ? rule.id : null;
      edit.replaceChildren(editor(rule, async (saved) => { selected = saved.id; await reload(); }));
      for (const r of list.querySelectorAll('tr[data-rule]')) r.classList.toggle('sel', r.dataset.rule === selected);
      edit.scrollIntoView({ block: 'nearest' });
    };
    const toggle = async (r) => {
      try {
        await api(`/api/v1/rules/${encodeURIComponent(r.id)}/${r.active ? 'disable' : 'enable'}`, { method: 'POST' });
        toast(r.active ? t('已停用', 'Disabled') : t('已启用', 'Enabled'));
        await reload();
      } catch (e) { toast(e.message, true); }
    };
    const reload = async () => {
      try {
        const { rules } = await api('/api/v1/rules');
        list.replaceChildren(table('grid rules', [t('名称', 'Name'), t('类型', 'Kind'), t('监测', 'Watches'), t('区域', 'Region'),
          t('级别', 'Severity'), t('自动派单', 'Auto order'), t('状态', 'State'), t('更新', 'Updated'), t('操作', 'Actions')],
        rules.map((r) => el('tr', { 'data-rule': r.id, class: r.id === selected ? 'sel' : null },
          el('td', { class: 'strong', title: r.id }, pick(r, 'name')),
          el('td', {}, kindName(r.kind)),
          el('td', {}, r.event ? t(`事件：${r.event_name_zh || r.event}`, `Event: ${r.event_name_en || r.event_name_zh || r.event}`) : metricName(r.metric)),
          el('td', {}, regionName(r.region)),
          el('td', {}, el('span', { class: `sev sev-${r.severity}` }, sevName(r.severity))),
          el('td', {}, r.auto_order ? matterName(r.auto_order.matter) : '—'),
          el('td', {}, el('span', { class: r.active ? 'pill ok' : 'pill bad' }, r.active ? t('启用', 'On') : t('停用', 'Off'))),
          el('td', { class: 'nowrap' }, dateTime(r.updated)),
          el('td', { class: 'row-actions' },
            el('button', { type: 'button', class: 'act-edit', onclick: () => open(r) }, t('编辑', 'Edit')),
            el('button', { type: 'button', class: r.active ? 'act-disable' : 'act-enable', onclick: () => toggle(r) },
              r.active ? t('停用', 'Disable') : t('启用', 'Enable')))))));
      } catch (e) {
        list.replaceChildren(notice(e.message, true));
      }
    };
    box.append(el('div', { class: 'bar' }, el('h2', {}, t('预警规则', 'Early-warning rules')),
      el('button', { type: 'button', class: 'primary', id: 'rule-new', onclick: () => open(null) }, t('新建规则', 'New rule'))),
    el('div', { class: 'split' }, list, edit));
    await reload();
  },
};
