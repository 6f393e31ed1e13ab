import type { MetricDefinition } from '@sightline/protocol';
import { QueryError, planQuery, validateMetricDefinition } from '@sightline/query';
import { AppError } from '../../errors.js';
import type { Invalidations } from '../../platform/invalidation.js';
import type { MetaStore } from '../../store/types.js';

export interface CatalogService {
  /** Every metric by name, as the query planner wants them. */
  metrics(): Promise<ReadonlyMap<string, MetricDefinition>>;
  list(): Promise<MetricDefinition[]>;
  get(name: string): Promise<MetricDefinition>;
  /** Returns true when the metric was created (false: replaced). */
  put(name: string, body: unknown): Promise<{ created: boolean; metric: MetricDefinition }>;
  remove(name: string): Promise<void>;
}

/**
 * `invalidations`: changes made here are announced to the other instances; theirs drop this
 * instance's cached catalog, and so does every resync (announcements may have been lost).
 */
export function createCatalogService(meta: MetaStore, invalidations?: Invalidations): CatalogService {
  // Read on every query, changed rarely: cache the map and drop it on every change, wherever made.
  let cached: Promise<Map<string, MetricDefinition>> | undefined;
  const drop = () => {
    cached = undefined;
  };
  invalidations?.on('catalog', drop);
  invalidations?.onResync(drop);
  const load = async () => {
    const stored = await meta.listMetrics();
    return new Map(stored.map((m) => [m.name, { ...m.definition, name: m.name } as MetricDefinition]));
  };
  const metrics = () => {
    if (cached) return cached;
    const loading = load().catch((error: unknown) => {
      if (cached === loading) cached = undefined; // not a newer load started after a drop
      throw error;
    });
    return (cached = loading);
  };

  return {
    metrics,
    async list() {
      return [...(await metrics()).values()];
    },
    async get(name) {
      const metric = (await metrics()).get(name);
      if (!metric) throw new AppError('not_found', { detail: `No metric named "${name}"` });
      return metric;
    },
    async put(name, body) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new AppError('invalid_metric', { errors: [{ path: '/', message: 'must be an object' }] });
      }
      const named = body as Record<string, unknown>;
      if (named.name !== undefined && named.name !== name) {
        throw new AppError('invalid_metric', {
          errors: [{ path: '/name', message: `must match the name in the URL ("${name}") or be left out` }],
        });
      }
      const metric = asMetricError(() => validateMetricDefinition({ ...named, name }));
      const next = new Map(await metrics());
      next.set(name, metric);
      // A trial plan over the new catalog finds unknown references and cycles in formulas.
      asMetricError(() => planQuery({ source: 'catalog_check', measures: [name] }, { now: Date.now(), metrics: next }));
      const { name: _name, ...definition } = metric;
      const created = await meta.putMetric(name, definition);
      drop();
      await invalidations?.announce({ kind: 'catalog', id: name });
      return { created, metric };
    },
    async remove(name) {
      const current = await metrics();
      if (!current.has(name)) throw new AppError('not_found', { detail: `No metric named "${name}"` });
      const next = new Map(current);
      next.delete(name);
      const dependents = [...next.values()]
        .filter((m) => m.formula !== undefined)
        .filter((m) => !plans(m.name, next))
        .map((m) => m.name);
      if (dependents.length > 0) {
        throw new AppError('conflict', {
          detail: `Metric "${name}" is used by the formulas of: ${dependents.join(', ')}`,
        });
      }
      await meta.deleteMetric(name);
      drop();
      await invalidations?.announce({ kind: 'catalog', id: name });
    },
  };
}

function plans(name: string, catalog: ReadonlyMap<string, MetricDefinition>): boolean {
  try {
    planQuery({ source: 'catalog_check', measures: [name] }, { now: Date.now(), metrics: catalog });
    return true;
  } catch {
    return false;
  }
}

function asMetricError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof QueryError) {
      throw new AppError('invalid_metric', { errors: error.errors.map((e) => ({ ...e })) });
    }
    throw error;
  }
}
