// webhooks.js (admin) - the webhooks tab (推送): URLs that receive every
// alert and work-order event, signed with a secret shown once; each with
// its delivery state (last success, last failure and why, failures in a
// row). Unscoped administrators only: the API refuses the others.
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { dateTime, ago } from '../lib/time.js';
import { toast } from '../console-common.js';
import { field, input, dialog, confirmAsk, table, notice, chips } from './common.js';

const EVENTS = [
  ['alert', ['全部告警事件', 'Every alert event']],
  ['alert.open', ['告警产生', 'Alert opened']],
  ['alert.clear', ['告警解除', 'Alert cleared']],
  ['order', ['全部工单事件', 'Every order event']],
];
const eventName = (e) => {
  const x = EVENTS.find(([k]) => k === e);
  return x ? t(x[1][0], x[1][1]) : e === '*' ? t('全部事件', 'Every event') : e;
};
const lastAt = (ms) => (ms ? el('span', { title: dateTime(ms) }, ago(ms)) : t('从未', 'Never'));

function secretPanel(box, secret) {
  box.replaceChildren(el('div', { class: 'token-once', role: 'alert' },
    el('h3', {}, t('推送签名密钥', 'Webhook signing secret')),
    el('p', { class: 'warn' }, t('此密钥只显示这一次：请交给接收方，用于校验 X-Zhizhi-Signature（HMAC-SHA256）。',
      'This secret is shown only once: give it to the receiver, which checks X-Zhizhi-Signature (HMAC-SHA256) with it.')),
    el('div', { class: 'copyrow' }, el('code', { id: 'webhook-secret' }, secret)),
    el('button', { type: 'button', class: 'link', onclick: () => box.replaceChildren() }, t('我已保存，关闭', 'Saved it, close'))));
}

async function add(secretBox, reload) {
  const pickEvents = chips('events', EVENTS.map(([k, l]) => [k, t(l[0], l[1])]), ['alert.open']);
  let made = null;
  const ok = await dialog(t('添加推送地址', 'Add a webhook'), [
    field('url', t('接收地址（URL）', 'Receiver URL'), input('url', '', { placeholder: 'https://example.org/zhizhi', autocomplete: 'off' })),
    field('events', t('推送事件', 'Events'), pickEvents.node),
  ], t('添加', 'Add'), async (form) => {
    const f = new FormData(form);
    made = await api('/api/v1/webhooks', { json: { url: f.get('url'), events: pickEvents.values() } });
  });
  if (ok && made) {
    secretPanel(secretBox, made.secret);
    await reload();
  }
}

async function remove(h, reload) {
  if (!await confirmAsk(t('删除推送地址？', 'Delete the webhook?'), h.url, t('删除', 'Delete'))) return;
  try {
    await api(`/api/v1/webhooks/${h.id}`, { method: 'DELETE' });
    await reload();
  } catch (e) { toast(e.message, true); }
}

export default {
  id: 'webhooks',
  label: ['推送', 'Webhooks'],
  async render(box) {
    const secretBox = el('div', { id: 'secret-box' });
    const list = el('div', { class: 'list' });
    const reload = async () => {
      try {
        const { webhooks } = await api('/api/v1/webhooks');
        list.replaceChildren(webhooks.length ? table('grid webhooks', [t('接收地址', 'URL'), t('事件', 'Events'),
          t('状态', 'Status'), t('最近成功', 'Last success'), t('最近失败', 'Last failure'),
          { label: t('连续失败', 'Failures'), class: 'num' }, { label: t('已发送', 'Sent'), class: 'num' }, t('操作', 'Actions')],
        webhooks.map((h) => el('tr', { 'data-webhook': String(h.id) },
          el('td', { class: 'strong' }, h.url),
          el('td', {}, h.events.map(eventName).join('、')),
          el('td', { class: h.status === 'failed' ? 'bad' : '' }, h.status === 'failed' ? t('失败', 'Failing') : t('正常', 'Active')),
          el('td', { class: 'nowrap' }, lastAt(h.last_success)),
          el('td', { class: 'nowrap', title: h.last_failure_reason || '' }, lastAt(h.last_failure),
            h.last_failure_reason ? el('small', { class: 'note' }, ' ', h.last_failure_reason) : null),
          el('td', { class: 'num' }, String(h.failures)),
          el('td', { class: 'num' }, String(h.times_sent)),
          el('td', { class: 'row-actions' }, el('button', { type: 'button', class: 'act-delete',
            onclick: () => remove(h, reload) }, t('删除', 'Delete'))))))
          : notice(t('尚无推送地址。', 'No webhooks yet.')));
      } catch (e) {
        list.replaceChildren(notice(e.message, true));
      }
    };
    box.append(el('div', { class: 'bar' }, el('h2', {}, t('事件推送（告警与工单）', 'Webhooks (alerts and work orders)')),
      el('button', { type: 'button', class: 'primary', id: 'webhook-add', onclick: () => add(secretBox, reload) },
        t('添加推送地址', 'Add a webhook'))), secretBox, list);
    await reload();
  },
};
