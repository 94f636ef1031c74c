// stream.test.mjs - GET /api/v1/stream: Server-Sent Events from the bus.
// A committed record shows up as a tick naming its metric; a reconnect with
// Last-Event-ID gets what it missed; a stale id gets a reset; each user holds
// a bounded number of streams; vanished clients free their slot; the server
// stops promptly with streams open.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {World} from './lib/world.mjs';

let w;
before(async () => {
  w = new World().setup();
  await w.start();
});
after(async () => {
  await w.stop();
  w.cleanup();
});

// Opens a stream and parses events as they come. next(pred, ms) resolves
// with the first event (past or future) that pred accepts; ms only bounds a
// hang (how fast events come is the cockpit benchmark's figure, bench/RESULTS.md).
async function open(as, {lastId, query = ''} = {}) {
  const headers = {cookie : w.cookies[as] || (await w.login(as))};
  if (lastId) headers['last-event-id'] = lastId;
  const ac = new AbortController();
  const res = await fetch(`${w.base}/api/v1/stream${query}`, {headers, signal : ac.signal});
  const s = {res, events : [], waiters : [], close : () => ac.abort()};
  if (res.status !== 200) return s;
  (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += dec.decode(chunk, {stream : true});
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = {event : 'message', data : ''};
          let has = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'id')
              ev.id = v;
            else if (k === 'event')
              ev.event = v;
            else if (k === 'data') {
              ev.data = v;
              has = true;
            }
          }
          if (!has) continue;
          ev.json = JSON.parse(ev.data);
          s.events.push(ev);
          for (const wt of [...s.waiters])
            if (wt.pred(ev)) {
              s.waiters.splice(s.waiters.indexOf(wt), 1);
              wt.resolve(ev);
            }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  s.next = (pred, ms = 30000) => {
    const hit = s.events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const wt = {pred, resolve};
      s.waiters.push(wt);
      setTimeout(() => reject(new Error(`no matching event within ${ms} ms; got ${
                     JSON.stringify(s.events.map((e) => e.event))}`)),
                 ms);
    });
  };
  return s;
}

const rec = (metric, value, entity = 'xtd-cnt-01') =>
    ({entity, metric, ts : Date.now() - 1000, value});

async function entityOf(type) {
  const r = await w.api('GET', `/api/v1/entities?type=${type}&limit=1`, {as : 'admin'});
  return r.json.entities[0].id;
}

test('a stream needs a session', async () => {
  const r = await fetch(`${w.base}/api/v1/stream`);
  assert.equal(r.status, 401);
});

test('a committed record reaches an open stream as a tick naming its metric',
     async () => {
       const s = await open('admin');
       assert.equal(s.res.status, 200);
       assert.match(s.res.headers.get('content-type'), /^text\/event-stream/);
       const hello = await s.next((e) => e.event === 'hello');
       assert.match(hello.id, /^\d+-\d+$/);
       const counter = await entityOf('counter');
       const r = await w.ingest([ rec('visitors', 5, counter) ]);
       assert.equal(r.status, 200, r.text);
       const tick = await s.next((e) => e.event === 'tick' && e.json.metrics.includes('visitors'));
       assert.ok(tick.json.records >= 1);
       assert.ok(tick.json.total >= 1);
       s.close();
     });

test('a reconnect with Last-Event-ID gets the events it missed; a stale id gets a reset',
     async () => {
       const s = await open('admin');
       const hello = await s.next((e) => e.event === 'hello');
       s.close();
       const lights = await entityOf('street_light');
       assert.equal((await w.ingest([ rec('light_status', 1, lights) ])).status, 200);
       // wait for the tick to be published while nobody listens
       await new Promise((r) => setTimeout(r, 1200));
       const again = await open('admin', {lastId : hello.id});
       const missed = await again.next(
           (e) => e.event === 'tick' && e.json.metrics.includes('light_status'));
       assert.ok(missed.id > hello.id || missed.id.length >= hello.id.length);
       assert.equal(again.events.find((e) => e.event === 'hello'), undefined,
                    'a resumed stream does not say hello');
       again.close();

       const stale = await open('admin', {lastId : '1-5'});
       const reset = await stale.next((e) => e.event === 'reset');
       assert.match(reset.id, /^\d+-\d+$/);
       stale.close();
     });

test('a user holds at most 16 streams (429 beyond); closed streams give their slot back',
     async () => {
       await w.login('viewer_dx');
       const open16 = [];
       for (let i = 0; i < 16; i++) {
         const s = await open('viewer_dx');
         assert.equal(s.res.status, 200);
         open16.push(s);
       }
       const over =
           await fetch(`${w.base}/api/v1/stream`, {headers : {cookie : w.cookies.viewer_dx}});
       assert.equal(over.status, 429);
       assert.equal(over.headers.get('retry-after'), '1');
       assert.equal((await over.json()).error.code, 'too_many_requests');
       // another user is not affected
       const other = await open('park');
       assert.equal(other.res.status, 200);
       other.close();
       for (const s of open16) s.close();
       // the server notices the vanished clients at their next write (a tick)
       const counter = await entityOf('counter');
       let ok = false;
       for (let i = 0; i < 20 && !ok; i++) {
         await w.ingest([ rec('visitors', 1, counter) ]);
         await new Promise((r) => setTimeout(r, 600));
         const s = await open('viewer_dx');
         ok = s.res.status === 200;
         s.close();
       }
       assert.ok(ok, 'slots were given back');
     });

test('the server stops with streams open', async () => {
  const s1 = await open('admin');
  const s2 = await open('admin');
  await s1.next((e) => e.event === 'hello');
  const res = await w.stop('SIGTERM');
  assert.equal(res.code, 0, w.stderr);
  s1.close();
  s2.close();
});
