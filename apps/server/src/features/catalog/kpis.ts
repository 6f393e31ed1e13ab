import type { Kpi, KpiBody } from '@sightline/protocol';
import { AppError } from '../../errors.js';
import type { MetaStore } from '../../store/types.js';
import type { CatalogService } from './service.js';

export interface KpiService {
  list(): Promise<Kpi[]>;
  get(name: string): Promise<Kpi>;
  put(name: string, body: KpiBody): Promise<{ created: boolean; kpi: Kpi }>;
  remove(name: string): Promise<void>;
}

/**
 * KPIs: a catalog metric with a direction, a target and warning/critical thresholds, so that every
 * dashboard colours it the same way. The unit and pack come from the metric.
 */
export function createKpiService(meta: MetaStore, catalog: CatalogService): KpiService {
  const load = async (): Promise<Kpi[]> => {
    const metrics = await catalog.metrics();
    return (await meta.listKpis()).map((stored) => {
      const kpi = { ...stored.definition, name: stored.name } as unknown as Kpi;
      const metric = metrics.get(kpi.metric);
      return { ...kpi, ...(metric?.unit ? { unit: metric.unit } : {}), ...(metric?.pack ? { pack: metric.pack } : {}) };
    });
  };
  return {
    list: load,
    async get(name) {
      const kpi = (await load()).find((k) => k.name === name);
      if (!kpi) throw new AppError('not_found', { detail: `No KPI named "${name}"` });
      return kpi;
    },
    async put(name, body) {
      if (body.name !== undefined && body.name !== name) {
        throw new AppError('invalid_kpi', { errors: [{ path: '/name', message: `must match the name in the URL ("${name}") or be left out` }] });
      }
      const errors = [];
      if (!(await catalog.metrics()).has(body.metric)) errors.push({ path: '/metric', message: `is not a catalog metric ("${body.metric}")` });
      // On the bad side, critical lies beyond warning: for "higher is better" critical ≤ warning.
      if (body.warning !== undefined && body.critical !== undefined) {
        const ordered = body.direction === 'higher' ? body.critical <= body.warning : body.critical >= body.warning;
        if (!ordered) errors.push({ path: '/critical', message: `must be ${body.direction === 'higher' ? 'at most' : 'at least'} warning when ${body.direction} is better` });
      }
      if (errors.length > 0) throw new AppError('invalid_kpi', { errors });
      const { name: _name, ...definition } = body;
      const created = await meta.putKpi(name, definition);
      return { created, kpi: await this.get(name) };
    },
    async remove(name) {
      if (!(await meta.deleteKpi(name))) throw new AppError('not_found', { detail: `No KPI named "${name}"` });
    },
  };
}
