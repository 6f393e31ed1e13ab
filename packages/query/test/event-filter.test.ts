/**
 * The in-memory event filter (live tails) must agree with the SQL the same filters compile to: seeded
 * random events and filters, each filter's matches counted by a real DuckDB (a count query with the
 * filter) and by compileEventFilter over the same events.
 */
import type { Filter, FilterScalar } from '@sightline/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueryError, compileEventFilter } from '../src/index.js';
import { TIERS, TestDb, type TestEvent } from './db.js';
import { random } from './random.js';

const NAMES = ['page_view', 'signup', 'order_completed'];
const PLANS = ['free', 'pro', 'team', '10', 'Pro'];
const NOW = Date.parse('2026-04-01T00:00:00Z');

function events(seed: number, n: number): TestEvent[] {
  const r = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const props: Record<string, unknown> = {};
    if (r.chance(0.7)) props.plan = r.pick<unknown>([...PLANS, 10, 2.5, true, null, { tier: 'x' }]);
    if (r.chance(0.6)) props.n = r.pick<unknown>([0, 1, 7, 42, -3, 2.5, '7', 'seven']);
    if (r.chance(0.4)) props.geo = { country: r.pick(['DE', 'US', 'FR']) };
    return {
      name: r.pick(NAMES),
      ts: NOW - 86_400_000 + i * 1000,
      actor: r.chance(0.8) ? r.pick(['u1', 'u2', 'u10', 'u-x']) : null,
      value: r.chance(0.7) ? r.pick([0, 1, 9.5, 42, 100, -1]) : null,
      props: r.chance(0.9) ? props : null,
    };
  });
}

/** Values that each field does hold (and some it does not), so that filters match some events. */
const VALUES: Record<string, FilterScalar[]> = {
  name: ['page_view', 'signup', 'order_completed', 'nope'],
  actor: ['u1', 'u2', 'u10', 'u-x', 'u'],
  value: [0, 1, 9.5, 42, 100, -1, '42', '9.5'],
  'props.plan': ['free', 'pro', 'Pro', '10', 10, 2.5, true, 'true'],
  'props.n': [0, 1, 7, 42, -3, 2.5, '7', 'seven'],
  'props.geo.country': ['DE', 'US', 'FR'],
  'props.missing': ['x', 1],
};

function filters(seed: number): Filter[] {
  const r = random(seed);
  const count = r.chance(0.8) ? 1 : 2;
  return Array.from({ length: count }, () => {
    const field = r.pick(Object.keys(VALUES));
    const pool = VALUES[field];
    const op = r.pick(['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const);
    let value: FilterScalar | FilterScalar[];
    if (op === 'in' || op === 'nin') value = [r.pick(pool), r.pick(pool)];
    else if (op === 'contains') value = r.pick(['o', 'pro', 'e', '1', 'u', 'D']);
    else if (op === 'exists') value = r.chance(0.5);
    else value = r.pick(pool);
    return { field, op, value };
  });
}

describe.each(TIERS)('compileEventFilter agrees with the SQL of the same filters (%s)', (tier) => {
  let db: TestDb;
  const stored = events(7, 400);
  const counts: number[] = [];
  beforeAll(async () => {
    db = await TestDb.create(tier);
    await db.insert(stored);
  });

  for (let seed = 1; seed <= 60; seed++) {
    it(`seed ${seed}`, async () => {
      const f = filters(seed);
      const answer = await db.query({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], filters: f, range: { last: '2d' } }, { now: NOW });
      const expected = Number(answer.rows[0]?.[0] ?? 0);
      const matches = compileEventFilter(f);
      const actual = stored.filter((e) => matches({ source: 'shop', name: e.name, actor: e.actor ?? null, value: e.value ?? null, props: e.props ?? null })).length;
      counts.push(expected);
      expect({ filters: f, count: actual }).toEqual({ filters: f, count: expected });
    });
  }

  it('the random filters match some but not all events, mostly', () => {
    // Guards the comparison above: filters that match nothing (or everything) would agree trivially.
    const partial = counts.filter((n) => n > 0 && n < stored.length).length;
    expect(partial).toBeGreaterThan(counts.length / 2);
  });

  it('reports every bad filter at its path', () => {
    let error: unknown;
    try {
      compileEventFilter([{ field: 'props.', op: 'eq', value: 1 }, { field: 'name', op: 'like', value: 'x' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).errors.map((e) => e.path)).toEqual(['/filters/0/field', '/filters/1/op']);
  });
});
