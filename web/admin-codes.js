// admin-codes.js - the operator's page for customer and enterprise codes
// (码管理, /admin/codes): generate a code for every entity of a type under a
// region, list codes with filters and the API's cursor, and for one code its
// QR, token, scan URL, scans per day, revocation and reissue. Only admins may
// use the code API; anyone else signed in is told so. Everything shown is set
// as text (entity names come from data), never parsed as HTML.
import { $, el, svg } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, words, translate, setupLang } from './lib/i18n.js';
import { DAY, dateTime, day } from './lib/time.js';
import { mountNav } from './lib/nav.js';
import { signIn, toast } from './console-common.js';

const KINDS = { customer: ['顾客码', 'Customer code'], enterprise: ['企业码', 'Enterprise code'] };
const CODE_STATES = { active: ['有效', 'Active'], revoked: ['已作废', 'Revoked'] };
const DEFAULT_TYPE = { customer: 'venue', enterprise: 'enterprise' };
const PAGE = 50;
const DAYS = 30; // the chart and the list's scan column

let me = null;
let denied = null; // the signed-in user the page refused, while the form shows
const regions = []; // flattened tree: {id, name_zh, name_en, level, depth}
const regionById = new Map();
let types = [];
let codes = [];
let cursor = null;
let detail = null; // GET /api/v1/codes/ID: {code, scans, scans_total}
let reissued = null; // {old, fresh}: the ids of the last reissue, said above the detail
let gen = null; // the last generation's answer, or {error}

const w = words({ kind: KINDS, state: CODE_STATES });
const kindName = (k) => w('kind', k) || k;
const stateName = (s) => w('state', s) || s;
const regionName = (id) => {
  const r = regionById.get(id);
  return r ? t(r.name_zh, r.name_en || r.name_zh) : id || '—';
};
// (the id after the name where an operator picks a type; bare on the list)
const typeName = (id, withId = true) => {
  const ty = types.find((x) => x.id === id);
  if (!ty) return id;
  const name = t(ty.name_zh || id, ty.name_en || id);
  return withId ? `${name} (${id})` : name;
};
const entityName = (c) => t(c.entity_name_zh || c.entity, c.entity_name_en || c.entity_name_zh || c.entity);

function deniedText(u) {
  return t(`仅运维管理员可以管理顾客码和企业码。当前用户 ${u.name}（角色 ${u.role}）无此权限，请使用管理员账号登录。`,
    `Only administrators may manage customer and enterprise codes. ${u.name} (${u.role}) may not; sign in as an administrator.`);
}

// ---- selects ----

function flatten(list, depth) {
  for (const r of list) {
    regions.push({ id: r.id, name_zh: r.name_zh, name_en: r.name_en, level: r.level, depth });
    regionById.set(r.id, regions[regions.length - 1]);
    flatten(r.children || [], depth + 1);
  }
}

