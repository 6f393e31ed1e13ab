import type { Filter, Query, Range } from '@sightline/sdk';

/** What the dashboard header sets for every panel: time range, zone and filters. */
export interface DashboardView {
  /** Undefined: the dashboard's range. Panels with a range of their own keep it either way. */
  range?: Range;
  /** Undefined: the dashboard's zone (else each query's own). */
  timezone?: string;
  /** The dashboard's filters as the user edited them; they replace the stored ones. */
  filters: Filter[];
}

/** The dashboard's own range and zone, in force while the view sets none. */
export interface ViewDefaults {
  range?: Range;
  timezone?: string;
}

/**
 * A panel's query as GET /v1/dashboards/:id/data runs it (apps/server's dashboards/view.ts): a
 * panel with a range of its own keeps it ("last hour" on a 30-day dashboard), the others take the
 * view's (else the dashboard's); the view's zone (else the dashboard's) replaces the query's; the
 * view's filters are appended to the query's own. Trend and funnel queries alike; the query given
 * is not changed.
 */
export function applyView(query: Query, view: DashboardView, defaults: ViewDefaults = {}): Query {
  const out: Query = { ...query };
  const range = view.range ?? defaults.range;
  if (range !== undefined && query.range === undefined) out.range = range;
  const timezone = view.timezone ?? defaults.timezone;
  if (timezone !== undefined) out.timezone = timezone;
  if (view.filters.length > 0) out.filters = [...(query.filters ?? []), ...view.filters];
  return out;
}

/** Two filters are the same when field, op and value are (a drill-down adds each once). */
export function sameFilter(a: Filter, b: Filter): boolean {
  return a.field === b.field && a.op === b.op && JSON.stringify(a.value) === JSON.stringify(b.value);
}

/** The view as a stable string: a change of it reloads the data and renews the live subscriptions. */
export function viewKey(view: DashboardView): string {
  return JSON.stringify([view.range ?? null, view.timezone ?? null, view.filters]);
}
