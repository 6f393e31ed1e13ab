/** The SQL text of representative queries, pinned: a change of generated SQL shows up here. */
import { describe, expect, it } from 'vitest';
import { planQuery } from '../src/index.js';

const now = Date.parse('2026-04-01T00:00:00Z');
const plan = (body: unknown) => planQuery(body, { now, metrics: new Map() });
const range = { from: '2026-03-01T00:00:00Z', to: '2026-03-31T00:00:00Z' };
const RANGE_SQL = 'ts >= make_timestamptz(CAST(? AS BIGINT) * 1000) AND ts < make_timestamptz(CAST(? AS BIGINT) * 1000)';

describe('generated SQL', () => {
  it('day × name in UTC: integer bucket, sargable range, GROUP BY ordinals', () => {
    const p = plan({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], dimensions: ['name'], interval: 'day', range });
    expect(p.statements).toEqual([
      {
        sql: `SELECT (epoch_ms(ts)) // 86400000, name, count(*) FROM events WHERE source = ? AND ${RANGE_SQL} GROUP BY 1, 2`,
        params: ['shop', Date.parse(range.from), Date.parse(range.to)],
      },
    ]);
  });

  it('day in Europe/Berlin across the spring change: one offset switch, bound', () => {
    const p = plan({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], interval: 'day', range, timezone: 'Europe/Berlin' });
    expect(p.statements[0].sql).toBe(
      `SELECT (epoch_ms(ts) + CASE WHEN epoch_ms(ts) < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END) // 86400000, count(*) FROM events WHERE source = ? AND ${RANGE_SQL} GROUP BY 1`,
    );
    expect(p.statements[0].params).toEqual([Date.parse('2026-03-29T01:00:00Z'), 3_600_000, 7_200_000, 'shop', Date.parse(range.from), Date.parse(range.to)]);
  });

  it('measures with where, percentiles, prop dimension, filters of every kind', () => {
    const p = plan({
      source: ['web', 'shop'],
      measures: [
        { as: 'revenue', fn: 'sum', where: { name: 'order_completed' } },
        { as: 'p90', fn: 'p90', of: 'props.cart.total' },
        { as: 'buyers', fn: 'uniq', where: [{ field: 'value', op: 'gt', value: 0 }] },
      ],
      dimensions: ['props.country'],
      range,
      filters: [
        { field: 'props.plan', op: 'in', value: ['pro', 2, true] },
        { field: 'actor', op: 'neq', value: 'bot' },
        { field: 'props.ref', op: 'contains', value: 'mail' },
        { field: 'props.coupon', op: 'exists', value: false },
      ],
    });
    expect(p.statements[0].sql).toBe(
      "SELECT (props ->> '$.country'), sum(value) FILTER (WHERE name = ?), " +
        "quantile_cont(CASE WHEN json_type(props, '$.cart.total') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST(props ->> '$.cart.total' AS DOUBLE) END, 0.9), " +
        'count(DISTINCT actor) FILTER (WHERE value > ?) FROM events WHERE source IN (?, ?) AND ' +
        RANGE_SQL +
        " AND (CASE WHEN json_type(props, '$.plan') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST(props ->> '$.plan' AS DOUBLE) END = ? OR (props ->> '$.plan') IN (?, ?))" +
        " AND (actor = ?) IS NOT TRUE AND strpos((props ->> '$.ref'), ?) > 0 AND (props ->> '$.coupon') IS NULL GROUP BY 1",
    );
    expect(p.statements[0].params).toEqual(['order_completed', 0, 'shop', 'web', Date.parse(range.from), Date.parse(range.to), 2, 'pro', 'true', 'bot', 'mail']);
  });

  it('compare runs the same text over the previous period; an explicit limit adds the ranking statement', () => {
    const p = plan({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], dimensions: ['name'], interval: 'hour', range, compare: 'previous_period', limit: 3 });
    expect(p.statements).toHaveLength(3);
    expect(p.statements[1].sql).toBe(p.statements[0].sql);
    expect(p.statements[0].sql).toBe(`SELECT (epoch_ms(ts)) // 3600000, name, count(*) FROM events WHERE source = ? AND ${RANGE_SQL} GROUP BY 1, 2`);
    expect(p.statements[2].sql).toBe(`SELECT name, count(*) FROM events WHERE source = ? AND ${RANGE_SQL} GROUP BY 1`);
  });

  it('a funnel with distinct step names: one range join per step, reached actors counted per step', () => {
    const p = plan({ kind: 'funnel', source: 'shop', steps: [{ name: 'view' }, { name: 'cart' }, { name: 'buy' }], window: '1d', range });
    const bound = 'make_timestamptz(CAST(? AS BIGINT) * 1000)';
    const step = (cols: string) =>
      `SELECT actor, ${cols} FROM events WHERE source = ? AND ts >= ${bound} AND ts < ${bound} AND actor IS NOT NULL AND name = ?`;
    const reach = (k: number, prev: string) =>
      `r${k} AS (SELECT s.actor, s.t, max(p.t1) AS t1 FROM ${prev} p JOIN s${k} s ON p.actor = s.actor AND p.t <= s.t AND p.t1 >= s.t - CAST(? AS BIGINT) GROUP BY s.actor, s.t)`;
    expect(p.statements[0].sql).toBe(
      `WITH s1 AS (${step('epoch_ms(ts) AS t, epoch_ms(ts) AS t1')}), s2 AS (${step('epoch_ms(ts) AS t')}), s3 AS (${step('epoch_ms(ts) AS t')}), ` +
        `${reach(2, 's1')}, ${reach(3, 'r2')} ` +
        'SELECT 1, count(DISTINCT actor) FROM s1 UNION ALL SELECT 2, count(DISTINCT actor) FROM r2 UNION ALL SELECT 3, count(DISTINCT actor) FROM r3',
    );
    const from = Date.parse(range.from);
    const to = Date.parse(range.to);
    const day = 86_400_000;
    expect(p.statements[0].params).toEqual(['shop', from, to, 'view', 'shop', from, to + day, 'cart', 'shop', from, to + day, 'buy', day, day]);
  });

  it('a funnel with distinct step names and a breakdown chains "next at or after" joins', () => {
    const p = plan({ kind: 'funnel', source: 'shop', steps: [{ name: 'view' }, { name: 'buy' }], window: '1d', range, breakdown: 'props.country' });
    const bound = 'make_timestamptz(CAST(? AS BIGINT) * 1000)';
    const where = `source = ? AND ts >= ${bound} AND ts < ${bound} AND actor IS NOT NULL AND name = ?`;
    expect(p.statements[0].sql).toBe(
      `WITH s1 AS (SELECT actor, ts, (props ->> '$.country') AS bd FROM events WHERE ${where}), s2 AS (SELECT actor, ts FROM events WHERE ${where}), ` +
        'j AS (SELECT s1.actor, s1.ts, s1.bd, 1 + CASE WHEN s2.ts <= s1.ts + to_milliseconds(CAST(? AS BIGINT)) THEN 1 ELSE 0 END AS level ' +
        'FROM s1 ASOF LEFT JOIN s2 s2 ON s2.actor = s1.actor AND s2.ts >= s1.ts), ' +
        'b AS (SELECT bd, level, row_number() OVER (PARTITION BY actor ORDER BY level DESC, ts, bd NULLS LAST) AS r FROM j) ' +
        'SELECT level, count(*), bd FROM b WHERE r = 1 GROUP BY bd, level',
    );
  });
});
