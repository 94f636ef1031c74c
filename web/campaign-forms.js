// campaign-forms.js - the campaign dashboard's two write forms, for the
// campaign's department (its officers) and admins only, as the API allows
// (authz_campaign): 录入纸质承诺, a pledge signed on paper and typed in
// (the market, then for a stall-holder's pledge a stall among the market's
// stall-holders who have not signed yet, found by name, stall number or
// holder; the signer, contact phone and signed date), and 登记宣传活动, a
// promotion activity (kind, title, market or none, attendees, date, note).
// The server decides: its error shows at the field it names, in the page's
// language; an already signed pledge says when and through which channel.
// After a write the dashboard reloads its figures (no page reload).
import { $, el } from './lib/dom.js';
import { api, said, saidOf } from './lib/api.js';
import { t, pick, words } from './lib/i18n.js';
import { ymd, day, dateTime } from './lib/time.js';
import { toast } from './console-common.js';

const W = words({
  signedMarket: ['已签', 'signed'],
  byMember: ['经营户签署', 'by each stall'],
  byParticipant: ['市场签署', 'by the market'],
  district: ['全区（不限市场）', 'District-wide (no market)'],
  chooseMarket: ['请选择市场', 'Choose a market'],
  chooseStall: ['请在列表中选择经营户', 'Choose a stall-holder from the list'],
  needSigner: ['请填写签署人姓名', 'Enter the name of the person who signed'],
  needDate: ['请填写签署日期', 'Enter the date it was signed'],
  future: ['签署日期不能晚于今天', 'The date signed cannot be after today'],
  loading: ['正在读取经营户…', 'Loading the stall-holders…'],
  allSigned: ['该市场的经营户均已签署', 'Every stall-holder of this market has signed'],
  noMatch: ['没有匹配的未签署经营户', 'No unsigned stall-holder matches'],
  offline: ['提交失败，请检查网络后重试', 'Not sent: check the connection and try again'],
  refused: ['没有录入权限', 'You may not record this'],
  paper: ['纸质', 'on paper'],
  code: ['扫码', 'by code'],
  activityDone: ['活动已登记', 'Activity recorded'],
  saving: ['正在提交…', 'Sending…'],
});

let me = null;
let data = null; // the dashboard's answer (GET /api/v1/campaigns/ID)
let reload = async () => {};
let shownFor = ''; // the campaign the forms were filled for
// the members not signed yet of the market last chosen: key "MARKET|PLEDGE",
// asked again each time a market is chosen (others sign meanwhile)
const members = new Map();
let stallSeq = 0; // the latest stall list asked for (an older answer is dropped)

/** Whether the signed-in user may write in campaign c (authz_campaign's rule). */
const mayWrite = (c) => !!c && (me.role === 'admin' || (me.role === 'officer' && !!me.department && me.department === c.department));

const pledgeDef = () => (data.campaign.pledges || []).find((p) => p.id === $('pf-pledge').value);
const isMember = () => pledgeDef()?.signer === 'member';
const lastDay = () => { const today = ymd(); const end = data.campaign.end; return end && end < today ? end : today; };

