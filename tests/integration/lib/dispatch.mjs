// dispatch.mjs - a Gongshu world for the early-warning and dispatch tests:
// the real server with ZZ_TEST_CLOCK=1 (POST /api/v1/_test/clock pins the
// clock and runs due timers), the staff of a dispatch desk and some
// departments, ingest tokens for the sources whose metrics the rules watch,
// and small helpers that fail with the server's answer in the message.
import assert from 'node:assert/strict';
import { createWorld, GONGSHU_PACK, show } from '../harness.mjs';

process.env.ZZ_TEST_CLOCK = '1';

export const STAFF = {
  disp: { role: 'dispatcher', password: 'disp-pass-0001' },
  disp_dx: { role: 'dispatcher', password: 'disp-pass-0002', scope: 'gongshu/dongxin' },
  um: { role: 'officer', department: 'urban_mgmt', password: 'um-pass-00001' },
  tp: { role: 'officer', department: 'traffic_police', password: 'tp-pass-00001' },
  ms: { role: 'officer', department: 'market_supervision', password: 'ms-pass-00001' },
  fire: { role: 'officer', department: 'fire', password: 'fire-pass-0001' },
  police: { role: 'officer', department: 'police', password: 'police-pass-01' },
  ct: { role: 'officer', department: 'culture_tourism', password: 'ct-pass-00001' },
};

export const SOURCES = ['smart_site', 'smart_light', 'fire_iot', 'wenlv_flow', 'elevator_safety', 'food_eye',
  'smart_parking'];

/** A started Gongshu world with STAFF added; w.u(name) logs a staff member in. */
export async function dispatchWorld() {
  const staff = Object.entries(STAFF).map(([name, s]) => ({ name, ...s }));
  const w = await createWorld({ pack: GONGSHU_PACK, sources: SOURCES, staff });
  w.staff = {};
  w.u = async (name) => {
    if (name === 'admin' || name === 'viewer' || name === 'park') return w.as(name);
    if (!w.staff[name]) w.staff[name] = await w.login(name, STAFF[name].password);
    return w.staff[name];
  };
  const restart = w.restart;
  w.restart = async () => { w.staff = {}; return restart(); };
  /** Request as a user; returns the answer. */
  // Sessions last 12 h of the (pinned) clock: after a long jump, log in again.
  w.call = async (who, method, p, body) => {
    let r = await w.api(method, p, { cookie: await w.u(who), body });
    if (r.status === 401) {
      delete w.cookies[who];
      delete w.staff[who];
      r = await w.api(method, p, { cookie: await w.u(who), body });
    }
    return r;
  };
  /** Request as a user, asserting the status; returns the JSON. */
  w.ok = async (who, method, p, body, status = 200) => {
    const r = await w.call(who, method, p, body);
    assert.equal(r.status, status, `${method} ${p} as ${who}: ${show(r)}`);
    return r.json;
  };
  /** Pins the clock (epoch ms) or advances it (minutes) and runs due timers. */
  w.clock = async (spec) => w.ok('admin', 'POST', '/api/v1/_test/clock', spec);
  w.at = (ms) => w.clock({ now: ms });
  w.advance = (minutes) => w.clock({ advance_minutes: minutes });
  /** Ingests records with the token of source src, then lets the rules run. */
  w.feed = async (src, records) => {
    const r = await w.ingest(records, { token: w.tokens[src] });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.rejected_total, 0, show(r));
    await w.clock({});
  };
  /** Alerts of a rule (and entity), newest first. */
  w.alerts = async (rule, entity, who = 'admin') => {
    const j = await w.ok(who, 'GET', `/api/v1/alerts?rule=${rule}&limit=1000`);
    return j.alerts.filter((a) => !entity || a.entity === entity);
  };
  w.order = async (id, who = 'admin') => (await w.ok(who, 'GET', `/api/v1/orders/${id}`));
  w.act = async (who, id, action, extra = {}, status = 200) =>
    w.ok(who, 'POST', `/api/v1/orders/${id}/actions`, { action, ...extra }, status);
  return w;
}

/** Now, rounded down to a whole minute (records at whole seconds). */
export const minuteNow = () => Math.floor(Date.now() / 60000) * 60000;
export const MIN = 60000;

/** The Xintiandi block, where the desk's orders are made unless a body names another region. */
export const XTD = 'gongshu/dongxin/xintiandi';

/**
 * The dispatch desk of the work-order tests: dispatchWorld with its clock
 * pinned at a whole minute now. w.t is the pinned clock (ms), which only
 * moves forward: w.step(minutes) moves it and runs due timers; w.create(body,
 * who = 'disp', status = 201) creates an order in XTD and returns the answer.
 */
export async function deskWorld() {
  const w = await dispatchWorld();
  w.t = minuteNow();
  await w.at(w.t);
  w.step = async (minutes) => {
    w.t += minutes * MIN;
    await w.at(w.t);
  };
  w.create = (body, who = 'disp', status = 201) =>
    w.ok(who, 'POST', '/api/v1/orders', { region: XTD, ...body }, status);
  return w;
}
