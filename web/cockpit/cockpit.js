// cockpit.js - the big screen: a fixed 1920x1080 stage scaled to the
// window, the perspective selector and breadcrumb, the module tabs of the
// perspective's layout, and the panels the pack declares for it. The page
// listens to /api/v1/stream and refreshes exactly the panels whose metrics
// a tick names; the location hash (#/REGION?m=MODULE) keeps the view across
// reloads and makes the browser's back button walk back up.
import { $, el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick } from '../lib/i18n.js';
import { clock, weekday } from '../lib/time.js';
import { createPanel, ctx } from './panels.js';
import './map.js';
import './board.js';
import './park.js';
import './campaign.js';
import { openPortrait, closePortrait } from './portrait.js';

const W = 1920;
const H = 1080;

const cockpit = {
  dash: null, // GET /api/v1/dashboards
  regions: new Map(), // path -> {id, name_zh, name_en, level, parent, children}
  region: null,
  module: null,
  panels: [],
  gen: 0, // views drawn; only the latest may say it is ready
  lastTick: 0,
  loadedAt: 0,
  es: null,
};

export async function startCockpit() {
  const [dash, metrics, types, tree] = await Promise.all([
    api('/api/v1/dashboards'), api('/api/v1/metrics'), api('/api/v1/entity-types'), api('/api/v1/regions')]);
  cockpit.dash = dash;
  ctx.metrics = new Map(metrics.metrics.map((m) => [m.id, m]));
  ctx.types = new Map(types.entity_types.map((x) => [x.id, x]));
  ctx.labels = dash.labels || {};
  ctx.drill = (path) => { if (layoutFor(path)) go(path); };
  ctx.openPortrait = (id) => openPortrait(id);
  // A region path as its names from the district down (新天地街区 · 东新街道).
  ctx.regionName = (path) => {
    const names = [];
    for (let p = path; p && cockpit.regions.get(p); p = cockpit.regions.get(p).parent) names.push(pick(cockpit.regions.get(p), 'name'));
    return names.length ? names.slice(0, -1).join(' · ') || names[0] : path;
  };
  cockpit.regions.clear();
  const walk = (n, parent) => {
    cockpit.regions.set(n.id, { ...n, parent });
    for (const c of n.children || []) walk(c, n.id);
  };
  for (const r of tree.regions) walk(r, null);
  $('viewport').hidden = false;
  fit();
  fillSelector();
  window.addEventListener('hashchange', fromHash);
  fromHash();
  connect();
  tickClock();
  startTour();
}

// ---- the unattended wall: ?tour=SECONDS ----

// Every (perspective, module) pair of the dashboards, in order.
export function tourStops(dash) {
  const stops = [];
  for (const p of dash.perspectives) {
    const layout = dash.layouts[p.layout];
    for (const m of (layout ? layout.modules : [])) stops.push([p.region, m.id]);
  }
  return stops;
}

// With ?tour=SECONDS (at least 5) the cockpit moves on to the next module,
// then the next perspective, every SECONDS; a viewer who touches the page
// (pointer, key) holds the tour for a minute.
function startTour() {
  if (cockpit.tour) clearTimeout(cockpit.tour);
  const secs = Number(new URLSearchParams(location.search).get('tour'));
  if (!(secs >= 5)) return;
  const stops = tourStops(cockpit.dash);
  if (stops.length < 2) return;
  let heldUntil = 0;
  const hold = () => { heldUntil = Date.now() + 60e3; };
  window.addEventListener('pointerdown', hold);
  window.addEventListener('keydown', hold);
  document.body.dataset.tour = String(secs);
  const next = () => {
    cockpit.tour = setTimeout(next, secs * 1000);
    if (Date.now() < heldUntil || !$('portrait').hidden) return;
    const at = stops.findIndex(([r, m]) => r === cockpit.region && m === cockpit.module);
    const [r, m] = stops[(at + 1) % stops.length];
    go(r, m);
  };
  cockpit.tour = setTimeout(next, secs * 1000);
}

