// dom.js - building elements without parsing HTML: everything shown comes
// from the server or the pack and goes in as text. Used by every page.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

// Sets attrs on e and appends kids, by el()'s rules.
function fill(e, attrs, kids) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class' && !(e instanceof SVGElement)) e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    e.append(k instanceof Node ? k : String(k));
  }
  return e;
}

/**
 * el('td', {class: 'x', onclick: f, text: 'label'}, 'text', child, ...).
 * Attributes: null, undefined and false are left out; true is an empty
 * attribute; `class` sets className, `text` the text content, `onNAME` adds
 * a listener; anything else is setAttribute. Children: null, undefined and
 * false are left out; nodes are appended, anything else as text.
 */
export function el(tag, attrs = {}, ...kids) {
  return fill(document.createElement(tag), attrs, kids);
}

/** el() for SVG: svg('circle', {cx: 4, cy: 4, r: 2}, svg('title', {}, 'text')). */
export function svg(tag, attrs = {}, ...kids) {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, kids);
}
