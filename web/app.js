// app.js - the sign-in and status page: logs in, then shows the seed's
// year-to-date figures for the Xintiandi block and the source platforms,
// every number read from the API. Chinese by default, English on a switch.
const BLOCK = 'gongshu/dongxin/xintiandi';
let lang = localStorage.getItem('zz-lang') || 'zh';
const $ = (id) => document.getElementById(id);

async function api(path, opts = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...opts });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.error ? body.error.message : res.statusText), { status: res.status });
  return body;
}

// 13000 -> 1.3万, 70000000 -> 7000万 (Chinese style); English uses grouping.
function big(n) {
  if (n == null || Number.isNaN(n)) return '—';
  if (lang === 'en') return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1e8) return +(n / 1e8).toFixed(2) + '亿';
  if (Math.abs(n) >= 1e4) return +(n / 1e4).toFixed(2) + '万';
  return String(Math.round(n));
}

function pct(change) {
  if (change == null) return '—';
  const s = (change * 100).toFixed(2) + '%';
  return change > 0 ? '+' + s : s;
}

function translate() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-zh]')) el.textContent = el.dataset[lang];
  $('lang').textContent = lang === 'zh' ? 'EN' : '中文';
}

function localDate(ms) {
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);
}

async function showStatus() {
  const me = await api('/api/v1/me');
  $('who').textContent = `${me.user.name} · ${me.user.role}`;
  $('login').hidden = true;
  $('status').hidden = false;
  const year = localDate(Date.now()).slice(0, 4);
  const from = encodeURIComponent(`${year}-01-01T00:00:00+08:00`);
  for (const metric of ['visitors', 'police_incidents', 'illegal_parking_complaints']) {
    const s = await api(`/api/v1/series?metric=${metric}&region=${BLOCK}&grain=month&from=${from}&compare=yoy`);
    $('v-' + metric).textContent = pct(s.change);
    $('v-' + metric).className = 'value ' + (s.change > 0 ? 'up' : 'down');
    $('s-' + metric).textContent = (lang === 'zh' ? '今年 ' : 'this year ') + big(s.total) + (lang === 'zh' ? ' · 去年同期 ' : ' · same period last year ') + big(s.previous_total);
  }
  const days = await api(`/api/v1/series?metric=visitors&region=${BLOCK}&grain=day&from=${from}`);
  let peak = { v: 0, t: '' };
  for (const p of days.points) if ((p.v || 0) > peak.v) peak = p;
  $('v-peak').textContent = big(peak.v);
  $('s-peak').textContent = peak.t.slice(0, 10);
  const [src, health] = await Promise.all([api('/api/v1/sources'), api('/healthz')]);
  $('totals').textContent = lang === 'zh'
    ? `${src.sources.length} 个平台，共 ${big(health.records)} 条记录`
    : `${src.sources.length} platforms, ${big(health.records)} records`;
  const rows = src.sources.map((s) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    name.textContent = lang === 'zh' ? s.name_zh : s.name_en || s.name_zh;
    const n = document.createElement('td');
    n.className = 'num';
    n.textContent = big(s.records);
    const seen = document.createElement('td');
    seen.textContent = s.last_seen ? s.last_seen.replace('T', ' ').slice(0, 19) : '—';
    tr.append(name, n, seen);
    return tr;
  });
  $('sources').replaceChildren(...rows);
}

function showLogin(message = '') {
  $('status').hidden = true;
  $('login').hidden = false;
  $('who').textContent = '';
  $('login-error').textContent = message;
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  try {
    await api('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: form.get('name'), password: form.get('password') }) });
    await showStatus();
  } catch (e) {
    showLogin(e.message);
  }
});

$('logout').addEventListener('click', async () => {
  await api('/api/v1/logout', { method: 'POST' }).catch(() => {});
  showLogin();
});

$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('zz-lang', lang);
  translate();
  if (!$('status').hidden) showStatus().catch(() => {});
});

translate();
showStatus().catch((e) => showLogin(e.status === 401 ? '' : e.message));