export function stopCockpit() {
  if (cockpit.tour) clearTimeout(cockpit.tour);
  cockpit.tour = null;
  if (cockpit.es) cockpit.es.close();
  cockpit.es = null;
  for (const p of cockpit.panels) p.dispose();
  cockpit.panels = [];
  window.removeEventListener('hashchange', fromHash);
  $('viewport').hidden = true;
}

// ---- layout ----

// A phone (narrower than 700 px) does not shrink the 1920 stage to a fifth
// of its screen: the panels stack as cards at their natural size (the
// phone layout of style.css), with the same live updates.
const PHONE = 700;

function fit() {
  const phone = window.innerWidth < PHONE;
  const was = document.body.classList.contains('phone');
  document.body.classList.toggle('phone', phone);
  const stage = $('stage');
  if (phone) {
    stage.style.transform = 'none';
    if (!was) for (const p of cockpit.panels) p.resize();
    return;
  }
  if (was) for (const p of cockpit.panels) setTimeout(() => p.resize(), 0);
  const s = Math.min(window.innerWidth / W, window.innerHeight / H);
  stage.style.transform = `translate(${(window.innerWidth - W * s) / 2}px, ${(window.innerHeight - H * s) / 2}px) scale(${s})`;
}
window.addEventListener('resize', fit);

function layoutFor(path) {
  const listed = cockpit.dash.perspectives.find((p) => p.region === path);
  if (listed) return { ...listed };
  const r = cockpit.regions.get(path);
  const name = r && cockpit.dash.levels && cockpit.dash.levels[r.level];
  if (!r || !name) return null;
  return { region: path, layout: name, name_zh: r.name_zh, name_en: r.name_en, level: r.level };
}

function fillSelector() {
  const sel = $('perspective');
  sel.replaceChildren(...cockpit.dash.perspectives.map((p) => el('option', { value: p.region, text: pick(p, 'name') })));
  sel.onchange = () => go(sel.value);
}

export function go(path, module) {
  const hash = '#/' + path + (module ? '?m=' + module : '');
  if (location.hash === hash) fromHash();
  else location.hash = hash;
}

function fromHash() {
  const m = /^#\/([^?]+)(?:\?m=(.+))?$/.exec(location.hash);
  let path = m ? decodeURIComponent(m[1]) : null;
  if (!path || !layoutFor(path)) path = cockpit.dash.perspectives[0] && cockpit.dash.perspectives[0].region;
  if (!path) {
    $('grid').replaceChildren(el('p', { class: 'error', text: t('你的权限范围内没有驾驶舱视角', 'No cockpit perspective in your scope') }));
    return;
  }
  show(path, m && m[2]);
}

function show(path, moduleId) {
  const persp = layoutFor(path);
  const layout = cockpit.dash.layouts[persp.layout];
  const mod = layout.modules.find((x) => x.id === moduleId) || layout.modules[0];
  cockpit.region = path;
  cockpit.module = mod.id;
  document.title = `${pick(persp, 'name')} · ${t('数字驾驶舱', 'Digital cockpit')}`;
  $('title').textContent = pick(cockpit.dash, 'title');
  $('perspective').value = cockpit.dash.perspectives.some((p) => p.region === path) ? path : '';
  crumbs(path);
  $('modules').replaceChildren(...layout.modules.map((x) => el('button', {
    type: 'button', class: x.id === mod.id ? 'on' : '', 'data-module': x.id, text: pick(x, 'name'),
    onclick: () => go(path, x.id),
  })));
  $('modules').hidden = layout.modules.length < 2;
  render(persp, mod);
}

function crumbs(path) {
  const chain = [];
  for (let p = path; p; p = cockpit.regions.get(p) && cockpit.regions.get(p).parent) {
    const r = cockpit.regions.get(p);
    if (!r) break;
    chain.unshift(r);
  }
  const nodes = [];
  chain.forEach((r, i) => {
    if (i) nodes.push(el('span', { class: 'sep', text: '›' }));
    const usable = i < chain.length - 1 && layoutFor(r.id);
    nodes.push(usable
      ? el('a', { href: '#/' + r.id, 'data-region': r.id, text: pick(r, 'name') })
      : el('span', { class: i === chain.length - 1 ? 'here' : 'off', 'data-region': r.id, text: pick(r, 'name') }));
  });
  $('crumbs').replaceChildren(...nodes);
}

