import type { Kpi, MetricDefinition, SourceSummary } from '@sightline/sdk';
import { useApi, type ApiState } from './useApi';

export interface Catalog {
  metrics: MetricDefinition[];
  kpis: Kpi[];
  sources: SourceSummary[];
}

/**
 * GET /v1/metrics, /v1/kpis and /v1/sources together. One list the principal may not read
 * leaves that list empty rather than failing the others.
 */
export function useCatalog(enabled = true): ApiState<Catalog> {
  return useApi(enabled ? 'catalog' : undefined, async (sl, signal) => {
    const [metrics, kpis, sources] = await Promise.allSettled([sl.catalog.metrics(signal), sl.catalog.kpis(signal), sl.catalog.sources(signal)]);
    return {
      metrics: metrics.status === 'fulfilled' ? metrics.value : [],
      kpis: kpis.status === 'fulfilled' ? kpis.value : [],
      sources: sources.status === 'fulfilled' ? sources.value : [],
    };
  });
}
