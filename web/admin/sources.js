// sources.js (admin) - the data sources tab: every platform that sends
// records, with its department, metrics, records stored and last report;
// add one, and rotate its token. A token is shown once, with a copy button
// and a warning: the server keeps only its hash.
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, words } from '../lib/i18n.js';
import { dateTime, ago } from '../lib/time.js';
import { toast } from '../console-common.js';
import { ref, deptName, metricName, deptOptions, select, field, input, dialog, confirmAsk, table, notice, chips }
  from './common.js';

const KINDS = { iot: ['物联感知', 'IoT sensors'], platform: ['业务平台', 'Business platform'],
  gov: ['政务共享', 'Government data'] };
// record counts with thousands separators (a number, not a date)
const COUNT = new Intl.NumberFormat('zh-CN');
const kindName = (k) => words(KINDS)(k) ?? (k || '—');

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard permission (plain http): select the text so Ctrl+C takes it
    const r = document.createRange();
    r.selectNodeContents(button.previousSibling);
    getSelection().removeAllRanges();
    getSelection().addRange(r);
    document.execCommand('copy');
  }
  button.textContent = t('已复制', 'Copied');
}

/** The panel that shows a fresh token once. */
function tokenPanel(box, source, token) {
  const code = el('code', { id: 'token-value' }, token);
  const btn = el('button', { type: 'button', id: 'token-copy' }, t('复制', 'Copy'));
  btn.addEventListener('click', () => copy(token, btn));
  box.replaceChildren(el('div', { class: 'token-once', role: 'alert' },
    el('h3', {}, t(`「${source}」的新令牌`, `New token of "${source}"`)),
    el('p', { class: 'warn' }, t('此令牌只显示这一次：请立即复制并交给数据源平台。服务器只保存其摘要，关闭后无法再次查看；旧令牌已失效。',
      'This token is shown only once: copy it now and give it to the source platform. The server keeps only its hash and cannot show it again; the old token no longer works.')),
    el('div', { class: 'copyrow' }, code, btn),
    el('button', { type: 'button', class: 'link', onclick: () => box.replaceChildren() }, t('我已保存，关闭', 'Saved it, close'))));
  box.scrollIntoView({ block: 'nearest' });
}

async function rotate(s, tokenBox, reload) {
  const name = pick(s, 'name') || s.id;
  if (!await confirmAsk(t('轮换令牌？', 'Rotate the token?'),
    t(`将为「${name}」签发新令牌，旧令牌立即失效；数据源平台需换用新令牌才能继续上报。`,
      `A new token is issued for "${name}" and the old one stops working at once; the platform must switch to the new one.`),
    t('轮换令牌', 'Rotate token'))) return;
  try {
    const r = await api(`/api/v1/sources/${encodeURIComponent(s.id)}/token`, { method: 'POST' });
    tokenPanel(tokenBox, name, r.token);
    await reload();
  } catch (e) { toast(e.message, true); }
}

async function addSource(tokenBox, reload) {
  const pickMetrics = chips('metrics', ref.metrics.map((m) => [m.id, pick(m, 'name')]), []);
  let made = null;
  const ok = await dialog(t('添加数据源', 'Add a data source'), [
    field('id', t('编号（英文）', 'Id'), input('id', '', { placeholder: 'smart_bins', autocomplete: 'off' }),
      t('小写字母、数字、下划线', 'Lowercase letters, digits, _')),
    field('name_zh', t('中文名称', 'Name (Chinese)'), input('name_zh')),
    field('name_en', t('英文名称', 'Name (English)'), input('name_en')),
    field('department', t('主管部门', 'Department'), select('department', deptOptions(), '', t('（无）', '(none)'))),
    field('kind', t('类型', 'Kind'), select('kind', Object.keys(KINDS).map((k) => [k, kindName(k)]), 'iot')),
    field('metrics', t('上报指标', 'Metrics'), pickMetrics.node),
  ], t('添加并签发令牌', 'Add and issue a token'), async (form) => {
    const f = new FormData(form);
    made = await api('/api/v1/sources', { json: { id: f.get('id'), name_zh: f.get('name_zh'), name_en: f.get('name_en'),
      department: f.get('department') || undefined, kind: f.get('kind'), metrics: pickMetrics.values() } });
  });
  if (ok && made) {
    tokenPanel(tokenBox, pick(made.source, 'name') || made.source.id, made.token);
    await reload();
  }
}

// Records stored and used: the used count with its share; the metrics
// nobody reads on hover.
function usedCell(u) {
  if (!u) return el('td', { class: 'num used', 'data-value': '0' }, '0');
  const unread = u.metrics.filter((m) => !m.used).map((m) => metricName(m.metric));
  const share = u.records ? ` (${(u.used / u.records * 100).toFixed(0)}%)` : '';
  return el('td', { class: 'num used', 'data-value': String(u.used),
    title: unread.length ? t(`未被面板或规则读取：${unread.join('、')}`, `Read by no panel or rule: ${unread.join(', ')}`) : '' },
  COUNT.format(u.used) + share);
}

export default {
  id: 'sources',
  label: ['数据源', 'Sources'],
  async render(box) {
    const tokenBox = el('div', { id: 'token-box' });
    const list = el('div', { class: 'list' });
    const reload = async () => {
      try {
        // records used (of metrics a cockpit panel or a rule reads), by source
        const [{ sources }, usage] = await Promise.all([api('/api/v1/sources'), api('/api/v1/sources/usage')]);
        const usedOf = new Map(usage.sources.filter((u) => u.id).map((u) => [u.id, u]));
        list.replaceChildren(table('grid sources', [t('名称', 'Name'), t('主管部门', 'Department'), t('类型', 'Kind'),
          t('指标', 'Metrics'), { label: t('记录数', 'Records'), class: 'num' },
          { label: t('已使用', 'Used'), class: 'num' },
          { label: t('拒收', 'Refused'), class: 'num' }, t('最后上报', 'Last seen'), t('操作', 'Actions')],
        sources.map((s) => el('tr', { 'data-source': s.id },
          el('td', { class: 'strong', title: s.id }, pick(s, 'name') || s.id),
          el('td', {}, deptName(s.department)),
          el('td', {}, kindName(s.kind)),
          el('td', { class: 'metrics' }, (s.metrics || []).map(metricName).join('、') || '—'),
          el('td', { class: 'num' }, COUNT.format(s.records || 0)),
          usedCell(usedOf.get(s.id)),
          // refused records (MQTT devices get no answer): the last error on hover
          el('td', { class: 'num rejected', title: s.last_error ? `${dateTime(s.last_error_at)} ${s.last_error}` : '' },
            COUNT.format(s.rejected || 0)),
          el('td', { class: 'nowrap', title: dateTime(s.last_seen) }, s.last_seen ? ago(s.last_seen) : t('从未', 'Never')),
          el('td', { class: 'row-actions' }, el('button', { type: 'button', class: 'act-rotate',
            onclick: () => rotate(s, tokenBox, reload) }, t('轮换令牌', 'Rotate token')))))));
      } catch (e) {
        list.replaceChildren(notice(e.message, true));
      }
    };
    box.append(el('div', { class: 'bar' }, el('h2', {}, t('数据源与接入令牌', 'Data sources and tokens')),
      el('button', { type: 'button', class: 'primary', id: 'source-add', onclick: () => addSource(tokenBox, reload) },
        t('添加数据源', 'Add a source'))), tokenBox, list);
    await reload();
  },
};
