import type { Dashboard, DashboardDataOptions } from '@sightline/sdk';
import { viewKey, type DashboardView } from '../features/dashboards/apply-view';
import { outcomesOf, type PanelOutcome } from './panel-answer';
import { useApi, type ApiState } from './useApi';

/**
 * Every panel's outcome for this view, in one GET /v1/dashboards/:id/data. Reloaded when the view
 * or a panel's query changes; the previous outcomes stay on screen meanwhile.
 */
export function useDashboardData(dashboard: Dashboard | undefined, view: DashboardView): ApiState<Record<string, PanelOutcome>> {
  const queries = dashboard === undefined ? '' : JSON.stringify(dashboard.panels.map((p) => [p.id, p.query]));
  const key = dashboard === undefined ? undefined : `${dashboard.id}|${viewKey(view)}|${queries}`;
  return useApi(
    key,
    async (sl, signal) => {
      if (dashboard === undefined) return {};
      const options: DashboardDataOptions = { signal };
      if (view.range !== undefined) options.range = 'last' in view.range ? view.range.last : view.range;
      if (view.timezone !== undefined) options.timezone = view.timezone;
      // Always sent, an empty list too: the user may have removed the dashboard's own filters.
      options.filters = view.filters;
      return outcomesOf(await sl.dashboards.data(dashboard.id, options));
    },
    true,
  );
}
