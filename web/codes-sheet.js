// The printable sheet of a region's codes (admin): venue name, QR and the
// short instruction; the QR images are rendered by the server.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';

const q = new URLSearchParams(location.search);
if (q.get('region')) $('region').value = q.get('region');
if (q.get('kind')) $('kind').value = q.get('kind');

// The sheet is posted on site: Chinese whatever the operator reads.
function card(c) {
  return el('div', { class: 'card' },
    el('div', { class: 'name', text: c.entity_name_zh || c.entity }),
    el('img', { src: c.qr_svg, alt: c.entity }),
    el('div', { class: 'hint', text: c.kind === 'enterprise' ? '企业码：扫码办理审批、反映诉求' : '扫码反映问题：噪音、卫生、价格、食品安全等，全程可查进度' }));
}

async function load() {
  const sheet = $('sheet');
  sheet.replaceChildren();
  let cursor = null, n = 0;
  do {
    const u = new URLSearchParams({ region: $('region').value, kind: $('kind').value, state: 'active', limit: '500' });
    if (cursor) u.set('cursor', cursor);
    let d;
    try {
      d = await api('/api/v1/codes?' + u);
    } catch (e) {
      $('msg').textContent = e.message;
      return;
    }
    for (const c of d.codes) { sheet.append(card(c)); n++; }
    cursor = d.next_cursor;
  } while (cursor);
  $('msg').textContent = `${n}`;
}
$('go').addEventListener('click', load);
$('print').addEventListener('click', () => window.print());
load();
