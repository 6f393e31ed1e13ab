import type { Dashboard } from '@sightline/sdk';
import { useApi, type ApiState } from './useApi';

/** GET /v1/dashboards/:id. */
export function useDashboard(id: string | undefined): ApiState<Dashboard> {
  return useApi(id, (sl, signal) => sl.dashboards.get(id ?? '', signal));
}