function options(sel, list, all) {
  const keep = sel.value;
  sel.replaceChildren(...(all ? [el('option', { value: '' }, all)] : []),
    ...list.map(([v, text]) => el('option', { value: v }, text)));
  if (keep && [...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

// Region names indented by depth; U+3000 is not collapsed inside an option.
const regionList = () => regions.map((r) => [r.id, '\u3000'.repeat(r.depth) + t(r.name_zh, r.name_en || r.name_zh)]);

function fillSelects() {
  options($('g-type'), types.map((ty) => [ty.id, typeName(ty.id)]));
  options($('g-region'), regionList());
  options($('f-region'), regionList(), t('全部区域', 'All regions'));
  options($('f-kind'), Object.keys(KINDS).map((k) => [k, kindName(k)]), t('全部类型', 'Any kind'));
  options($('f-state'), Object.keys(CODE_STATES).map((s) => [s, stateName(s)]), t('全部状态', 'Any state'));
}

function sheetLink() {
  const region = $('f-region').value || $('g-region').value;
  const kind = $('f-kind').value || $('g-kind').value;
  $('sheet').href = '/codes-sheet?' + new URLSearchParams({ region, kind });
  $('sheet').title = `${regionName(region)} · ${kindName(kind)}`;
}

// ---- generate ----

// Entities a generate call handles: small enough for a moving bar on a
// district, large enough that a street is one or two calls.
const GEN_BATCH = 500;

async function generate(ev) {
  ev.preventDefault();
  const f = new FormData($('gen'));
  const body = { kind: f.get('kind'), entity_type: f.get('entity_type'), region: f.get('region') };
  const controls = $('gen').querySelectorAll('select, button');
  for (const c of controls) c.disabled = true;
  $('g-go').textContent = t('生成中…', 'Generating…');
  $('g-busy').hidden = false;
  $('g-busy').removeAttribute('value'); // indeterminate until the first batch answers
  $('gen').setAttribute('aria-busy', 'true');
  gen = null;
  renderGen();
  try {
    // Batch by batch (each one transaction on the server): the bar shows
    // how many of the region's entities are done; stopping half way keeps
    // what was made, and generating again resumes (codes are kept).
    const sum = { kind: body.kind, region: body.region, entities: 0, created: 0, kept: 0, total: 0 };
    let cursor = null;
    do {
      const r = await api('/api/v1/codes/generate', { json: { ...body, batch: GEN_BATCH, cursor } });
      sum.entities += r.entities;
      sum.created += r.created;
      sum.kept += r.kept;
      sum.total = r.total;
      $('g-busy').max = Math.max(r.total, 1);
      $('g-busy').value = r.done;
      $('g-busy').textContent = `${r.done} / ${r.total}`;
      gen = { ...sum, progress: r.next_cursor ? r.done : null };
      renderGen();
      cursor = r.next_cursor;
    } while (cursor);
    gen = sum;
    renderGen();
    // show what was just made
    $('f-kind').value = sum.kind;
    $('f-region').value = sum.region;
    $('f-state').value = '';
    sheetLink();
    await loadList();
  } catch (e) {
    gen = { error: e.message };
    renderGen();
  } finally {
    for (const c of controls) c.disabled = false;
    $('g-go').textContent = t('生成', 'Generate');
    $('g-busy').hidden = true;
    $('gen').removeAttribute('aria-busy');
  }
}

// What the last generation did, in the current language.
function renderGen() {
  const box = $('g-result');
  box.className = gen && gen.error ? 'result error' : 'result';
  delete box.dataset.created;
  delete box.dataset.kept;
  if (!gen || gen.error) {
    box.textContent = gen ? gen.error : '';
    return;
  }
  const r = gen;
  if (r.progress != null) {
    box.textContent = t(`生成中：${r.progress} / ${r.total} 个对象…`, `Generating: ${r.progress} of ${r.total} entities…`);
    return;
  }
  box.dataset.created = r.created;
  box.dataset.kept = r.kept;
  box.textContent = r.entities === 0
    ? t(`${regionName(r.region)}没有该类型的对象，未生成任何码。`, `${regionName(r.region)} has no entities of this type: no codes made.`)
    : t(`${regionName(r.region)}：新生成 ${r.created} 个${kindName(r.kind)}，${r.kept} 个对象已有码（共 ${r.entities} 个对象）。`,
      `${regionName(r.region)}: ${r.created} new ${kindName(r.kind).toLowerCase()}s, ${r.kept} entities already had one (${r.entities} entities).`);
}

// ---- the list ----

function query() {
  const q = new URLSearchParams({ limit: String(PAGE) });
  for (const k of ['kind', 'region', 'state']) if ($('f-' + k).value) q.set(k, $('f-' + k).value);
  return q;
}

// Whether code c belongs in the list under the current filters.
function matches(c) {
  const kind = $('f-kind').value, state = $('f-state').value, region = $('f-region').value;
  return (!kind || c.kind === kind) && (!state || c.state === state)
    && (!region || c.region === region || (c.region || '').startsWith(region + '/'));
}

async function loadList(more = false) {
  const q = query();
  if (more && cursor) q.set('cursor', cursor);
  $('more').disabled = true;
  try {
    const j = await api('/api/v1/codes?' + q);
    codes = more ? codes.concat(j.codes) : j.codes;
    cursor = j.next_cursor || null;
  } catch (e) {
    toast(e.message, true);
  } finally {
    $('more').disabled = false;
  }
  $('more').hidden = !cursor;
  renderRows();
}

function renderRows() {
  const sel = detail && detail.code.id;
  $('rows').replaceChildren(...codes.map((c) => {
    const act = (label, fn, cls) => el('button', {
      type: 'button', class: cls, 'data-act': cls,
      onclick: (ev) => { ev.stopPropagation(); fn(c); },
    }, label);
    // names on the list; the entity's key only where an operator looks for
    // it (the row's tooltip and the code's details)
    return el('tr', { 'data-id': c.id, 'data-entity': c.entity, class: c.id === sel ? 'sel' : '', onclick: () => select(c.id) },
      el('td', {}, el('span', { class: 'ename', title: c.entity }, entityName(c)),
        el('div', { class: 'note' }, `${typeName(c.entity_type, false)} · ${regionName(c.region)}`)),
      el('td', {}, kindName(c.kind)),
      el('td', {}, el('span', { class: 'cstate c-' + c.state }, stateName(c.state))),
      el('td', {}, dateTime(c.created)),
      el('td', { class: 'num scans' }, c.scans_30d ?? '—'),
      el('td', { class: 'row-actions' },
        act(t('二维码', 'QR'), (x) => select(x.id, true), 'qr'),
        c.state === 'active' ? act(t('作废', 'Revoke'), revoke, 'revoke') : null,
        c.state === 'active' ? act(t('重发', 'Reissue'), reissue, 'reissue') : null));
  }));
  $('count').textContent = codes.length ? t(`已显示 ${codes.length} 个码${cursor ? '，还有更多' : ''}`,
    `${codes.length} codes shown${cursor ? ', more to load' : ''}`) : t('没有符合条件的码', 'No codes match');
}

// Replaces the listed copy of a code with a newer one.
function patchRow(c) {
  const i = codes.findIndex((x) => x.id === c.id);
  if (i >= 0) codes[i] = c;
}

// ---- one code ----

async function select(id, toQr = false) {
  reissued = null;
  try {
    detail = await api(`/api/v1/codes/${id}`);
  } catch (e) {
    toast(e.message, true);
    return;
  }
  patchRow(detail.code); // fresher scan count and state
  renderRows();
  renderDetail();
  if (toQr) $('d-qr')?.scrollIntoView({ block: 'nearest' });
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard API (a plain-http address that is not localhost): a selection
    const ta = el('textarea', { readonly: true, class: 'offscreen' }, text);
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast(t('已复制', 'Copied'));
}

/** Scans per day of the last DAYS days as an SVG bar chart (drawn here: no
 * chart library for thirty bars). */
function chart(scans) {
  const byDay = new Map(scans.map((s) => [s.day, s.scans]));
  // the window ends today, or on the newest day counted if the server's clock is ahead
  let end = day(Date.now());
  if (scans.length && scans[0].day > end) end = scans[0].day;
  const endMs = Date.parse(end + 'T00:00:00+08:00');
  const days = [];
  for (let i = DAYS - 1; i >= 0; i--) {
    const d = day(endMs - i * DAY);
    days.push([d, byDay.get(d) || 0]);
  }
  const max = Math.max(1, ...days.map(([, n]) => n));
  const W = 320, H = 120, x0 = 28, y0 = 12, y1 = 96, step = (W - x0 - 4) / DAYS;
  const chartEl = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'scans-chart', role: 'img',
    'aria-label': t(`近${DAYS}天每日扫码次数`, `Scans per day, last ${DAYS} days`) });
  chartEl.append(svg('line', { x1: x0, y1, x2: W - 4, y2: y1, class: 'axis' }),
    svg('text', { x: x0 - 4, y: y0 + 4, class: 'tick', 'text-anchor': 'end' }, String(max)),
    svg('text', { x: x0 - 4, y: y1, class: 'tick', 'text-anchor': 'end' }, '0'),
    svg('text', { x: x0, y: H - 6, class: 'tick' }, days[0][0].slice(5)),
    svg('text', { x: W - 4, y: H - 6, class: 'tick', 'text-anchor': 'end' }, days[DAYS - 1][0].slice(5)));
  days.forEach(([d, n], i) => {
    const h = n ? Math.max(2, (n / max) * (y1 - y0)) : 1;
    const bar = svg('rect', { x: (x0 + i * step + 1).toFixed(1), y: (y1 - h).toFixed(1), width: (step - 2).toFixed(1),
      height: h.toFixed(1), class: n ? 'bar' : 'bar zero', 'data-day': d, 'data-scans': n });
    bar.append(svg('title', {}, `${d}: ${n}`));
    chartEl.append(bar);
  });
  return chartEl;
}

function renderDetail() {
  if (!detail) return;
  const c = detail.code;
  const recent = c.scans_30d ?? 0;
  const field = (zh, en, v) => el('div', { class: 'field' }, el('span', {}, t(zh, en)), el('b', {}, v ?? '—'));
  const pngName = `code-${String(c.entity).replace(/[^A-Za-z0-9_-]/g, '_')}-${c.id}.png`;
  $('detail').replaceChildren(...[
    reissued ? el('p', { class: 'notice', id: 'd-notice' },
      t(`已重发：原码 #${reissued.old} 已作废，新码为 #${reissued.fresh}，请打印并更换现场二维码。`,
        `Reissued: #${reissued.old} is revoked; the new code is #${reissued.fresh}. Print it and replace the posted QR.`)) : null,
    el('h2', { id: 'd-title' }, el('span', { id: 'd-name' }, entityName(c)), ' ',
      el('span', { class: 'tag' }, kindName(c.kind)), ' ',
      el('span', { class: 'cstate c-' + c.state, id: 'd-state' }, stateName(c.state))),
    el('div', { class: 'code-top' },
      el('figure', { class: 'qr', id: 'd-qr' },
        el('img', { src: c.qr_svg, alt: t(`${entityName(c)} 的二维码`, `QR code of ${entityName(c)}`), width: 176, height: 176 }),
        el('figcaption', {}, el('a', { href: c.qr_png, download: pngName, id: 'd-png' }, t('下载 PNG', 'Download PNG')))),
      el('div', { class: 'fields one' },
        field('编号', 'Code id', `#${c.id}`),
        field('对象', 'Entity', `${entityName(c)} (${c.entity})`),
        field('对象类型', 'Entity type', typeName(c.entity_type)),
        field('区域', 'Region', regionName(c.region)),
        field('生成时间', 'Created', dateTime(c.created)),
        c.revoked_at ? field('作废时间', 'Revoked', dateTime(c.revoked_at)) : null,
        c.replaced_by ? el('div', { class: 'field' }, el('span', {}, t('已被新码替代', 'Replaced by')),
          el('button', { type: 'button', class: 'link', id: 'd-replaced', onclick: () => select(c.replaced_by) }, `#${c.replaced_by}`)) : null)),
    el('div', { class: 'field' }, el('span', {}, t('令牌', 'Token')),
      el('div', { class: 'copyrow' }, el('code', { id: 'd-token' }, c.token),
        el('button', { type: 'button', id: 'd-copy', onclick: () => copy(c.token) }, t('复制', 'Copy')))),
    el('div', { class: 'field' }, el('span', {}, t('二维码内容（扫码地址）', 'Scan URL in the QR')),
      el('div', { class: 'copyrow' }, el('code', { id: 'd-url' }, c.url || '—'),
        c.url ? el('button', { type: 'button', onclick: () => copy(c.url) }, t('复制', 'Copy')) : null)),
    el('h3', {}, t('扫码统计', 'Scans')),
    el('p', { class: 'note', id: 'd-scans' }, t(`近${DAYS}天 ${recent} 次 · 近90天 ${detail.scans_total} 次`,
      `${recent} in the last ${DAYS} days · ${detail.scans_total} in 90 days`)),
    chart(detail.scans),
    c.state === 'active' ? el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'd-revoke', onclick: () => revoke(c) }, t('作废此码', 'Revoke')),
      el('button', { type: 'button', id: 'd-reissue', onclick: () => reissue(c) }, t('重发新码', 'Reissue')),
      el('span', { class: 'note' }, t('作废后扫描此码会提示“此码已停用”；重发会作废此码并为同一对象生成新码。',
        'A revoked code tells whoever scans it that it is no longer in use; reissuing revokes it and makes a new code for the same entity.')))
      : null].filter(Boolean));
}

