// console-common.js - what the dispatch, department and code consoles share:
// sign-in, the order states' and actions' labels, live updates (the event
// stream when the server offers it, else polling) and toasts. The page tools
// (elements, API, language, times) are imported from lib/ where they are used.
import { $ } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, words } from './lib/i18n.js';

export const STATES = {
  reported: ['待派单', 'Reported'], dispatched: ['已派单', 'Dispatched'], accepted: ['已签收', 'Accepted'],
  in_progress: ['处置中', 'In progress'], resolved: ['已办结', 'Resolved'], verified: ['已核查', 'Verified'],
  closed: ['已归档', 'Closed'], returned: ['已退单', 'Returned'], reopened: ['重新打开', 'Reopened'],
  merged: ['已合并', 'Merged'],
};
export const ACTIONS = {
  create: ['上报', 'Reported'], dispatch: ['派单', 'Dispatch'], accept: ['签收', 'Accept'], start: ['开始处置', 'Start'],
  resolve: ['办结', 'Resolve'], verify: ['核查', 'Verify'], close: ['归档', 'Close'], return: ['退单', 'Return'],
  reopen: ['重新打开', 'Reopen'], supervise: ['督办', 'Supervise'], escalate: ['升级', 'Escalate'],
  merge: ['合并', 'Merge'], rate: ['回访评价', 'Rating'], evidence: ['上传照片', 'Photo'], outcome: ['办理结果', 'Outcome'],
  overdue: ['超期', 'Overdue'],
};
// Where an order came from (its channel).
export const CHANNELS = {
  staff: ['工作人员录入', 'Entered by staff'], alert: ['预警生成', 'From an alert'], api: ['系统接口', 'System interface'],
  hotline: ['热线', 'Hotline'], open311: ['Open311 接口', 'Open311'], customer_code: ['顾客码', 'Customer code'],
  enterprise_code: ['企业码', 'Enterprise code'], online: ['网上办', 'Online'], bank_counter: ['银行网点', 'Bank counter'],
};
const w = words({ state: STATES, action: ACTIONS, channel: CHANNELS });
export const stateName = (s) => w('state', s) || s;
export const channelName = (c) => w('channel', c || 'staff') || c;
export const actionName = (a) => w('action', a) || a;

/** Shows the sign-in form until a session of one of roles exists; resolves
 * with the user. A signed-in user of another role sees `denied(me)` (a
 * sentence in the current language) above the form, or a generic one. The
 * public /api/v1/session is asked, so a page without a session logs no 401. */
export async function signIn(roles, denied) {
  for (;;) {
    const me = (await api('/api/v1/session')).user;
    if (me && roles && !roles.includes(me.role)) {
      $('login-error').textContent = denied ? denied(me)
        : t(`此页面供${roles.join('、')}使用，当前角色：${me.role}`, `This page is for ${roles.join(', ')}; you are ${me.role}`);
    } else if (me) {
      $('login').hidden = true;
      return me;
    }
    $('login').hidden = false;
    await new Promise((resolve) => {
      $('login').onsubmit = async (ev) => {
        ev.preventDefault();
        const f = new FormData($('login'));
        try {
          await api('/api/v1/login', { json: { name: f.get('name'), password: f.get('password') } });
          $('login-error').textContent = '';
          resolve();
        } catch (e) {
          $('login-error').textContent = e.message;
        }
      };
    });
  }
}

/** Calls refresh when alerts or orders change: over the event stream when
 * the server has one, else every `every` ms. */
export function live(refresh, every = 15000) {
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  };
  let polling = null;
  const poll = () => { if (!polling) polling = setInterval(refresh, every); };
  if (!window.EventSource) return poll();
  const es = new EventSource('/api/v1/stream?topics=alert,order');
  es.addEventListener('alert', soon);
  es.addEventListener('order', soon);
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) poll();
  };
  // a stream that never opens (no such route yet) falls back to polling
  setTimeout(() => { if (es.readyState !== EventSource.OPEN) { es.close(); poll(); } }, 5000);
}

export function toast(msg, bad = false) {
  const box = $('toast');
  if (!box) return;
  box.textContent = msg;
  box.className = bad ? 'toast bad' : 'toast';
  box.hidden = false;
  clearTimeout(box._t);
  box._t = setTimeout(() => { box.hidden = true; }, 4000);
}
