import type { Filter, Range } from '@sightline/protocol';
import { AppError } from '../../errors.js';

/** What a dashboard is looked at with: applied to every panel's query the same way. */
export interface DashboardView {
  range?: Range;
  timezone?: string;
  filters?: Filter[];
}

/**
 * A panel's query as the dashboard shows it: a panel with a range of its own keeps it (like
 * Grafana's relative-time override: "CPU, last hour" on a 30-day dashboard), others take the
 * view's; the view's time zone replaces the query's; the view's filters are added to the query's
 * own (all must hold). The web app applies the same rule to the queries it keeps live
 * (apps/web/src/features/dashboards/apply-view.ts).
 */
export function applyView(query: Record<string, unknown>, view: DashboardView): Record<string, unknown> {
  const applied: Record<string, unknown> = { ...query };
  if (view.range !== undefined && query.range === undefined) applied.range = view.range;
  if (view.timezone !== undefined) applied.timezone = view.timezone;
  if (view.filters !== undefined && view.filters.length > 0) {
    const own = Array.isArray(query.filters) ? (query.filters as unknown[]) : [];
    applied.filters = [...own, ...view.filters];
  }
  return applied;
}

/** The query string of GET /v1/dashboards/:id/data: `range` (`30d` or `<from>/<to>`), `timezone`, `filters` (JSON list). */
export interface ViewQuerystring {
  range?: string;
  timezone?: string;
  filters?: string;
}

/** Reads the overrides; their content (durations, zones, filters) is checked by the query engine. */
export function parseViewQuerystring(qs: ViewQuerystring): DashboardView {
  const view: DashboardView = {};
  if (qs.range !== undefined) {
    const slash = qs.range.indexOf('/');
    view.range = slash < 0 ? { last: qs.range } : { from: qs.range.slice(0, slash), to: qs.range.slice(slash + 1) };
  }
  if (qs.timezone !== undefined) view.timezone = qs.timezone;
  if (qs.filters !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(qs.filters);
    } catch {
      throw new AppError('invalid_request', { errors: [{ path: '/querystring/filters', message: 'must be a JSON list of filters' }] });
    }
    if (!Array.isArray(parsed)) throw new AppError('invalid_request', { errors: [{ path: '/querystring/filters', message: 'must be a JSON list of filters' }] });
    view.filters = parsed as Filter[];
  }
  return view;
}
