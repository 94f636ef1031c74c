// ledger-item.js - what the leader's view (/ledger) and a unit's page
// (/supervised) share about rectification items: one item opened in a
// dialog on a tap (the problem as written, the inspector's note, the unit,
// when it was found, the owner, the deadline and how far it is, the state
// and the work order), and the labels that let a table stack into cards on
// a phone (ledger.css reads them as td[data-label]).
import { el } from './lib/dom.js';
import { t, pick, words } from './lib/i18n.js';
import { day, DAY, localMidnight } from './lib/time.js';

const w = words({ status: { open: ['整改中', 'Open'], overdue: ['已超期', 'Overdue'], closed_on_time: ['按期销号', 'Closed on time'],
  closed_late: ['逾期销号', 'Closed late'] } });

/** The status's name in the page's language. */
export const statusName = (s) => w('status', s) || s;

/** Gives every body cell of `table` its column's header as data-label (the
 * header's text as shown now, so call it after the page relabelled). */
export function labelCells(table) {
  const heads = [...table.tHead.rows[0].cells].map((th) => th.textContent.trim());
  for (const row of table.tBodies[0].rows) {
    if (row.cells.length !== heads.length) continue; // an empty-list line
    [...row.cells].forEach((td, i) => td.setAttribute('data-label', heads[i]));
  }
}

// Whole days from today (Asia/Shanghai) to the deadline's day: < 0 once past.
const daysLeft = (deadline) => Math.round((localMidnight(Date.parse(deadline)) - localMidnight(Date.now())) / DAY);

let dlg = null;

/**
 * Opens item x (one of GET /api/v1/rectifications) in the page's dialog.
 * opts: unitName(x), deptName(id), checklistName(id), unitHref (a link to
 * the unit's page, or null when the page is the unit's own), orderHref(id)
 * (a link to the work order, or null for a number only).
 */
export function openItem(x, opts) {
  if (!dlg) {
    dlg = el('dialog', { id: 'item-dlg', class: 'item-dlg', 'aria-labelledby': 'item-title' });
    dlg.addEventListener('click', (ev) => { if (ev.target === dlg) dlg.close(); }); // a tap outside closes it
    document.body.append(dlg);
  }
  const open = x.status === 'open' || x.status === 'overdue';
  const left = daysLeft(x.deadline);
  const due = !open ? '' : left < 0 ? t(`已超期 ${-left} 天`, `${-left} day(s) overdue`)
    : left === 0 ? t('今天到期', 'due today') : t(`还剩 ${left} 天`, `${left} day(s) left`);
  const text = pick(x, 'text') || x.item;
  const row = (zh, en, ...v) => [el('dt', { text: t(zh, en) }), el('dd', {}, ...v)];
  const unit = opts.unitName(x);
  const order = !x.order ? '—' : opts.orderHref?.(x.order) ? el('a', { href: opts.orderHref(x.order), text: `#${x.order}` }) : `#${x.order}`;
  dlg.replaceChildren(
    el('h2', { id: 'item-title', text }),
    el('dl', { class: 'item-fields' },
      ...row('单位', 'Unit', opts.unitHref ? el('a', { href: opts.unitHref(x), text: unit }) : unit),
      ...(x.note && x.note !== text ? row('检查记录', 'Inspector\'s note', x.note) : []),
      ...row('检查表', 'Checklist', opts.checklistName(x.checklist)),
      ...row('发现时间', 'Found on', day(x.inspected)),
      ...row('责任单位', 'Owner', opts.deptName(x.owner)),
      ...row('整改期限', 'Deadline', day(x.deadline), due ? el('span', { class: left < 0 ? 'late' : 'note', text: ` · ${due}` }) : null),
      ...row('状态', 'Status', el('span', { class: x.status === 'overdue' || x.status === 'closed_late' ? 'late' : open ? '' : 'good', text: statusName(x.status) })),
      ...(x.closed ? row('销号时间', 'Closed on', day(x.closed)) : []),
      ...row('整改工单', 'Work order', order)),
    el('form', { method: 'dialog' }, el('button', { type: 'submit', class: 'primary', autofocus: true, text: t('关闭', 'Close') })));
  dlg.showModal();
  return dlg;
}

/** Makes a table row open item x on a tap or click (the problem's text is
 * also a button, for the keyboard); a tap on a link in the row follows the
 * link instead. */
export function tapOpens(tr, x, opts) {
  tr.classList.add('tappable');
  tr.addEventListener('click', (ev) => {
    if (ev.target.closest('a, button')) return;
    openItem(x, opts);
  });
}

/** The problem's text as a button that opens item x. */
export const itemButton = (x, opts) => el('button', { type: 'button', class: 'item-open', text: pick(x, 'text') || x.item,
  onclick: () => openItem(x, opts) });

/** On a phone a long table shows its first five cards and a button for
 * the rest (ledger.css hides rows 6 and on below 600 px; a desk screen
 * shows all in the pane's own scroll). Call after each fill. */
export function clipRows(table) {
  const n = 5;
  let more = table.nextElementSibling;
  if (!more || !more.classList.contains('more-rows')) {
    more = el('button', { type: 'button', class: 'more-rows', onclick: () => table.classList.add('all') });
    table.after(more);
  }
  const rows = table.tBodies[0].rows.length;
  table.classList.toggle('clip', rows > n);
  more.textContent = t(`显示全部 ${rows} 条`, `Show all ${rows}`);
}
