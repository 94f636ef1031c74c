// Shared by the mobile intake pages: a language switch that keeps what was
// typed, the material types and sizes. The page tools (elements that never
// parse HTML, language, the API and uploads with progress, times in
// Asia/Shanghai) are imported from lib/ where they are used.
import { setupLang as setupLangLib, pick } from '../lib/i18n.js';
import { el } from '../lib/dom.js';

// Redraws, keeping what the user has typed or chosen in the page's fields
// (by id; files too): switching the language mid-form must not lose it.
function redrawKeepingInputs(render) {
  const saved = new Map();
  for (const x of document.querySelectorAll('input[id], select[id], textarea[id]')) {
    saved.set(x.id, x.type === 'file' ? x.files : x.type === 'checkbox' || x.type === 'radio' ? x.checked : x.value);
  }
  render();
  for (const [id, v] of saved) {
    const x = document.getElementById(id);
    if (!x || !('value' in x)) continue;
    if (x.type === 'file') { if (v && v.length) x.files = v; }
    else if (x.type === 'checkbox' || x.type === 'radio') x.checked = v;
    else if ([...(x.options || [])].some((o) => o.value === v) || !x.options) x.value = v;
  }
}

/** Wires the #lang switch; a switch redraws with render, keeping inputs. */
export function setupLang(render) {
  setupLangLib(() => redrawKeepingInputs(render));
}

// What every phone page may have to say about a failed request.
export const PHONE_WORDS = {
  busy: ['请求过于频繁，请稍后再试。', 'Too many requests, please try again shortly.'],
  offline: ['网络异常，请稍后再试。', 'Network error, please try again.'],
};

// The file types application materials declare, as browsers name them.
export const MATERIAL_MIME = { pdf: 'application/pdf', jpeg: 'image/jpeg', png: 'image/png' };

// "10 MB" for a byte count (whole megabytes, as the caps are).
export function megabytes(n) {
  return `${Math.round(n / 1048576)} MB`;
}

/** The input for a matter's form field f (id f_ID); a location starts as location. */
export function formField(f, location = '') {
  const id = 'f_' + f.id, req = !!f.required;
  const common = { id, name: f.id, required: req && f.type !== 'photo' };
  switch (f.type) {
    case 'textarea': return el('textarea', { ...common, maxlength: f.max || 2000 });
    case 'choice': return el('select', common, el('option', { value: '', text: '—' }), ...f.options.map((o) => el('option', { value: o.id, text: pick(o, 'label') })));
    case 'date': return el('input', { ...common, type: 'date' });
    case 'phone': return el('input', { ...common, type: 'tel', maxlength: 20 });
    case 'photo': return el('input', { ...common, type: 'file', accept: 'image/jpeg,image/png' });
    case 'location': return el('input', { ...common, type: 'text', value: location, maxlength: f.max || 200 });
    default: return el('input', { ...common, type: 'text', maxlength: f.max || 200 });
  }
}
