import type { MetricDefinition } from '@sightline/protocol';
import { describe, expect, it } from 'vitest';
import { QueryError, planQuery, validateMetricDefinition } from '../src/index.js';

const now = Date.parse('2026-04-01T00:00:00Z');
const metrics = new Map<string, MetricDefinition>([
  ['revenue', { name: 'revenue', fn: 'sum', where: { name: 'order_completed' } }],
  ['orders', { name: 'orders', fn: 'count', where: { name: 'order_completed' } }],
  ['aov', { name: 'aov', formula: 'revenue / orders' }],
  ['loop_a', { name: 'loop_a', formula: 'loop_b + 1' }],
  ['loop_b', { name: 'loop_b', formula: 'loop_a * 2' }],
  ['dangling', { name: 'dangling', formula: 'nowhere / 2' }],
]);

function errorsOf(body: unknown): { path: string; message: string }[] {
  try {
    planQuery(body, { now, metrics });
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe('invalid_query');
    return (error as QueryError).errors;
  }
  throw new Error('expected a QueryError');
}
const paths = (body: unknown) => errorsOf(body).map((e) => e.path);

describe('query validation', () => {
  it('accepts the documented examples', () => {
    expect(() =>
      planQuery(
        {
          kind: 'trend',
          source: 'shop',
          measures: ['revenue', { as: 'orders_n', fn: 'count', where: { name: 'order_completed' } }, { as: 'avg_order', formula: 'revenue / orders_n' }],
          dimensions: ['props.country'],
          interval: 'day',
          range: { last: '30d' },
          timezone: 'Europe/Berlin',
          filters: [{ field: 'props.plan', op: 'in', value: ['pro', 'team'] }],
          compare: 'previous_period',
          order: [{ by: 'revenue', dir: 'desc' }],
          limit: 100,
        },
        { now, metrics },
      ),
    ).not.toThrow();
    expect(() =>
      planQuery(
        { kind: 'funnel', source: 'shop', steps: [{ name: 'a' }, { name: 'b', where: [{ field: 'value', op: 'gt', value: 0 }] }], window: '1d', breakdown: 'props.country' },
        { now, metrics },
      ),
    ).not.toThrow();
  });

  it('reports every problem at its JSON Pointer', () => {
    expect(
      paths({
        source: 'Shop!',
        measures: ['revenue', { as: 'x', fn: 'median' }, { as: 'y', fn: 'sum', of: 'name' }, { as: 'z', formula: 'revenue +' }, 'nope'],
        filters: [{ field: 'props.a', op: 'like', value: 'x' }, { field: 'props.a..b', op: 'eq', value: {} }],
        timezone: 'Mars/Olympus',
        interval: 'fortnight',
        limit: 0,
        extra: true,
      }),
    ).toEqual([
      '/extra',
      '/source',
      '/timezone',
      '/filters/0/op',
      '/filters/1/field',
      '/filters/1/value',
      '/measures/1/fn',
      '/measures/2/of',
      '/measures/3/formula',
      '/measures/4',
      '/interval',
      '/limit',
    ]);
  });

  it('checks names, reserved words and duplicates', () => {
    expect(paths({ source: 'shop', measures: [{ as: 'time', fn: 'count' }] })).toEqual(['/measures/0/as']);
    expect(paths({ source: 'shop', measures: [{ as: 'n_previous', fn: 'count' }] })).toEqual(['/measures/0/as']);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }, { as: 'n', fn: 'sum' }] })).toEqual(['/measures/1/as']);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count', extra: 1 }] })).toEqual(['/measures/0/extra']);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count', of: 'value' }] })).toEqual(['/measures/0/of']);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], dimensions: ['value', 'name', 'name'] })).toEqual([
      '/dimensions/0',
      '/dimensions/2',
    ]);
  });

  it('checks order, range and durations', () => {
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], order: [{ by: 'n_previous' }, { by: 'n', dir: 'up' }] })).toEqual([
      '/order/0/by',
      '/order/1/dir',
    ]);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], range: { from: '2026-03-01T00:00:00', to: '2026-03-02' } })).toEqual([
      '/range/from',
      '/range/to',
    ]);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], range: { last: '3661d' } })).toEqual(['/range/last']);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], range: { from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' } })).toEqual(['/range/to']);
    expect(paths({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], interval: 'minute', range: { last: '30d' } })).toEqual(['/interval']);
  });

  it('resolves formulas: unknown names, cycles, catalog cycles', () => {
    expect(errorsOf({ source: 'shop', measures: [{ as: 'a', formula: 'b / missing' }] }).map((e) => e.path)).toEqual([
      '/measures/0/formula',
      '/measures/0/formula',
    ]);
    expect(paths({ source: 'shop', measures: [{ as: 'a', formula: 'b + 1' }, { as: 'b', formula: 'a * 2' }] })).toEqual([
      '/measures/0/formula',
      '/measures/1/formula',
    ]);
    expect(errorsOf({ source: 'shop', measures: ['loop_a'] })[0]).toMatchObject({ path: '/measures/0', message: expect.stringContaining('cycle') });
    expect(errorsOf({ source: 'shop', measures: ['dangling'] })[0]).toMatchObject({ path: '/measures/0', message: expect.stringContaining('nowhere') });
    expect(() => planQuery({ source: 'shop', measures: ['aov', { as: 'double_aov', formula: '2 * aov' }] }, { now, metrics })).not.toThrow();
  });

  it('validates funnels', () => {
    expect(
      paths({ kind: 'funnel', source: 'shop', steps: [{ name: 'a' }, { name: '' }, { name: 'c', where: [{ field: 'x', op: 'eq', value: 1 }] }], window: '1y', breakdown: 'value', order: [] }),
    ).toEqual(['/order', '/steps/1/name', '/steps/2/where/0/field', '/window', '/breakdown']);
    expect(paths({ kind: 'funnel', source: 'shop', steps: [{ name: 'a' }] })).toEqual(['/steps']);
    expect(paths({ kind: 'cohort', source: 'shop' })).toEqual(['/kind']);
  });
});

describe('metric definitions', () => {
  it('accepts a flat aggregate or formula', () => {
    expect(validateMetricDefinition({ name: 'revenue', fn: 'sum', where: { name: 'order_completed' }, unit: 'currency' })).toEqual({
      name: 'revenue',
      fn: 'sum',
      where: { name: 'order_completed' },
      unit: 'currency',
    });
    expect(validateMetricDefinition({ name: 'aov', formula: 'revenue / orders' }).formula).toBe('revenue / orders');
  });

  it('rejects with invalid_metric and paths', () => {
    try {
      validateMetricDefinition({ name: 'Bad', fn: 'sum', formula: 'a', unit: 'euros', color: 'red' });
      throw new Error('expected a QueryError');
    } catch (error) {
      expect((error as QueryError).code).toBe('invalid_metric');
      expect((error as QueryError).errors.map((e) => e.path)).toEqual(['/color', '/name', '/unit', '']);
    }
  });
});
