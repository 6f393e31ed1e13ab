/**
 * Hostile names are rejected before any SQL is written; hostile values are bound, never spliced:
 * they reach a real DuckDB, match exactly the row that holds them, and the table survives.
 */
import type { MetricDefinition } from '@sightline/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueryError, planQuery, validateMetricDefinition } from '../src/index.js';
import { TIERS, TestDb } from './db.js';

const now = Date.parse('2026-04-01T00:00:00Z');
const metrics = new Map<string, MetricDefinition>([['orders', { name: 'orders', fn: 'count' }]]);
const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
const count = { as: 'n', fn: 'count' };

const HOSTILE_NAMES = [
  "props.a'b",
  'props.x); DROP TABLE events; --',
  'props.ünï',
  'props.a.b.c.d.e.f.g.h.i',
  'props.a..b',
  'props.',
  "props.$['x']",
  'props.a-b',
  'props',
  "name'",
];
const HOSTILE_VALUES = [
  "it's",
  'back\\slash\\',
  "'; DROP TABLE events; --",
  'nul\u0000byte',
  '"double" and `tick`',
  '$.a.b',
  '?',
  '$1',
  'ünïcødé ✓ 😀',
  'x'.repeat(10_000),
];

function rejects(body: unknown, path: string): void {
  let caught: unknown;
  try {
    planQuery(body, { now, metrics });
  } catch (error) {
    caught = error;
  }
  expect(caught, JSON.stringify(body).slice(0, 200)).toBeInstanceOf(QueryError);
  expect((caught as QueryError).errors.map((e) => e.path)).toContain(path);
}

describe('hostile names are rejected', () => {
  it.each(HOSTILE_NAMES)('field %s', (field) => {
    rejects({ source: 'shop', measures: [count], dimensions: [field] }, '/dimensions/0');
    rejects({ source: 'shop', measures: [count], filters: [{ field, op: 'eq', value: 1 }] }, '/filters/0/field');
    rejects({ source: 'shop', measures: [{ as: 's', fn: 'sum', of: field }] }, '/measures/0/of');
    rejects({ kind: 'funnel', source: 'shop', steps: [{ name: 'a' }, { name: 'b' }], breakdown: field }, '/breakdown');
  });

  it.each(["UTC'; --", '../../etc', 'Europe/Berlin; DROP TABLE events', 'utc', '', 'Etc/../../x'])('time zone %j', (timezone) => {
    rejects({ source: 'shop', measures: [count], timezone }, '/timezone');
  });

  it.each(['1 day', "day'", 'DAY', 'days', 'hour; --'])('interval %j', (interval) => {
    rejects({ source: 'shop', measures: [count], interval }, '/interval');
  });

  it.each(["30d'; --", '30 days', '-1d', '0s', '1y', '1e3d', '30D', '999999999999d'])('duration %j', (last) => {
    rejects({ source: 'shop', measures: [count], range: { last } }, '/range/last');
    rejects({ kind: 'funnel', source: 'shop', steps: [{ name: 'a' }, { name: 'b' }], window: last }, '/window');
  });

  it.each(["n'; --", 'N', 'a b', 'x'.repeat(65), 'é', '_x', 'n"', 'count(*)'])('as-name %j', (as) => {
    rejects({ source: 'shop', measures: [{ as, fn: 'count' }] }, '/measures/0/as');
  });

  it.each(["orders'; DROP TABLE events; --", 'Orders', 'orders--'])('metric name %j', (name) => {
    rejects({ source: 'shop', measures: [name] }, '/measures/0');
    expect(() => validateMetricDefinition({ name, fn: 'count' })).toThrow(QueryError);
  });

  it.each(["n; DROP TABLE events", 'n + `x`', "n + 'a'", 'n / (1', 'sum(n)', 'n + N', '1 +', 'n $ 2'])('formula %j', (formula) => {
    rejects({ source: 'shop', measures: [count, { as: 'f', formula }] }, '/measures/1/formula');
  });

  it.each(["n'; --", 'time; DROP TABLE events', 'N', 'n desc'])('order by %j', (by) => {
    rejects({ source: 'shop', measures: [count], order: [{ by, dir: 'desc' }] }, '/order/0/by');
  });

  it.each(["shop'; --", 'SHOP', 'a b', ''])('source %j', (source) => {
    rejects({ source, measures: [count] }, '/source');
  });
});

describe.each(TIERS)('hostile values are bound (%s)', (tier) => {
  // PostgreSQL text and jsonb cannot hold NUL: such a value can be neither stored nor bound there.
  const values = tier === 'postgres' ? HOSTILE_VALUES.filter((v) => !v.includes('\u0000')) : HOSTILE_VALUES;
  let db: TestDb;
  beforeAll(async () => {
    db = await TestDb.create(tier);
    await db.insert([
      { name: 'plain', ts: '2026-03-10T00:00:00Z', actor: 'u0', props: { tag: 'plain' } },
      ...values.map((v, i) => ({ name: v, ts: Date.parse('2026-03-10T00:00:00Z') + i * 1000, actor: v, props: { tag: v } })),
    ]);
  });

  const sqlOf = (body: unknown) => planQuery(body, { now, metrics }).statements.map((s) => s.sql);

  it.each(values.map((v, i) => [i, v] as const))('value #%i matches exactly its row', async (_i, value) => {
    const queries = [
      { source: 'shop', measures: [count], range, filters: [{ field: 'props.tag', op: 'eq', value }] },
      { source: 'shop', measures: [count], range, filters: [{ field: 'name', op: 'in', value: [value, 'nothing'] }] },
      { source: 'shop', measures: [count], range, filters: [{ field: 'actor', op: 'contains', value }] },
      { source: 'shop', measures: [{ as: 'n', fn: 'count', where: { name: value } }], range },
      { source: 'shop', measures: [{ as: 'n', fn: 'count', where: [{ field: 'props.tag', op: 'gte', value }, { field: 'props.tag', op: 'lte', value }] }], range },
    ];
    for (const body of queries) {
      for (const sql of sqlOf(body)) {
        if (value.length > 3) expect(sql).not.toContain(value);
        expect(sql).not.toContain('DROP');
      }
      const answer = await db.query(body, { now, metrics });
      expect(answer.rows, JSON.stringify(body).slice(0, 120)).toEqual([[1]]);
    }
    const neq = await db.query({ source: 'shop', measures: [count], range, filters: [{ field: 'props.tag', op: 'neq', value }] });
    expect(neq.rows).toEqual([[values.length]]);
    const grouped = await db.query({ source: 'shop', measures: [count], range, dimensions: ['props.tag'], filters: [{ field: 'actor', op: 'eq', value }] });
    expect(grouped.rows).toEqual([[value, 1]]);
    const funnel = await db.query({ kind: 'funnel', source: 'shop', range, steps: [{ name: value }, { name: 'never' }] });
    expect(funnel.rows[0]).toEqual([1, value, 1, 1, 1]);
  });

  it('leaves the table in place', async () => {
    const rows = await db.rows('SELECT count(*) FROM events', []);
    expect(rows).toEqual([[values.length + 1]]);
  });
});
