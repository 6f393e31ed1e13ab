import { describe, expect, it } from 'vitest';
import type { MetricDefinition, Query } from '@sightline/sdk';
import {
  addMeasure,
  changeFilterOp,
  changeMeasureKind,
  cleanOptions,
  formatFilterValue,
  isRunnable,
  parseFilterValue,
  parseQueryJson,
  propsPaths,
  readSources,
  removeMeasure,
  switchQueryKind,
  toIdentifier,
  writeSources,
} from '../src/features/editor/draft-query';

const metrics: MetricDefinition[] = [
  { name: 'revenue', pack: 'commerce', fn: 'sum', where: { name: 'order_completed' }, description: 'Order value' },
  { name: 'orders', pack: 'commerce', fn: 'count', where: { name: 'order_completed' } },
  { name: 'aov', pack: 'commerce', formula: 'revenue / orders' },
];

describe('filter values', () => {
  it('reads a number when the text is one, else text', () => {
    expect(parseFilterValue('eq', '42')).toBe(42);
    expect(parseFilterValue('gt', ' -1.5e3 ')).toBe(-1500);
    expect(parseFilterValue('eq', 'de')).toBe('de');
    expect(parseFilterValue('eq', '12abc')).toBe('12abc');
    expect(parseFilterValue('eq', '"10"')).toBe('10');
    expect(parseFilterValue('contains', '')).toBe('');
  });

  it('reads a list for in and nin, a boolean for exists', () => {
    expect(parseFilterValue('in', 'pro, team, 3')).toEqual(['pro', 'team', 3]);
    expect(parseFilterValue('nin', '"a,b", c,')).toEqual(['a,b', 'c']);
    expect(parseFilterValue('exists', 'true')).toBe(true);
    expect(parseFilterValue('exists', 'false')).toBe(false);
  });

  it('writes values back so that they read the same', () => {
    for (const [op, value] of [
      ['eq', 42],
      ['eq', '42'],
      ['in', ['pro', 7, 'a,b']],
      ['contains', 'checkout'],
    ] as const) {
      expect(parseFilterValue(op, formatFilterValue(value))).toEqual(value);
    }
  });

  it('converts the value when the op changes', () => {
    expect(changeFilterOp({ field: 'props.plan', op: 'eq', value: 'pro' }, 'in')).toEqual({ field: 'props.plan', op: 'in', value: ['pro'] });
    expect(changeFilterOp({ field: 'props.plan', op: 'in', value: ['pro', 'team'] }, 'neq')).toEqual({ field: 'props.plan', op: 'neq', value: 'pro' });
    expect(changeFilterOp({ field: 'props.plan', op: 'eq', value: 'pro' }, 'exists')).toEqual({ field: 'props.plan', op: 'exists', value: true });
    expect(changeFilterOp({ field: 'props.plan', op: 'exists', value: true }, 'eq')).toEqual({ field: 'props.plan', op: 'eq', value: '' });
  });
});

describe('sources', () => {
  it('writes one source as a string and several as a list', () => {
    const q: Query = { source: '', measures: [] };
    expect(writeSources(q, ['shop'])).toEqual({ source: 'shop', measures: [] });
    expect(writeSources(q, ['shop', 'tasks', 'shop'])).toEqual({ source: ['shop', 'tasks'], measures: [] });
    expect(readSources({ source: ['a', 'b'], measures: [] })).toEqual(['a', 'b']);
    expect(readSources({ source: '', measures: [] })).toEqual([]);
  });
});

describe('measures', () => {
  it('adds catalog metrics not yet used, aggregates and formulas with free names', () => {
    let q: Query = { source: 'shop', measures: ['revenue'], interval: 'day' } as Query;
    q = addMeasure(q, 'metric', metrics);
    q = addMeasure(q, 'aggregate', metrics);
    q = addMeasure(q, 'aggregate', metrics);
    q = addMeasure(q, 'formula', metrics);
    expect(q).toEqual({
      source: 'shop',
      interval: 'day',
      measures: ['revenue', 'orders', { as: 'events', fn: 'count' }, { as: 'events_2', fn: 'count' }, { as: 'ratio', formula: '' }],
    });
    expect(removeMeasure(q, 0)).toMatchObject({ measures: ['orders', { as: 'events' }, { as: 'events_2' }, { as: 'ratio' }] });
  });

  it('keeps what a measure meant when its kind changes', () => {
    expect(changeMeasureKind('revenue', 'aggregate', metrics, [])).toEqual({ as: 'revenue', fn: 'sum', where: { name: 'order_completed' } });
    expect(changeMeasureKind('aov', 'formula', metrics, [])).toEqual({ as: 'aov', formula: 'revenue / orders' });
    expect(changeMeasureKind({ as: 'orders', fn: 'count' }, 'metric', metrics, [])).toBe('orders');
    expect(changeMeasureKind({ as: 'x', fn: 'count' }, 'metric', metrics, ['revenue'])).toBe('orders');
  });

  it('makes identifiers the language accepts', () => {
    expect(toIdentifier('Add to cart')).toBe('add_to_cart');
    expect(toIdentifier('2fa_passed')).toBe('fa_passed');
    expect(toIdentifier('step')).toBe('m_step');
  });
});

