// The errors of the workflow, ingest and rules in both languages (issue 12):
// real bad requests reach them through the API, and each answer carries the
// English sentence unchanged (message) and its Chinese (message_zh), with
// the words the English takes from a table (an action, a state, the reason a
// note is needed) in Chinese too; ingest's rejected lines carry both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, show } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';

let w;
const XTD = 'gongshu/dongxin/xintiandi';
const PARK = 'gongshu/kejipark';

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
});
after(async () => { await w?.close(); });

/** The error of a request that must fail with status. */
async function refused(who, method, p, body, status) {
  const r = await w.call(who, method, p, body);
  assert.equal(r.status, status, `${method} ${p} as ${who}: ${show(r)}`);
  return errorOf(r);
}

test('order actions refused: the sentence names the action and the state in the language of each', async () => {
  const c = await w.ok('disp', 'POST', '/api/v1/orders',
    { matter: 'illegal_parking', title: '东门违停', description: '消防通道被占', region: XTD, lon: 120.181, lat: 30.312 }, 201);
  const id = c.order.id;
  const act = (who, body, status) => refused(who, 'POST', `/api/v1/orders/${id}/actions`, body, status);
  await w.act('disp', id, 'dispatch', { note: '请交警处理' });

  // a step the state machine refuses (order_sm.c: action and states in Chinese)
  let e = await act('disp', { action: 'verify' }, 409);
  assert.equal(e.message, `order ${id} cannot be verified: it is dispatched, and only a resolved order can be verified`);
  assert.equal(e.message_zh, `工单 ${id} 无法核查：该工单已派单，只有已处置完成的工单才能核查`);
  e = await act('disp', { action: 'dispatch' }, 409);
  assert.equal(e.message, `order ${id} cannot be dispatched: it is dispatched, and only a reported, returned or reopened order can be dispatched`);
  assert.equal(e.message_zh, `工单 ${id} 无法派单：该工单已派单，只有已上报、已退单或已重新打开的工单才能派单`);

  // who may act (wf_access.c): the action in Chinese
  e = await act('disp', { action: 'accept' }, 403);
  assert.equal(e.message, `only an officer of department "traffic_police" can accept order ${id}`);
  assert.equal(e.message_zh, `只有部门“traffic_police”的处置人员才能执行“签收”（工单 ${id}）`);
  e = await act('tp', { action: 'verify' }, 403);
  assert.equal(e.message, 'only a dispatcher can verify an order');
  assert.equal(e.message_zh, '只有派单员才能对工单执行“核查”');

  // a note needed (wf_actions.c): the reason in Chinese
  e = await act('tp', { action: 'resolve' }, 400);
  assert.equal(e.field, 'note');
  assert.equal(e.message, 'resolve needs a note saying what was done');
  assert.equal(e.message_zh, '处置完成需要填写说明：做了哪些处置');
  e = await act('disp', { action: 'fly' }, 400);
  assert.match(e.message, /^action must be one of dispatch, accept, /);
  assert.match(e.message_zh, /^action 须为 dispatch（派单）、accept（签收）、/);

  // a closed order: the tail of the sentence in Chinese
  for (const [who, a, note] of [['tp', 'accept'], ['tp', 'resolve', '已拖离'], ['disp', 'verify'], ['disp', 'close', '办结']]) {
    await w.act(who, id, a, note ? { note } : {});
  }
  e = await act('tp', { action: 'accept' }, 409);
  assert.equal(e.message, `order ${id} cannot be accepted: it is closed, and a closed order can only be reopened`);
  assert.equal(e.message_zh, `工单 ${id} 无法签收：该工单已办结，已办结的工单只能重新打开`);
  e = await refused('disp', 'POST', `/api/v1/orders/${id}/priority`, { priority: 'high' }, 409);
  assert.equal(e.message, `order ${id} is closed: its priority no longer matters`);
  assert.equal(e.message_zh, `工单 ${id} 已办结：优先级已无意义`);
});

test('ingest: each rejected line has message and message_zh', async () => {
  const body = [
    JSON.stringify({ entity: 'no-such-site', metric: 'pm10', ts: Date.now() - 60e3, value: 10 }),
    '[1]',
    JSON.stringify({ entity: 'kp-site-02', metric: 'pm10', ts: Date.now() - 60e3 }),
    JSON.stringify({ entity: 'kp-site-02', metric: 'pm10', ts: '2026-13-40', value: 1 }),
  ].join('\n') + '\n';
  const r = await w.ingest(body, { token: w.tokens.smart_site });
  assert.equal(r.status, 400, `nothing accepted: ${show(r)}`);
  assert.equal(r.json.rejected_total, 4, show(r));
  const by = Object.fromEntries(r.json.rejected.map((x) => [x.line, x]));
  assert.equal(by[1].code, 'unknown_entity');
  assert.equal(by[1].message, 'entity "no-such-site" does not exist');
  assert.equal(by[1].message_zh, '对象“no-such-site”不存在');
  assert.equal(by[2].message, 'line must be a JSON object');
  assert.equal(by[2].message_zh, '每一行必须是 JSON 对象');
  assert.equal(by[3].message, 'missing field "value"');
  assert.equal(by[3].message_zh, '缺少字段“value”');
  assert.equal(by[4].message, 'field "ts" is not RFC3339 or epoch milliseconds: "2026-13-40"');
  assert.equal(by[4].message_zh, '字段“ts”既不是 RFC3339 时间，也不是纪元毫秒数：“2026-13-40”');
});

test('rule checks: a sentence built from a word of the check (check_fail_err) is Chinese throughout', async () => {
  const def = { name_zh: '扬尘预览', name_en: 'Dust preview', kind: 'threshold', metric: 'pm10', entity_type: 'site',
    region: PARK, severity: 'major', condition: { op: 'above', value: 150, for_minutes: -1 } };
  const e = await refused('admin', 'POST', '/api/v1/rules/preview', def, 400);
  assert.equal(e.field, 'condition.for_minutes');
  assert.equal(e.message, 'condition.for_minutes must be a number of minutes from 0 and at most a year');
  assert.equal(e.message_zh, 'condition.for_minutes 须为不小于 0 且不超过一年的分钟数');
});
