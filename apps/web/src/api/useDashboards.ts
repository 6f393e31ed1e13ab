import type { DashboardSummary } from '@sightline/sdk';
import { useApi, type ApiState } from './useApi';

/** GET /v1/dashboards. */
export function useDashboards(): ApiState<DashboardSummary[]> {
  return useApi('dashboards', (sl, signal) => sl.dashboards.list(signal));
}