// Every page of a cursor-paged list.
async function allPages(path, key) {
  const out = [];
  let cursor = '';
  do {
    const r = await api(path + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
    out.push(...(r[key] || []));
    cursor = r.next_cursor || '';
  } while (cursor && out.length < 50000);
  return out;
}

// ---- errors at their fields ----

function clearErrors(form) {
  for (const s of form.querySelectorAll('.pf-err')) s.textContent = '';
  for (const f of form.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
  for (const f of form.querySelectorAll('.pf-field.bad')) f.classList.remove('bad');
  form.querySelector('.pf-error').textContent = '';
}

// The message at the field's place (its error line, the field marked), or
// the form's own line when the field is none of the form's.
function showAt(form, prefix, field, text) {
  const slot = field && $(`${prefix}-err-${field}`);
  if (!slot) {
    form.querySelector('.pf-error').textContent = text;
    return;
  }
  slot.textContent = text;
  const box = slot.closest('.pf-field');
  box.classList.add('bad');
  const input = box.querySelector('input, select, textarea');
  if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
}

// What a failed write says: the server's sentence (field names read as the
// form's labels), never a blank.
function failText(e, labels) {
  if (e.status === 403) return said(e, W('refused'));
  const text = saidOf(e, labels, e.status ? e.message || W('offline') : W('offline'));
  // the Chinese glosses an identifier in brackets ("participants（参与人数）");
  // once the identifier reads as its label the gloss only repeats it
  return text.replace(/(「[^」]+」)（[^）]*）/g, '$1');
}

// ---- the paper pledge ----

function pledgeLabels() {
  return { pledge: t('承诺类型', 'Pledge'), entity: isMember() ? t('经营户', 'Stall-holder') : t('市场', 'Market'),
    signer: t('签署人', 'Signed by'), phone: t('联系电话', 'Contact phone'), ts: t('签署日期', 'Signed on') };
}

function fillPledgeOptions() {
  const c = data.campaign;
  const keep = { pledge: $('pf-pledge').value, market: $('pf-market').value };
  const pledges = c.pledges || [];
  const first = pledges.find((p) => p.signer === 'member') || pledges[0];
  $('pf-pledge').replaceChildren(...pledges.map((p) => el('option', { value: p.id,
    text: `${pick(p, 'title')}${t('（', ' (')}${p.signer === 'member' ? W('byMember') : W('byParticipant')}${t('）', ')')}` })));
  $('pf-pledge').value = pledges.some((p) => p.id === keep.pledge) ? keep.pledge : first?.id || '';
  const def = pledgeDef();
  const opts = data.participants.map((p) => {
    let note = '';
    if (def && def.signer !== 'member' && p.pledges[def.id]) note = ` · ${W('signedMarket')} ${day(p.pledges[def.id])}`;
    else if (def && def.signer === 'member') note = ` · ${p.members_signed_by?.[def.id] ?? p.members_signed}/${p.members}`;
    return el('option', { value: p.entity, text: `${pick(p, 'name')}${note}`,
      disabled: !!(def && def.signer !== 'member' && p.pledges[def.id]) });
  });
  $('pf-market').replaceChildren(el('option', { value: '', text: `— ${W('chooseMarket')} —` }), ...opts);
  const open = [...$('pf-market').options].some((o) => o.value === keep.market && !o.disabled);
  $('pf-market').value = keep.market && open ? keep.market : '';
  $('pf-stall-box').hidden = !isMember();
}

// The market's members not signed yet for the chosen pledge, from the
// entities (by the campaign's parent attribute) and the pledges list.
async function stallsOf(market, pledge) {
  const key = `${market}|${pledge}`;
  const c = data.campaign;
  const types = c.members?.entity_types || [];
  const attr = c.members?.parent_attr || 'market';
  const lists = await Promise.all(types.map((ty) =>
    allPages(`/api/v1/entities?type=${encodeURIComponent(ty)}&attr.${encodeURIComponent(attr)}=${encodeURIComponent(market)}&limit=1000`, 'entities')));
  const signed = await allPages(`/api/v1/campaigns/${encodeURIComponent(c.id)}/pledges?pledge=${encodeURIComponent(pledge)}&parent=${encodeURIComponent(market)}&limit=500`, 'pledges');
  const done = new Set(signed.map((s) => s.entity.id));
  const all = lists.flat();
  const entry = { key, all: all.length, open: all.filter((e) => !done.has(e.id)).sort((a, b) => pick(a, 'name').localeCompare(pick(b, 'name'), 'zh-CN')) };
  members.set(key, entry);
  return entry;
}

const holderOf = (e) => (e.attrs && typeof e.attrs.holder === 'string' ? e.attrs.holder : '');
const masked = (s) => s.includes('*'); // 王** as the server shows a name to those who may not see it

function showStalls(entry) {
  const q = $('pf-q').value.trim().toLowerCase();
  const list = $('pf-stall'), keep = list.value;
  const hits = entry.open.filter((e) => !q || [e.id, e.name_zh, e.name_en, holderOf(e)].some((s) => (s || '').toLowerCase().includes(q)));
  list.replaceChildren(...hits.map((e) => el('option', { value: e.id,
    text: holderOf(e) ? `${pick(e, 'name')} · ${holderOf(e)}` : pick(e, 'name'), selected: e.id === keep })));
  list.dataset.for = entry.key; // which market's list this is (the tests wait on it)
  const counts = t(`未签署 ${entry.open.length} 户，共 ${entry.all} 户`, `${entry.open.length} of ${entry.all} not signed yet`);
  $('pf-stall-note').textContent = !entry.open.length ? W('allSigned')
    : !hits.length ? `${W('noMatch')} · ${counts}`
    : q ? `${t(`匹配 ${hits.length} 户`, `${hits.length} match`)} · ${counts}` : counts;
}

async function refreshStalls() {
  const market = $('pf-market').value, pledge = $('pf-pledge').value;
  const seq = ++stallSeq; // an answer for an earlier choice is dropped
  delete $('pf-stall').dataset.for;
  if (!isMember()) return;
  if (!market) {
    $('pf-stall').replaceChildren();
    $('pf-stall-note').textContent = W('chooseMarket');
    return;
  }
  $('pf-stall-note').textContent = W('loading');
  try {
    const entry = await stallsOf(market, pledge);
    if (seq === stallSeq) showStalls(entry);
  } catch (e) {
    if (seq === stallSeq) { $('pf-stall').replaceChildren(); $('pf-stall-note').textContent = ''; showAt($('pledge-form'), 'pf', 'entity', failText(e, {})); }
  }
}

// Fills the signer and phone from the chosen stall (what the stall-holder
// registered; editable), unless the clerk typed something of their own.
function prefill() {
  const entry = members.get(`${$('pf-market').value}|${$('pf-pledge').value}`);
  const e = entry?.open.find((x) => x.id === $('pf-stall').value);
  if (!e) return;
  const signer = $('pf-signer'), phone = $('pf-phone');
  const holder = holderOf(e);
  if ((!signer.value || signer.dataset.auto === '1') && !masked(holder)) { signer.value = holder; signer.dataset.auto = '1'; }
  const cp = typeof e.attrs?.contact_phone === 'string' ? e.attrs.contact_phone : '';
  if ((!phone.value || phone.dataset.auto === '1') && /^1\d{10}$/.test(cp)) { phone.value = cp; phone.dataset.auto = '1'; }
}

// The 409's sentence: when, how and by whom (masked as the list shows it)
// the entity signed; the server's own sentence when the list cannot say.
async function signedText(e, entity, pledge) {
  try {
    const r = await api(`/api/v1/campaigns/${encodeURIComponent(data.campaign.id)}/pledges?pledge=${encodeURIComponent(pledge)}&entity=${encodeURIComponent(entity)}&limit=1`);
    const s = r.pledges && r.pledges[0];
    if (!s) return e.message;
    const how = s.channel === 'code' ? W('code') : W('paper');
    return t(`${pick(s.entity, 'name')} 已于 ${dateTime(s.signed_at)} 签署${pick(s, 'title')}（${how}，签署人 ${s.signer}），不能重复录入`,
      `${pick(s.entity, 'name')} signed ${pick(s, 'title')} on ${dateTime(s.signed_at)} (${how}, by ${s.signer}): it cannot be recorded twice`);
  } catch {
    return e.message;
  }
}

async function submitPledge(ev) {
  ev.preventDefault();
  const form = $('pledge-form');
  clearErrors(form);
  $('pf-done').textContent = '';
  const member = isMember();
  const entity = member ? $('pf-stall').value : $('pf-market').value;
  const date = $('pf-date').value;
  if (!$('pf-market').value) return showAt(form, 'pf', 'market', W('chooseMarket'));
  if (!entity) return showAt(form, 'pf', 'entity', W('chooseStall'));
  if (!$('pf-signer').value.trim()) return showAt(form, 'pf', 'signer', W('needSigner'));
  if (!date) return showAt(form, 'pf', 'ts', W('needDate'));
  if (date > ymd()) return showAt(form, 'pf', 'ts', W('future'));
  const pledge = $('pf-pledge').value;
  const phone = $('pf-phone').value.replace(/[\s-]/g, '');
  const btn = $('pf-submit');
  btn.disabled = true;
  btn.textContent = W('saving');
  try {
    const r = await api(`/api/v1/campaigns/${encodeURIComponent(data.campaign.id)}/pledges`,
      { json: { pledge, entity, signer: $('pf-signer').value.trim(), phone: phone || undefined, ts: date } });
    const p = r.pledge;
    const recorded = t(`已录入：${pick(p.entity, 'name')} 签署的${pick(p, 'title')}（${day(p.signed_at)}，编号 CP-${String(p.id).padStart(8, '0')}）`,
      `Recorded: ${pick(p, 'title')} signed by ${pick(p.entity, 'name')} (${day(p.signed_at)}, no. CP-${String(p.id).padStart(8, '0')})`);
    $('pf-done').textContent = `✓ ${recorded}`;
    toast(recorded);
    const entry = members.get(`${$('pf-market').value}|${pledge}`);
    if (entry) entry.open = entry.open.filter((x) => x.id !== entity);
    for (const f of ['pf-signer', 'pf-phone']) { $(f).value = ''; delete $(f).dataset.auto; }
    $('pf-stall').value = '';
    await reload(); // the figures move; the form is filled again from them
  } catch (e) {
    // the 409 names the pledge; it is about the entity chosen, so it shows there
    const field = e.code === 'already_signed' ? 'entity' : e.field;
    const text = e.code === 'already_signed' ? await signedText(e, entity, pledge) : failText(e, pledgeLabels());
    showAt(form, 'pf', field === 'entity' && !member ? 'market' : field, text);
    if (e.code === 'already_signed') { // signed elsewhere meanwhile: this tab's figures and list are behind
      await reload();
      refreshStalls();
    }
  } finally {
    btn.disabled = false;
    btn.textContent = t('提交', 'Submit');
  }
}

// ---- the promotion activity ----

function fillActivityOptions() {
  const c = data.campaign;
  const keep = { kind: $('af-kind').value, entity: $('af-entity').value };
  $('af-kind').replaceChildren(...(c.activities || []).map((a) => el('option', { value: a.id, text: pick(a, 'name') })));
  if ((c.activities || []).some((a) => a.id === keep.kind)) $('af-kind').value = keep.kind;
  $('af-entity').replaceChildren(el('option', { value: '', text: W('district') }),
    ...data.participants.map((p) => el('option', { value: p.entity, text: pick(p, 'name') })));
  $('af-entity').value = data.participants.some((p) => p.entity === keep.entity) ? keep.entity : '';
}

async function submitActivity(ev) {
  ev.preventDefault();
  const form = $('activity-form');
  clearErrors(form);
  const n = $('af-n').value.trim();
  const body = { kind: $('af-kind').value, title: $('af-title').value.trim(), participants: n === '' ? null : Number(n),
    entity: $('af-entity').value || undefined, ts: $('af-date').value || undefined, note: $('af-note').value.trim() || undefined };
  const labels = { kind: t('活动类型', 'Kind'), title: t('活动名称', 'Title'), participants: t('参与人数', 'Attendees'),
    entity: t('市场', 'Market'), ts: t('活动日期', 'Date'), note: t('备注', 'Note') };
  const btn = $('af-submit');
  btn.disabled = true;
  btn.textContent = W('saving');
  try {
    await api(`/api/v1/campaigns/${encodeURIComponent(data.campaign.id)}/activities`, { json: body });
    toast(`${W('activityDone')}${t('：', ': ')}${body.title}`);
    for (const f of ['af-title', 'af-n', 'af-note']) $(f).value = '';
    close();
    await reload();
  } catch (e) {
    showAt(form, 'af', e.field, failText(e, labels));
  } finally {
    btn.disabled = false;
    btn.textContent = t('登记', 'Record');
  }
}

// ---- opening and closing ----

function close() {
  for (const [b, f] of [['open-pledge', 'pledge-form'], ['open-activity', 'activity-form']]) {
    $(f).hidden = true;
    $(b).setAttribute('aria-expanded', 'false');
    $(b).classList.remove('on');
  }
}

function open(which) {
  const [btn, form] = which === 'pledge' ? ['open-pledge', 'pledge-form'] : ['open-activity', 'activity-form'];
  const wasOpen = !$(form).hidden;
  close();
  if (wasOpen) return;
  $(form).hidden = false;
  $(btn).setAttribute('aria-expanded', 'true');
  $(btn).classList.add('on');
  for (const d of [$('pf-date'), $('af-date')]) {
    d.min = data.campaign.start || '';
    d.max = lastDay();
    if (!d.value) d.value = lastDay();
  }
  if (which === 'pledge') { fillPledgeOptions(); refreshStalls(); }
  else fillActivityOptions();
  $(form).scrollIntoView({ block: 'nearest' });
  $(form).querySelector('select, input').focus();
}

/** Redraws the forms for the dashboard's answer d (after each load and on
 * a language switch): the buttons only for those who may write, the
 * choices from the campaign and its participants. */
export function updateForms(d) {
  data = d;
  const c = data?.campaign;
  const ok = mayWrite(c);
  const canPledge = ok && (c.pledges || []).length > 0;
  const canAct = ok && (c.activities || []).length > 0;
  $('writes').hidden = !(canPledge || canAct);
  $('open-pledge').hidden = !canPledge;
  $('open-activity').hidden = !canAct;
  if (!c || c.id !== shownFor) {
    shownFor = c?.id || '';
    members.clear();
    close();
    for (const f of ['pledge-form', 'activity-form']) { $(f).reset(); clearErrors($(f)); }
    $('pf-done').textContent = '';
    for (const f of ['pf-signer', 'pf-phone']) delete $(f).dataset.auto;
  }
  if (!ok) return close();
  if (!$('pledge-form').hidden) {
    fillPledgeOptions();
    const entry = members.get(`${$('pf-market').value}|${$('pf-pledge').value}`);
    if (entry && isMember()) showStalls(entry);
  }
  if (!$('activity-form').hidden) fillActivityOptions();
}

/** Wires the forms once: user is the session's, redraw reloads the
 * dashboard (and calls updateForms with the new answer). */
export function setupForms(user, redraw) {
  me = user;
  reload = redraw;
  $('open-pledge').addEventListener('click', () => open('pledge'));
  $('open-activity').addEventListener('click', () => open('activity'));
  for (const b of document.querySelectorAll('.pf-close')) b.addEventListener('click', close);
  $('pledge-form').addEventListener('submit', submitPledge);
  $('activity-form').addEventListener('submit', submitActivity);
  $('pf-pledge').addEventListener('change', () => { fillPledgeOptions(); clearErrors($('pledge-form')); refreshStalls(); });
  $('pf-market').addEventListener('change', () => { $('pf-q').value = ''; clearErrors($('pledge-form')); refreshStalls(); });
  $('pf-q').addEventListener('input', () => {
    const entry = members.get(`${$('pf-market').value}|${$('pf-pledge').value}`);
    if (entry) showStalls(entry);
  });
  $('pf-stall').addEventListener('change', prefill);
  for (const f of ['pf-signer', 'pf-phone']) $(f).addEventListener('input', () => { delete $(f).dataset.auto; });
}
