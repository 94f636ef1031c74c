// fit.mjs - what the layout tests check on any page (the cockpit's own
// panel checks are in cockpit-wall.test.mjs): run inspectFit in the page
// (page.evaluate(inspectFit)) and get a list of problems, empty when the
// page reads well. A text that shows must stay inside the box that holds it
// (its own box, or for inline text the nearest block around it) and inside
// the window's width; no two texts may cover each other; the items of the
// shared top bar (lib/nav.js) may not overlap; no raw identifier (region
// paths, xtd- entity keys, citizen: reporters) may be read.

/** Runs in the page: the problems of what is on screen, as sentences. */
export function inspectFit() {
  const problems = [];
  const W = document.documentElement.clientWidth;
  const tol = 1.5;
  const say = (e) => JSON.stringify(e.textContent.trim().replace(/\s+/g, ' ').slice(0, 40));
  const where = (e) => {
    const parts = [];
    for (let p = e; p && p !== document.body && parts.length < 3; p = p.parentElement) parts.unshift(p.id ? '#' + p.id : p.tagName.toLowerCase() + (p.classList[0] ? '.' + p.classList[0] : ''));
    return parts.join(' > ');
  };
  // Glyph boxes of adjacent lines touch through their leading: a real
  // overlap covers a good part of the smaller box both ways.
  const collide = (a, b) => {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left), y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (x <= 2 || y <= 2) return false;
    return x > 0.3 * Math.min(a.right - a.left, b.right - b.left) && y > 0.35 * Math.min(a.bottom - a.top, b.bottom - b.top);
  };
  const shown = (e) => {
    for (let p = e; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.visibility === 'hidden' || s.display === 'none' || Number(s.opacity) === 0) return false;
    }
    return true;
  };

  const leaves = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('select, option, script, style, svg, canvas, noscript, template, dialog:not([open])')) continue;
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const range = document.createRange();
    range.selectNodeContents(e);
    const r = range.getBoundingClientRect();
    if (r.width < 0.5 || r.height < 0.5 || !shown(e)) continue;
    // what shows of the text: cut by every clipping box around it
    let vis = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    for (let p = e; p && vis; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (!/(auto|scroll|hidden|clip)/.test(s.overflowX + s.overflowY)) continue;
      const cr = p.getBoundingClientRect();
      vis = { left: Math.max(vis.left, cr.left), right: Math.min(vis.right, cr.right), top: Math.max(vis.top, cr.top), bottom: Math.min(vis.bottom, cr.bottom) };
      if (vis.right - vis.left < 1 || vis.bottom - vis.top < 1) vis = null;
    }
    if (!vis) continue;
    // the box that holds it: its own, or for inline text the block around it
    let box = e;
    while (box.parentElement && getComputedStyle(box).display.startsWith('inline') && !/^(BUTTON|INPUT|A)$/.test(box.tagName) && getComputedStyle(box).display !== 'inline-block') box = box.parentElement;
    const br = box.getBoundingClientRect();
    if (vis.left < br.left - tol || vis.right > br.right + tol) problems.push(`${where(e)} ${say(e)} is wider than its box (${Math.round(vis.right - vis.left)} > ${Math.round(br.width)} px)`);
    if (vis.left < -tol || vis.right > W + tol) problems.push(`${where(e)} ${say(e)} leaves the window (${Math.round(vis.left)}..${Math.round(vis.right)} of ${W})`);
    leaves.push({ e, r: vis });
  }
  for (let i = 0; i < leaves.length; i++) {
    for (let k = i + 1; k < leaves.length; k++) {
      const a = leaves[i], b = leaves[k];
      if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
      if (collide(a.r, b.r)) problems.push(`${where(a.e)} ${say(a.e)} overlaps ${where(b.e)} ${say(b.e)}`);
    }
  }
  // the top bar's items side by side, never on one another
  for (const bar of document.querySelectorAll('.zz-nav')) {
    const items = [...bar.querySelectorAll(':scope > *, .zz-nav-links > a')].filter((x) => !x.classList.contains('zz-nav-links'))
      .map((x) => ({ x, r: x.getBoundingClientRect() })).filter((i) => i.r.width > 0.5 && i.r.height > 0.5);
    for (let i = 0; i < items.length; i++) {
      for (let k = i + 1; k < items.length; k++) {
        const a = items[i].r, b = items[k].r;
        if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1) problems.push(`top bar: ${say(items[i].x)} overlaps ${say(items[k].x)}`);
      }
    }
  }
  // a pane wider inside than outside: its right side is cut or scrolls sideways
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('select, textarea, input, svg, canvas') || !e.clientWidth) continue;
    const s = getComputedStyle(e);
    if (!/(auto|scroll|hidden|clip)/.test(s.overflowX) || s.textOverflow === 'ellipsis' || !shown(e)) continue;
    if (e.scrollWidth > e.clientWidth + 2 && e.getBoundingClientRect().height > 8) problems.push(`${where(e)} is ${e.scrollWidth - e.clientWidth} px too narrow for what it holds`);
  }
  if (document.documentElement.scrollWidth > W + 1) problems.push(`the page is ${document.documentElement.scrollWidth - W} px wider than the window`);
  const text = document.body.innerText;
  // (units such as μg/m³ or km/h are not paths: path segments have two letters or more)
  for (const re of [/\b[a-z]{2,}(\/[a-z_]{2,})+\b/, /xtd-/, /citizen:/]) {
    const m = text.match(re);
    if (m) problems.push(`raw id on screen: ${m[0]}`);
  }
  return problems;
}