/** Asks in the page's dialog; resolves true when confirmed. */
function confirmAsk(title, text, ok) {
  const d = $('confirm');
  $('c-title').textContent = title;
  $('c-text').textContent = text;
  $('c-ok').textContent = ok;
  d.returnValue = '';
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.showModal();
  });
}

async function revoke(c) {
  const name = entityName(c);
  if (!await confirmAsk(t('作废此码？', 'Revoke this code?'),
    t(`作废「${name}」的${kindName(c.kind)}（#${c.id}）后，扫描它的人会看到“此码已停用”。此操作不能撤销。`,
      `After revoking the ${kindName(c.kind).toLowerCase()} of "${name}" (#${c.id}), whoever scans it is told it is no longer in use. This cannot be undone.`),
    t('作废', 'Revoke'))) return;
  try {
    detail = await api(`/api/v1/codes/${c.id}/revoke`, { method: 'POST' });
    reissued = null;
    patchRow(detail.code);
    toast(t(`#${c.id} 已作废`, `#${c.id} revoked`));
    renderRows();
    renderDetail();
  } catch (e) {
    toast(e.message, true);
  }
}

async function reissue(c) {
  const name = entityName(c);
  if (!await confirmAsk(t('重发新码？', 'Reissue this code?'),
    t(`将作废「${name}」的旧码（#${c.id}），并生成一个新码；现场张贴的旧二维码需要更换。`,
      `The old code of "${name}" (#${c.id}) is revoked and a new one is made; the posted QR must be replaced.`),
    t('重发', 'Reissue'))) return;
  try {
    const fresh = await api(`/api/v1/codes/${c.id}/reissue`, { method: 'POST' });
    const old = await api(`/api/v1/codes/${c.id}`);
    patchRow(old.code);
    // the new code is the newest: it belongs at the end of a fully loaded list
    if (!cursor && matches(fresh.code) && !codes.some((x) => x.id === fresh.code.id)) codes.push(fresh.code);
    detail = fresh;
    reissued = { old: c.id, fresh: fresh.code.id };
    renderRows();
    renderDetail();
  } catch (e) {
    toast(e.message, true);
  }
}

