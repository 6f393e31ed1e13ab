import { describe, expect, it } from 'vitest';
import type { FunnelQuery, TrendQuery } from '@sightline/sdk';
import { applyView, sameFilter, viewKey } from '../src/features/dashboards/apply-view';

const trend: TrendQuery = {
  source: 'shop',
  measures: ['revenue'],
  interval: 'day',
  timezone: 'Europe/Berlin',
  filters: [{ field: 'props.plan', op: 'eq', value: 'pro' }],
};

const ownRange: TrendQuery = { source: 'system', measures: ['cpu'], interval: 'minute', range: { last: '1h' } };

const funnel: FunnelQuery = {
  kind: 'funnel',
  source: 'shop',
  steps: [{ name: 'viewed' }, { name: 'bought' }],
  window: '1d',
};

describe('applyView (as GET /v1/dashboards/:id/data applies the view)', () => {
  it('gives the view’s range to a query without one and replaces its zone', () => {
    const out = applyView(trend, { range: { last: '90d' }, timezone: 'UTC', filters: [] });
    expect(out.range).toEqual({ last: '90d' });
    expect(out.timezone).toBe('UTC');
  });

  it('takes an absolute range too', () => {
    const out = applyView(trend, { range: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }, filters: [] });
    expect(out.range).toEqual({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
    expect(out.timezone).toBe('Europe/Berlin');
  });

  it('keeps the range of a panel that has its own', () => {
    expect(applyView(ownRange, { range: { last: '30d' }, timezone: 'UTC', filters: [] })).toEqual({ ...ownRange, timezone: 'UTC' });
  });

  it('appends the view’s filters after the query’s own', () => {
    const out = applyView(trend, { filters: [{ field: 'props.country', op: 'in', value: ['DE', 'FR'] }] });
    expect(out.filters).toEqual([
      { field: 'props.plan', op: 'eq', value: 'pro' },
      { field: 'props.country', op: 'in', value: ['DE', 'FR'] },
    ]);
  });

  it('leaves the query as it is when neither the view nor the dashboard sets anything', () => {
    expect(applyView(trend, { filters: [] })).toEqual(trend);
  });

  it('uses the dashboard’s range and zone when the view sets none, the view’s over them', () => {
    const defaults = { range: { last: '30d' }, timezone: 'Asia/Kolkata' };
    expect(applyView(funnel, { filters: [] }, defaults)).toEqual({ ...funnel, range: { last: '30d' }, timezone: 'Asia/Kolkata' });
    expect(applyView(funnel, { range: { last: '7d' }, timezone: 'UTC', filters: [] }, defaults)).toEqual({ ...funnel, range: { last: '7d' }, timezone: 'UTC' });
    expect(applyView(trend, { filters: [] }, defaults).timezone).toBe('Asia/Kolkata');
  });

  it('applies to funnel queries: range, zone and filters, steps untouched', () => {
    const out = applyView(funnel, { range: { last: '24h' }, timezone: 'UTC', filters: [{ field: 'source', op: 'eq', value: 'shop' }] }) as FunnelQuery;
    expect(out).toEqual({ ...funnel, range: { last: '24h' }, timezone: 'UTC', filters: [{ field: 'source', op: 'eq', value: 'shop' }] });
    expect(out.steps).toBe(funnel.steps);
  });

  it('does not change the query it is given', () => {
    const before = JSON.stringify(trend);
    applyView(trend, { range: { last: '1h' }, timezone: 'UTC', filters: [{ field: 'actor', op: 'eq', value: 'u1' }] });
    expect(JSON.stringify(trend)).toBe(before);
  });
});

describe('sameFilter / viewKey', () => {
  it('compares filters by field, op and value', () => {
    expect(sameFilter({ field: 'props.a', op: 'in', value: ['x', 'y'] }, { field: 'props.a', op: 'in', value: ['x', 'y'] })).toBe(true);
    expect(sameFilter({ field: 'props.a', op: 'eq', value: 1 }, { field: 'props.a', op: 'eq', value: '1' })).toBe(false);
  });

  it('changes with any part of the view', () => {
    const base = viewKey({ filters: [] });
    expect(viewKey({ filters: [] })).toBe(base);
    expect(viewKey({ range: { last: '1h' }, filters: [] })).not.toBe(base);
    expect(viewKey({ timezone: 'UTC', filters: [] })).not.toBe(base);
    expect(viewKey({ filters: [{ field: 'name', op: 'eq', value: 'x' }] })).not.toBe(base);
  });
});
