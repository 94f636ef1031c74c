// api.js - calling zhizhi's API from a page. The server's errors are
// {"error":{"code","message","message_zh","field"}}; every failure reaches
// the caller as one ApiError {status, code, message, field}, its message in
// the page's language (message_zh on a Chinese page): status 0 when the
// network failed, code null when the answer was not in that shape.
import { lang, t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// The ApiError for a failed answer's status and parsed body (or null).
function failure(status, body, statusText) {
  const e = (body && typeof body === 'object' && body.error) || null;
  if (!e) return new ApiError(status, null, statusText || `HTTP ${status}`, null);
  const said = (lang === 'zh' && e.message_zh) || e.message;
  return new ApiError(status, e.code ?? null, said || statusText || `HTTP ${status}`, e.field ?? null);
}

/**
 * Fetches path with the session cookie and resolves with the JSON answer
 * ({} when it has none); rejects with an ApiError. opts are fetch's, plus
 * `json`: a body sent as JSON (POST unless opts.method says otherwise).
 */
export async function api(path, opts = {}) {
  const { json, ...init } = opts;
  init.credentials = 'same-origin';
  if (json !== undefined) {
    init.method = init.method || 'POST';
    init.headers = { 'Content-Type': 'application/json', ...(opts.headers || {}) };
    init.body = JSON.stringify(json);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null, t('网络连接失败，请检查网络后重试', 'Network error: check the connection and try again'), null);
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw failure(res.status, body, res.statusText);
  return body || {};
}

/**
 * PUTs a file as the raw request body, reporting progress (0..1) as it
 * goes (fetch cannot tell upload progress); resolves with the JSON answer,
 * rejects with an ApiError like api().
 */
export function putFile(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', url);
    x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    x.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (x.status < 200 || x.status >= 300) { reject(failure(x.status, body, x.statusText)); return; }
      if (onProgress) onProgress(1);
      resolve(body || {});
    };
    x.onerror = () => reject(new ApiError(0, null, t('网络连接失败，请检查网络后重试', 'Network error: check the connection and try again'), null));
    x.send(file);
  });
}

/** What to tell a person about a failure: the server's message, or
 * `fallback` when there is none (the network failed, the answer was not
 * the API's error shape). */
export function said(e, fallback = '') {
  return (e instanceof ApiError && e.code && e.message) || fallback;
}

/** Like said(), but where the failure names a field of the form (e.field
 * is a key of labels, e.g. {'fields.when': '发生时间'}), the field's
 * identifier in the sentence becomes its label as the person sees it:
 * "fields.when 为必填项" reads "「发生时间」为必填项". */
export function saidOf(e, labels, fallback = '') {
  const text = said(e, fallback);
  const label = e instanceof ApiError && e.field && labels && Object.hasOwn(labels, e.field) ? labels[e.field] : null;
  if (!label || !text.includes(e.field)) return text;
  // Chinese sets the label in corner brackets, which need no space beside them.
  if (lang === 'zh') return text.split(e.field + ' ').join(`「${label}」`).split(e.field).join(`「${label}」`);
  return text.split(e.field).join(`"${label}"`);
}