// ---- start ----

function redraw() {
  if (denied) $('login-error').textContent = deniedText(denied);
  if (!me) return;
  fillSelects();
  sheetLink();
  renderGen();
  renderRows();
  renderDetail();
}

async function main() {
  setupLang(redraw);
  me = await signIn(['admin'], (u) => { denied = u; return deniedText(u); });
  denied = null;
  mountNav($('topbar'), me, { current: 'admin', title: ['顾客码与企业码管理', 'Customer and enterprise codes'], onLang: redraw });
  $('console').hidden = false;
  const [tree, ty] = await Promise.all([api('/api/v1/regions'), api('/api/v1/entity-types')]);
  flatten(tree.regions, 0);
  types = ty.entity_types;
  fillSelects();
  $('g-type').value = DEFAULT_TYPE[$('g-kind').value];
  translate();
  $('g-kind').addEventListener('change', () => {
    const want = DEFAULT_TYPE[$('g-kind').value];
    if (types.some((x) => x.id === want)) $('g-type').value = want;
    sheetLink();
  });
  $('g-region').addEventListener('change', sheetLink);
  $('gen').addEventListener('submit', generate);
  $('filters').addEventListener('change', () => { sheetLink(); loadList(); });
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('more').addEventListener('click', () => loadList(true));
  sheetLink();
  await loadList();
}

main().catch((e) => toast(e.message, true));
