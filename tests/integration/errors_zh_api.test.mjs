// The errors of src/api and src/http in both languages (issue 12): real bad
// requests, each answered with the English sentence unchanged and its
// Chinese (src/core/msg_zh_api.c) in message_zh, including the sentences
// whose words differ by language (authz_deny's "what", zz_strerror, the
// carried zz_time_range error) and the code_revoked body codes_public.c
// writes itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

// Asserts status, code, field and both sentences of an error answer.
function expectError(r, status, code, field, message, messageZh) {
  assert.equal(r.status, status, show(r));
  const e = errorOf(r);
  assert.equal(e.code, code, show(r));
  assert.equal(e.field, field, show(r));
  assert.equal(e.message, message);
  assert.equal(e.message_zh, messageZh);
}

test('a scoped viewer refused a region: "this region" travels in both languages with the scope', async () => {
  const r = await w.get('viewer', '/api/v1/regions/gongshu/hushu');
  expectError(r, 403, 'forbidden', 'region',
    'this region is not yours to see or change (your scope: gongshu/dongxin)',
    '你无权查看或修改此区域（你的管辖范围：gongshu/dongxin）');
});

test('query parameters: an unknown metric, a time that is not one, from after to (a carried error)', async () => {
  expectError(await w.get('admin', '/api/v1/series?metric=nope'), 404, 'not_found', 'metric',
    'metric "nope" does not exist (GET /api/v1/metrics lists them)',
    '指标“nope”不存在（GET /api/v1/metrics 可列出全部指标）');
  expectError(await w.get('admin', '/api/v1/series?metric=visitors&from=yesterday'), 400, 'invalid', 'from',
    'from "yesterday" is not RFC 3339 (2026-05-21T08:00:00+08:00) or epoch milliseconds',
    'from“yesterday”既不是 RFC 3339 时间（2026-05-21T08:00:00+08:00）也不是纪元毫秒数');
  // common.c passed zz_time_range's sentence on as "%s": its Chinese travels now
  const q = new URLSearchParams({ metric: 'visitors', from: '2026-05-02T00:00:00+08:00', to: '2026-05-01T00:00:00+08:00' });
  expectError(await w.get('admin', `/api/v1/series?${q}`), 400, 'invalid', 'from',
    'from must be before to', '开始时间须早于结束时间');
});

test('ingest with the wrong Content-Type names the two accepted types in both languages', async () => {
  const r = await w.api('POST', '/api/v1/records', { token: w.token, body: '{}', headers: { 'Content-Type': 'text/plain' } });
  expectError(r, 415, 'unsupported_media_type', 'Content-Type',
    'Content-Type must be application/x-ndjson or text/csv, not "text/plain"',
    'Content-Type 须为 application/x-ndjson 或 text/csv，而不是“text/plain”');
});

test('an admin cannot disable their own account; an unknown route is named', async () => {
  const r = await w.api('POST', '/api/v1/users/admin/disable', { cookie: await w.as('admin'), body: {} });
  expectError(r, 409, 'conflict', 'name',
    'you cannot disable your own account; another admin can',
    '你不能停用自己的账号；可由其他管理员操作');
  const n = await w.get('admin', '/api/v1/nowhere');
  assert.equal(n.status, 404, show(n));
  const e = errorOf(n);
  assert.equal(e.message, 'no route for GET /api/v1/nowhere');
  assert.equal(e.message_zh, '没有 GET /api/v1/nowhere 的路由');
});

test('a revoked code: the body codes_public.c writes itself has message_zh too', async () => {
  const g = await w.api('POST', '/api/v1/codes/generate', { cookie: await w.as('admin'),
    body: { kind: 'customer', entity_type: 'counter', region: 'gongshu' } });
  assert.ok(g.status === 200 || g.status === 201, show(g));
  const list = await w.get('admin', '/api/v1/codes?kind=customer&state=active&limit=1');
  assert.equal(list.status, 200, show(list));
  const [c] = list.json.codes;
  assert.ok(c, show(list));
  const rv = await w.api('POST', `/api/v1/codes/${c.id}/revoke`, { cookie: await w.as('admin'), body: {} });
  assert.equal(rv.status, 200, show(rv));
  const p = await w.api('GET', `/api/public/codes/${c.token}`);
  assert.equal(p.status, 410, show(p));
  assert.deepEqual(p.json, { error: { code: 'code_revoked',
    message: 'this code is no longer in use: please scan the new code on site',
    message_zh: '此码已停用：请到现场扫描新码', field: 'token' } });
  const u = await w.api('GET', '/api/public/codes/zz_nosuchcode');
  expectError(u, 404, 'not_found', 'token', 'this code is not known: please scan the code on site again',
    '无法识别此码：请到现场重新扫码');
});
