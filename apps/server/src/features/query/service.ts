import type { QueryAnswer } from '@sightline/protocol';
import { QueryError, planQuery } from '@sightline/query';
import { AppError } from '../../errors.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { EventStore } from '../../store/types.js';
import type { CatalogService } from '../catalog/service.js';

export interface QueryResult extends QueryAnswer {
  meta: { took_ms: number; cached: boolean };
}

export interface QueryService {
  run(body: unknown): Promise<QueryResult>;
}

export function createQueryService(deps: {
  store: EventStore;
  catalog: CatalogService;
  clock: () => number;
  telemetry: Telemetry;
}): QueryService {
  const { store, catalog, clock, telemetry } = deps;
  return {
    async run(body) {
      const started = performance.now();
      const kind = kindOf(body);
      let plan;
      try {
        plan = planQuery(body, { now: clock(), metrics: await catalog.metrics() });
      } catch (error) {
        if (error instanceof QueryError) {
          telemetry.queryDuration.observe({ kind, outcome: 'invalid' }, (performance.now() - started) / 1000);
          throw new AppError('invalid_query', { errors: error.errors.map((e) => ({ ...e })) });
        }
        throw error;
      }
      const results = await Promise.all(plan.statements.map((s) => store.query(s.sql, s.params)));
      const answer = plan.finish(results);
      const tookMs = performance.now() - started;
      telemetry.queryDuration.observe({ kind, outcome: 'ok' }, tookMs / 1000);
      return { ...answer, meta: { took_ms: Math.round(tookMs * 100) / 100, cached: false } };
    },
  };
}

/** A bounded label for metrics: only the kinds the engine knows, whatever the client sent. */
function kindOf(body: unknown): string {
  const kind = body !== null && typeof body === 'object' ? (body as { kind?: unknown }).kind : undefined;
  return kind === 'funnel' ? 'funnel' : kind === undefined || kind === 'trend' ? 'trend' : 'other';
}
