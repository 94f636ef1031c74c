// Shared by the mobile intake pages: language (Chinese first, English
// switch kept in localStorage), element building that never parses HTML
// (everything shown comes from the server or the pack and is set as text),
// the API call, and file uploads with progress for application materials.
export let lang = localStorage.getItem('zz_lang') === 'en' ? 'en' : 'zh';

export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

export function pick(o, base) {
  return (lang === 'en' ? o[base + '_en'] : o[base + '_zh']) || o[base + '_zh'] || o[base + '_en'] || '';
}

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

export function setupLang(render) {
  const b = document.getElementById('lang');
  const paint = () => { b.textContent = lang === 'zh' ? 'EN' : '中文'; document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'; };
  paint();
  b.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('zz_lang', lang);
    paint();
    redrawKeepingInputs(render);
  });
}

export async function api(method, url, body) {
  const opt = { method, headers: {} };
  if (body !== undefined) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body); }
  let res;
  try { res = await fetch(url, opt); } catch { return { status: 0, data: null }; }
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, data };
}

export function fmtTime(s) {
  if (!s) return '';
  return s.replace('T', ' ').slice(0, 16);
}

// PUTs a file as the raw request body, reporting progress (0..1) as it
// goes (fetch cannot tell upload progress); resolves {status, data}, status
// 0 when the network failed.
export function putFile(url, file, onProgress) {
  return new Promise((resolve) => {
    const x = new XMLHttpRequest();
    x.open('PUT', url);
    x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    x.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (onProgress && x.status < 300) onProgress(1);
      resolve({ status: x.status, data });
    };
    x.onerror = () => resolve({ status: 0, data: null });
    x.send(file);
  });
}

// The file types application materials declare, as browsers name them.
export const MATERIAL_MIME = { pdf: 'application/pdf', jpeg: 'image/jpeg', png: 'image/png' };

// "10 MB" for a byte count (whole megabytes, as the caps are).
export function megabytes(n) {
  return `${Math.round(n / 1048576)} MB`;
}