function render(persp, mod) {
  for (const p of cockpit.panels) p.dispose();
  const grid = $('grid');
  grid.replaceChildren();
  // not ready until this view's panels are (a previous view's mark must not
  // stand for this one)
  delete grid.dataset.ready;
  grid.dataset.region = persp.region;
  grid.dataset.module = mod.id;
  // A module without a strip under the map gives the map the whole height.
  grid.classList.toggle('no-cb', !mod.panels.some((d) => d.slot === 'cb'));
  cockpit.panels = mod.panels.map((def) => createPanel(def, persp, grid));
  cockpit.loadedAt = Date.now();
  const gen = ++cockpit.gen;
  const all = cockpit.panels.map((p) => p.refresh());
  Promise.allSettled(all).then(() => {
    if (gen !== cockpit.gen) return; // a newer view replaced this one meanwhile
    grid.dataset.ready = String(Date.now());
    for (const p of cockpit.panels) p.resize();
  });
}

// ---- live updates ----

function connect() {
  if (cockpit.es) cockpit.es.close();
  const es = new EventSource('/api/v1/stream');
  cockpit.es = es;
  const live = $('live');
  es.addEventListener('open', () => setLive(true));
  es.addEventListener('error', () => setLive(false));
  es.addEventListener('hello', () => setLive(true));
  es.addEventListener('tick', (ev) => {
    const tick = JSON.parse(ev.data);
    cockpit.lastTick = Date.now();
    const changed = new Set(tick.metrics);
    for (const p of cockpit.panels) {
      const q = p.def.query;
      if (q && q.api === 'sources') p.refresh();
      else if ([...p.metrics()].some((m) => changed.has(m))) p.refresh();
    }
  });
  // Warnings and orders: the feeds and the maps' warning marks, at most once a
  // second (the first change at once, the rest gathered): a crowd of citizens
  // reporting at the same moment sends hundreds of order events.
  let feedTimer = null;
  let feedLast = 0;
  const refreshFeeds = () => {
    if (feedTimer) return;
    feedTimer = setTimeout(() => {
      feedTimer = null;
      feedLast = Date.now();
      for (const p of cockpit.panels) if (p.def.kind === 'feed' || p.def.kind === 'map' || p.def.kind === 'orders') p.refresh();
    }, Math.max(0, feedLast + 1000 - Date.now()));
  };
  es.addEventListener('alert', refreshFeeds);
  es.addEventListener('order', refreshFeeds);
  // The server lost our place (restart, or we were away too long): reload every panel.
  es.addEventListener('reset', () => { for (const p of cockpit.panels) p.refresh(); });
  function setLive(on) {
    live.className = 'live ' + (on ? 'on' : 'off');
    live.textContent = on ? t('实时', 'live') : t('重连中', 'reconnecting');
  }
}

// ---- clock and freshness ----

const WEEK_ZH = ['日', '一', '二', '三', '四', '五', '六'];

function tickClock() {
  const now = Date.now(), day = weekday(now);
  $('clock').textContent = `${clock(now)} ` + t('星期' + WEEK_ZH[day], ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][day]);
  const last = Math.max(cockpit.lastTick, cockpit.loadedAt);
  if (last) {
    const s = Math.max(0, Math.round((Date.now() - last) / 1000));
    $('fresh').textContent = t(`数据更新于 ${s} 秒前`, `updated ${s} s ago`);
    $('fresh').dataset.age = String(s);
  }
  setTimeout(tickClock, 1000 - (Date.now() % 1000));
}

$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
});

// Re-draws everything in the new language.
export function relabel() {
  if ($('viewport').hidden || !cockpit.dash) return;
  fillSelector();
  const setLiveText = $('live');
  setLiveText.textContent = setLiveText.classList.contains('on') ? t('实时', 'live') : t('重连中', 'reconnecting');
  show(cockpit.region, cockpit.module);
  closePortrait();
}

