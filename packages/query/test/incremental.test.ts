/**
 * A trend kept up to date from new events (incremental.ts) must answer what the full SQL answers:
 * seeded random events are split into a base, stored in a real DuckDB and read as the statement's
 * raw rows, and new events, folded in memory; the shaped answer is compared with the plan run over
 * base and new events together.
 */
import type { FilterScalar, QueryAnswer } from '@sightline/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { planQuery } from '../src/index.js';
import { TIERS, TestDb, dialectOf, type TestEvent } from './db.js';
import { random } from './random.js';

const NOW = Date.parse('2026-03-30T12:00:00Z'); // the day after Europe's clocks change
const DAY = 86_400_000;

function events(seed: number, n: number): TestEvent[] {
  const r = random(seed);
  return Array.from({ length: n }, () => ({
    source: r.chance(0.85) ? 'shop' : 'other',
    name: r.pick(['view', 'order', 'refund']),
    ts: NOW - Math.floor(r.next() * 12 * DAY) + (r.chance(0.05) ? 2 * DAY : 0),
    actor: r.chance(0.9) ? r.pick(['u1', 'u2', 'u3']) : null,
    value: r.chance(0.8) ? r.pick([1, 2.5, 10, 40, -3, 0.1]) : null,
    props: r.chance(0.9) ? { plan: r.pick<unknown>(['free', 'pro', 7, null]), n: r.pick<unknown>([1, 2, 3.5, 'x']) } : null,
  }));
}

function query(seed: number): Record<string, unknown> {
  const r = random(seed * 7919);
  const measures: unknown[] = [{ as: 'n', fn: 'count' }];
  if (r.chance(0.7)) measures.push({ as: 'total', fn: 'sum', of: r.pick(['value', 'props.n']) });
  if (r.chance(0.5)) measures.push({ as: 'lo', fn: 'min', of: 'value', where: { name: 'order' } });
  if (r.chance(0.5)) measures.push({ as: 'hi', fn: 'max', of: r.pick(['value', 'props.n']) });
  if (r.chance(0.4)) measures.push({ as: 'orders', fn: 'count', where: [{ field: 'name', op: 'eq', value: 'order' }] });
  if (r.chance(0.3)) measures.push({ as: 'per', formula: 'n / 2' });
  const body: Record<string, unknown> = { source: r.chance(0.8) ? 'shop' : ['shop', 'other'], measures, range: r.chance(0.7) ? { last: r.pick(['3d', '7d', '10d']) } : { from: '2026-03-22T00:00:00Z', to: '2026-03-29T06:00:00Z' } };
  const interval = r.pick([undefined, 'hour', 'day', 'week', 'month']);
  if (interval) body.interval = interval;
  if (r.chance(0.5)) body.timezone = r.pick(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata']);
  if (r.chance(0.5)) body.dimensions = [r.pick(['name', 'props.plan', 'actor'])];
  if (r.chance(0.4)) body.filters = [{ field: r.pick(['name', 'props.plan', 'value']), op: r.pick(['eq', 'neq', 'gt']), value: r.pick<FilterScalar>(['order', 'pro', 2, 7]) }];
  if (r.chance(0.3)) body.limit = 3;
  return body;
}

/** Cells equal, numbers to 9 significant digits (sums add in another order than the SQL's). */
function expectSameAnswer(actual: QueryAnswer, expected: QueryAnswer, context: unknown): void {
  expect(actual.columns, JSON.stringify(context)).toEqual(expected.columns);
  expect(actual.rows.length, JSON.stringify(context)).toBe(expected.rows.length);
  actual.rows.forEach((row, i) =>
    row.forEach((cell, j) => {
      const want = expected.rows[i][j];
      if (typeof cell === 'number' && typeof want === 'number') expect(cell, JSON.stringify({ context, i, j })).toBeCloseTo(want, 9);
      else expect(cell, JSON.stringify({ context, i, j })).toEqual(want);
    }),
  );
}

describe.each(TIERS)('incremental trends answer what the full SQL answers (%s)', (tier) => {
  const SEEDS = 50;
  let eligible = 0;
  let changed = 0;
  const bases = new Map<number, TestDb>();
  const all = new Map<number, TestDb>();
  beforeAll(async () => {
    for (const part of [1, 2, 3]) {
      const base = await TestDb.create(tier);
      await base.insert(events(part, 300));
      const full = await TestDb.create(tier);
      await full.insert([...events(part, 300), ...events(part + 100, 150)]);
      bases.set(part, base);
      all.set(part, full);
    }
  });

  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, async () => {
      const part = 1 + (seed % 3);
      const body = query(seed);
      const plan = planQuery(body, { now: NOW, metrics: new Map(), dialect: dialectOf(tier) });
      const expected = await all.get(part)!.query(body, { now: NOW });
      if (!plan.incremental) {
        expect(body.measures).toBeDefined();
        return;
      }
      eligible++;
      const base = await bases.get(part)!.rows(plan.statements[0].sql, plan.statements[0].params);
      const before = JSON.stringify(plan.finish([base.map((r) => [...r])]).rows);
      const fresh = events(part + 100, 150).map((e) => ({ source: e.source ?? 'shop', name: e.name, ts: e.ts as number, actor: e.actor ?? null, value: e.value ?? null, props: e.props ?? null }));
      // Folded in two parts, through one state, as a live query folds batch after batch.
      const state = plan.incremental.start(base);
      plan.incremental.fold(state, fresh.slice(0, 70));
      plan.incremental.fold(state, fresh.slice(70));
      const answer = plan.finish([state.rows]);
      if (JSON.stringify(answer.rows) !== before) changed++;
      expectSameAnswer(answer, expected, { seed, body });
    });
  }

  it('most random trends were incremental and the new events changed their answers', () => {
    expect(eligible).toBeGreaterThan(SEEDS * 0.8);
    expect(changed).toBeGreaterThan(eligible * 0.8);
  });

  it('is not offered where merging would be wrong: uniq, avg, percentiles, comparisons, funnels', () => {
    const plan = (body: unknown) => planQuery(body, { now: NOW, metrics: new Map() });
    for (const fn of ['uniq', 'avg', 'p95']) expect(plan({ source: 'shop', measures: [{ as: 'x', fn }] }).incremental).toBeUndefined();
    expect(plan({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], compare: 'previous_period' }).incremental).toBeUndefined();
    expect(plan({ kind: 'funnel', source: 'shop', steps: [{ name: 'view' }, { name: 'order' }] }).incremental).toBeUndefined();
    expect(plan({ source: 'shop', measures: [{ as: 'n', fn: 'count' }] }).incremental).toBeDefined();
  });

  it('maxSeq bounds the statement to events stored up to that sequence number', async () => {
    const db = await TestDb.create(tier);
    await db.insert(events(9, 40));
    const body = { source: ['shop', 'other'], measures: [{ as: 'n', fn: 'count' }], range: { last: '30d' } };
    const bounded = planQuery(body, { now: NOW, metrics: new Map(), maxSeq: 25, dialect: dialectOf(tier) });
    const rows = await db.rows(bounded.statements[0].sql, bounded.statements[0].params);
    expect(bounded.finish([rows]).rows).toEqual([[events(9, 40).slice(0, 25).filter((e) => (e.ts as number) >= NOW - 30 * DAY && (e.ts as number) < NOW).length]]);
  });
});
