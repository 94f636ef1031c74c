// intake.mjs - issue 5 figure: N phones (default 500) submit a report at
// once through the public intake (POST /api/public/codes/TOKEN/reports,
// spread over the Xintiandi venues' customer codes and the complaint
// matters, a third with a small photo); the time from sending to the
// receipt, and whether every accepted report is an order afterwards.
// Real server, Gongshu pack, temp data dir. The public rate limits are
// scaled up (ZZ_PUBLIC_RATE_SCALE) since every phone here is 127.0.0.1.
// Usage: node bench/intake.mjs [--phones N] [--rounds R]
import { createWorld, GONGSHU_PACK } from '../tests/integration/harness.mjs';

process.env.ZZ_PUBLIC_RATE_SCALE = '100000';
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PHONES = arg('--phones', 500);
const ROUNDS = arg('--rounds', 1);
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex').toString('base64');
const BODIES = [
  { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: '音乐太响', phone: '13800000000' } },
  { matter: 'environmental_hygiene', fields: { details: '垃圾未清运' } },
  { matter: 'illegal_parking', fields: { plate: '浙A00000' } },
  { matter: 'food_safety', fields: { problem: 'hygiene', meal_date: '2026-11-28', details: '后厨卫生差' } },
];

const w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow'] });
try {
  const admin = await w.as('admin');
  let r = await w.api('POST', '/api/v1/codes/generate', { cookie: admin, body: { kind: 'customer', entity_type: 'venue', region: 'gongshu/dongxin/xintiandi' } });
  if (r.status !== 201) throw new Error(`generate: ${r.status} ${r.text}`);
  r = await w.api('GET', '/api/v1/codes?kind=customer&limit=1000', { cookie: admin });
  const tokens = r.json.codes.map((c) => c.token);
  const lat = [];
  let accepted = 0, refused = 0;
  const t0 = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(Array.from({ length: PHONES }, async (_, i) => {
      const body = { ...BODIES[i % BODIES.length] };
      if (!process.argv.includes('--no-photo') && i % 3 === 0 && body.matter !== 'illegal_parking') body.photo = PNG;
      const s = process.hrtime.bigint();
      const a = await w.api('POST', `/api/public/codes/${tokens[i % tokens.length]}/reports`, { body, timeout: 60000 });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (a.status === 201 && a.json.receipt) accepted++; else { refused++; if (refused < 4) console.error(a.status, a.text.slice(0, 200)); }
    }));
  }
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  // count the orders the reports made: none may be lost
  let orders = 0, cursor = null;
  do {
    const page = await w.api('GET', `/api/v1/orders?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { cookie: admin });
    orders += page.json.orders.filter((o) => o.channel === 'customer_code').length;
    cursor = page.json.next_cursor;
  } while (cursor);
  console.log(JSON.stringify({ phones: PHONES, rounds: ROUNDS, accepted, refused, orders_after: orders,
    lost: accepted - orders, p50_ms: +q(0.5).toFixed(1), p99_ms: +q(0.99).toFixed(1), max_ms: +lat[lat.length - 1].toFixed(1),
    wall_s: +wallS.toFixed(2), reports_per_s: Math.round((PHONES * ROUNDS) / wallS) }));
} finally {
  await w.close();
}