describe('trend ↔ funnel', () => {
  const trend = {
    kind: 'trend',
    source: 'shop',
    measures: [
      { as: 'views', fn: 'count', where: { name: 'product_view' } },
      { as: 'carts', fn: 'count', where: { name: 'add_to_cart' } },
      'revenue',
    ],
    dimensions: ['props.country'],
    interval: 'day',
    range: { last: '7d' },
    filters: [{ field: 'props.plan', op: 'eq', value: 'pro' }],
  } as Query;

  it('turns measures into steps and the first dimension into a breakdown', () => {
    expect(switchQueryKind(trend, 'funnel')).toEqual({
      kind: 'funnel',
      source: 'shop',
      steps: [{ name: 'product_view' }, { name: 'add_to_cart' }],
      range: { last: '7d' },
      filters: [{ field: 'props.plan', op: 'eq', value: 'pro' }],
      breakdown: 'props.country',
    });
  });

  it('turns steps into counts and keeps the shared fields', () => {
    const funnel: Query = { kind: 'funnel', source: ['shop', 'web'], steps: [{ name: 'Sign up' }, { name: 'order_completed' }], window: '1d', timezone: 'Europe/Berlin' };
    expect(switchQueryKind(funnel, 'trend')).toEqual({
      source: ['shop', 'web'],
      timezone: 'Europe/Berlin',
      measures: [
        { as: 'sign_up', fn: 'count', where: { name: 'Sign up' } },
        { as: 'order_completed', fn: 'count', where: { name: 'order_completed' } },
      ],
    });
  });

  it('gives back the stashed query of the target kind, with the shared fields of the current one', () => {
    const funnel = switchQueryKind(trend, 'funnel');
    const edited = { ...funnel, source: 'web', range: { last: '30d' } } as Query;
    expect(switchQueryKind(edited, 'trend', trend)).toEqual({ ...trend, source: 'web', range: { last: '30d' } });
  });

  it('pads a funnel to two steps', () => {
    expect(switchQueryKind({ source: 'shop', measures: ['revenue'] }, 'funnel')).toEqual({ kind: 'funnel', source: 'shop', steps: [{ name: '' }, { name: '' }] });
  });
});

describe('JSON and the rest', () => {
  it('parses an object and reports anything else', () => {
    expect(parseQueryJson('{"source":"shop","measures":["revenue"],"extra":1}')).toEqual({ ok: true, query: { source: 'shop', measures: ['revenue'], extra: 1 } });
    const broken = parseQueryJson('{"source": ');
    expect(broken.ok).toBe(false);
    expect(parseQueryJson('[1]')).toEqual({ ok: false, error: 'The query must be a JSON object.' });
  });

  it('tells whether a draft is worth running', () => {
    expect(isRunnable({ source: '', measures: ['revenue'] })).toBe(false);
    expect(isRunnable({ source: 'shop', measures: [] })).toBe(false);
    expect(isRunnable({ source: 'shop', measures: ['revenue'] })).toBe(true);
    expect(isRunnable({ kind: 'funnel', source: 'shop', steps: [{ name: 'a' }, { name: '' }] })).toBe(false);
  });

  it('finds the props paths a query mentions', () => {
    expect(propsPaths({ source: 's', measures: [{ as: 'a', fn: 'sum', of: 'props.cart.total' }], dimensions: ['props.country'] })).toEqual(['props.cart.total', 'props.country']);
  });

  it('drops empty options', () => {
    expect(cleanOptions({ unit: '', thresholds: { warning: undefined }, kpi: undefined })).toBeUndefined();
    expect(cleanOptions({ unit: '€', thresholds: { direction: 'lower', critical: 5 } })).toEqual({ unit: '€', thresholds: { direction: 'lower', critical: 5 } });
  });
});
