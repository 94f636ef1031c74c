// Errors of src/model, src/core and src/pack through the API say what is
// wrong in Chinese too (message_zh, issue 12), while message keeps its English
// word for word: user checks (model/accounts.c) and the JSON checking kit
// (core/check.c) reached through a matter, whose absent members and numbers out
// of range used to pass their English sentence along as "%s".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

async function post(path, body, method = 'POST') {
  return w.api(method, path, { cookie: await w.as('admin'), body });
}

// Asserts a 400 whose sentences are exactly en and zh, on field.
function bad(r, field, en, zh) {
  assert.equal(r.status, 400, show(r));
  const e = errorOf(r);
  assert.equal(e.code, 'invalid', show(r));
  assert.equal(e.field, field, show(r));
  assert.equal(e.message, en);
  assert.equal(e.message_zh, zh);
}

const user = { name: 'clerk_1', role: 'dispatcher', password: 'long-enough-pass-1' };

test('POST /api/v1/users: a bad name, role, department or password is said in both languages', async () => {
  bad(await post('/api/v1/users', { ...user, name: 'a/b' }), 'name',
    "name has '/' at character 2; use letters, digits, '_', '.' or '-'",
    '用户名含有“/”（第 2 个字符）；只能使用字母、数字、_、. 或 -');
  bad(await post('/api/v1/users', { ...user, role: 'chief' }), 'role',
    'unknown role "chief"; use admin, dispatcher, officer, viewer or park_manager',
    '未知角色“chief”；请使用 admin、dispatcher、officer、viewer 或 park_manager');
  const depts = (await w.get('admin', '/api/v1/departments')).json;
  const n = (Array.isArray(depts) ? depts : depts.departments).length;
  bad(await post('/api/v1/users', { ...user, department: 'fire' }), 'department',
    `department "fire" is not one of the pack's ${n} departments (see GET /api/v1/departments)`,
    `部门“fire”不在配置包的 ${n} 个部门之中（见 GET /api/v1/departments）`);
  bad(await post('/api/v1/users', { ...user, password: 'short' }), 'password',
    'password has 5 characters; it needs at least 10 (密码至少需要 10 个字符)',
    '密码只有 5 个字符，至少需要 10 个；请设置不少于 10 个字符的密码');
  bad(await post('/api/v1/users', { ...user, password: 'xxxxxxxxxxxx' }), 'password',
    'password is one character repeated; choose a less guessable one (密码不能由同一个字符组成)',
    '密码不能由同一个字符组成，请换一个不易猜到的密码');
  // nothing was created
  const list = await w.get('admin', '/api/v1/users');
  assert.equal(list.status, 200, show(list));
  assert.ok(!JSON.stringify(list.json).includes('clerk_1'), show(list));
});

const matter = {
  name_zh: '噪音扰民', name_en: 'Noise', kind: 'complaint', departments: ['police'],
  sla_accept_minutes: 30, sla_resolve_minutes: 600,
};

test('PUT /api/v1/matters/:id: an absent member and a number out of range carry their Chinese', async () => {
  const { kind, ...noKind } = matter;
  assert.equal(kind, 'complaint');
  // the absent member's sentence is passed along by the checking kit
  bad(await post('/api/v1/matters/noise', noKind, 'PUT'), 'kind', 'kind is required', 'kind 为必填项');
  // the range sentence is built in both languages
  bad(await post('/api/v1/matters/noise', { ...matter, sla_accept_minutes: -5 }, 'PUT'),
    'sla_accept_minutes',
    'sla_accept_minutes must be an integer from 0 to 527040, not -5',
    'sla_accept_minutes 须为 0 到 527040 之间的整数，不能是 -5');
  bad(await post('/api/v1/matters/noise', { ...matter, departments: [] }, 'PUT'), 'departments',
    'departments must list 1 to 12 items', 'departments 须列出 1 到 12 项');
  bad(await post('/api/v1/matters/noise', { ...matter, kind: 'rumour' }, 'PUT'), 'kind',
    `kind must be one of ${(await kinds())}`, `kind 必须是以下之一：${(await kinds())}`);
  // and a good one is taken, so the failures above were about what they say
  const ok = await post('/api/v1/matters/noise', matter, 'PUT');
  assert.ok(ok.status === 200 || ok.status === 201, show(ok));
});

// The kinds a matter may have, as the English sentence lists them.
async function kinds() {
  const r = await post('/api/v1/matters/noise', { ...matter, kind: 'rumour' }, 'PUT');
  return errorOf(r).message.replace(/^kind must be one of /, '');
}
