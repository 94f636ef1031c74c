// dom.js - building elements without parsing HTML: everything shown comes
// from the server or the pack and goes in as text. Used by every page.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * el('td', {class: 'x', onclick: f, text: 'label'}, 'text', child, ...).
 * Attributes: null, undefined and false are left out; true is an empty
 * attribute; `class` sets className, `text` the text content, `onNAME` adds
 * a listener; anything else is setAttribute. Children: null, undefined and
 * false are left out; nodes are appended, anything else as text.
 */
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
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
