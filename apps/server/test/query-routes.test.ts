import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, testTiers, type TestApp } from './support/harness.js';

describe.each(await testTiers())('on %s', (tier) => {
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: Date.parse('2026-02-01T00:00:00Z'), tier });
  await t.inject({
    method: 'POST',
    url: '/v1/events',
    payload: [
      { source: 'q', name: 'a', ts: '2026-01-30T10:00:00Z', value: 2 },
      { source: 'q', name: 'a', ts: '2026-01-31T10:00:00Z', value: 4 },
    ],
  });
});
afterAll(async () => t.close());

const query = (payload: unknown) => t.inject({ method: 'POST', url: '/v1/query', payload: payload as object });

describe('POST /v1/query', () => {
  it('answers columns, rows and meta', async () => {
    const res = await query({ source: 'q', measures: [{ as: 'n', fn: 'count' }, { as: 'total', fn: 'sum' }], interval: 'day', range: { last: '3d' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.columns).toEqual([
      { name: 'time', type: 'time' },
      { name: 'n', type: expect.stringMatching(/^(integer|number)$/) },
      { name: 'total', type: 'number' },
    ]);
    expect(body.rows).toEqual([
      ['2026-01-29T00:00:00+00:00', 0, 0],
      ['2026-01-30T00:00:00+00:00', 1, 2],
      ['2026-01-31T00:00:00+00:00', 1, 4],
    ]);
    // Whole UTC days: answered from the day rollup, on both tiers (docs/rollups.md).
    expect(body.meta).toEqual({ took_ms: expect.any(Number), cached: false, rollup: 'day' });
  });

  it('answers 422 with the path of every bad part', async () => {
    const res = await query({ source: 'q', measures: [{ as: 'n', fn: 'median' }], interval: 'fortnight', timezone: 'Mars/Olympus' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/measures/0/fn', '/interval', '/timezone']));
  });

  it('answers 422 for an unknown field and for a non-object body', async () => {
    expect((await query({ source: 'q', measures: ['orders'], colour: 'red' })).json().errors).toEqual([
      expect.objectContaining({ path: '/colour' }),
    ]);
    expect((await query([1, 2])).statusCode).toBe(422);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/query', headers: { 'content-type': 'application/json' }, payload: '{"source":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_body' });
  });

  // The DuckDB client binds a whole JS number as int64 and threw past 2^63: a 500 for a valid query.
  it('compares with whole numbers past 2^63 (1e21, 1e300) as doubles', async () => {
    const count = async (value: number) =>
      (await query({ source: 'q', measures: [{ as: 'n', fn: 'count' }], filters: [{ field: 'value', op: 'lt', value }], range: { last: '3d' } })).json();
    expect((await count(1e21)).rows).toEqual([[2]]);
    expect((await count(1e300)).rows).toEqual([[2]]);
    expect((await count(-1e21)).rows).toEqual([[0]]);
  });
});
});
