import type { Filter, Range } from '@sightline/sdk';
import type { DashboardView } from './apply-view';

// The view lives in the page's URL (`?range=7d&tz=Europe%2FBerlin&filters=[…]`), so that a link
// opens the dashboard as its sender saw it and a reload keeps it. Values are checked by the server
// with each query; here they only have to parse.

/** The view a URL's query string asks for; what it does not say comes from `fallbackFilters` and the dashboard. */
export function viewFromSearch(search: string, fallbackFilters: Filter[]): DashboardView {
  const params = new URLSearchParams(search);
  const view: DashboardView = { filters: fallbackFilters };
  const range = params.get('range');
  if (range !== null && range !== '') view.range = parseRange(range);
  const tz = params.get('tz');
  if (tz !== null && tz !== '') view.timezone = tz;
  const filters = params.get('filters');
  if (filters !== null) {
    try {
      const parsed: unknown = JSON.parse(filters);
      if (Array.isArray(parsed) && parsed.every((f) => f !== null && typeof f === 'object' && typeof (f as Filter).field === 'string')) view.filters = parsed as Filter[];
    } catch {
      // A mangled link keeps the dashboard's own filters.
    }
  }
  return view;
}

/** The query string for `view`, keeping the other parameters of `search` (`edit`). */
export function searchOfView(search: string, view: DashboardView, savedFilters: Filter[]): string {
  const params = new URLSearchParams(search);
  for (const key of ['range', 'tz', 'filters']) params.delete(key);
  if (view.range !== undefined) params.set('range', 'last' in view.range ? view.range.last : `${view.range.from}/${view.range.to}`);
  if (view.timezone !== undefined) params.set('tz', view.timezone);
  if (JSON.stringify(view.filters) !== JSON.stringify(savedFilters)) params.set('filters', JSON.stringify(view.filters));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function parseRange(text: string): Range {
  const slash = text.indexOf('/');
  return slash < 0 ? { last: text } : { from: text.slice(0, slash), to: text.slice(slash + 1) };
}
