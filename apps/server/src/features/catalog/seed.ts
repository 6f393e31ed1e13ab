import { PACK_KPIS, PACK_METRICS } from '../packs/index.js';
import type { MetaStore } from '../../store/types.js';

/**
 * On a first start the catalog gets every pack's metrics. Only then: a metric a user later edits or
 * deletes stays as the user left it.
 */
export async function seedPackMetrics(meta: MetaStore): Promise<void> {
  for (const { name, ...definition } of PACK_METRICS) {
    await meta.putMetric(name, definition);
  }
}

/** The packs' KPIs, on a first start too (after the metrics they name). */
export async function seedPackKpis(meta: MetaStore): Promise<void> {
  for (const { name, ...definition } of PACK_KPIS) {
    await meta.putKpi(name, definition);
  }
}
