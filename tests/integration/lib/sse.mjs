// sse.mjs - a GET /api/v1/stream reader for tests: parses events as they
// come; next(pred, ms) resolves with the first event (past or future) pred
// accepts (ms only bounds a hang); close() ends it.
import http from 'node:http';

export async function openStream(base, cookie, query = '') {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/stream${query}`, { headers: { cookie }, signal: ac.signal });
  const s = { res, events: [], waiters: [], close: () => ac.abort() };
  if (res.status !== 200) return s;
  // s.ended resolves when the body ends (the server closed it, or close())
  s.ended = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = { event: 'message', data: '' };
          let has = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'id') ev.id = v;
            else if (k === 'event') ev.event = v;
            else if (k === 'data') { ev.data = v; has = true; }
          }
          if (!has) continue;
          ev.json = JSON.parse(ev.data);
          s.events.push(ev);
          for (const wt of [...s.waiters]) if (wt.pred(ev)) { s.waiters.splice(s.waiters.indexOf(wt), 1); wt.resolve(ev); }
        }
      }
    } catch { /* closed */ }
  })();
  s.next = (pred, ms = 30000) => {
    const hit = s.events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const wt = { pred, resolve };
      s.waiters.push(wt);
      setTimeout(() => reject(new Error(`no matching event within ${ms} ms; got ${JSON.stringify(s.events.map((e) => e.event))}`)), ms);
    });
  };
  return s;
}

/** A JSON request sent from a chosen loopback address (127.0.0.N): the
 * public limits are per client address. Resolves {status, headers, json, text}. */
export function fromAddress(base, localAddress, method, path, body) {
  const u = new URL(base + path);
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, localAddress,
      headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}
