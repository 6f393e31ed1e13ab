import { describe, expect, it } from 'vitest';
import type { Filter } from '@sightline/sdk';
import { searchOfView, viewFromSearch } from '../src/features/dashboards/view-url';

const saved: Filter[] = [{ field: 'props.plan', op: 'eq', value: 'pro' }];

describe('the view in the URL', () => {
  it('round-trips a range, a zone and filters, keeping other parameters', () => {
    const views = [
      { range: { last: '7d' }, timezone: 'Asia/Kolkata', filters: [{ field: 'props.country', op: 'in', value: ['de', 'fr,x'] }] },
      { range: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00+01:00' }, filters: [] },
      { filters: saved },
    ] as const;
    for (const view of views) {
      const search = searchOfView('?edit=1', { ...view, filters: [...view.filters] as Filter[] }, saved);
      expect(new URLSearchParams(search).get('edit')).toBe('1');
      expect(viewFromSearch(search, saved)).toEqual(view);
    }
  });

  it('leaves the dashboard’s own filters out of the URL, and an empty list in', () => {
    expect(searchOfView('', { filters: saved }, saved)).toBe('');
    expect(new URLSearchParams(searchOfView('', { filters: [] }, saved)).get('filters')).toBe('[]');
    expect(viewFromSearch('?filters=%5B%5D', saved).filters).toEqual([]);
  });

  it('keeps the dashboard’s filters when the link’s are mangled', () => {
    for (const bad of ['?filters=%5B', '?filters=%7B%7D', '?filters=%5B1%5D']) expect(viewFromSearch(bad, saved)).toEqual({ filters: saved });
  });
});
