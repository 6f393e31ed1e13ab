import type { QueryAnswer, QueryMeta } from '@sightline/protocol';
import { QueryError, duckdbDialect, planQuery, postgresDialect, type QueryPlan, type QueryScope } from '@sightline/query';
import { AppError } from '../../errors.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { EventStore } from '../../store/types.js';
import type { Access } from '../auth/permissions.js';
import type { CatalogService } from '../catalog/service.js';
import type { QueryResultCache } from './result-cache.js';

export interface QueryResult extends QueryAnswer {
  meta: QueryMeta;
}

export interface QueryService {
  /** Runs a query; with `access`, every source it names must be readable (403 otherwise). */
  run(body: unknown, access?: Access): Promise<QueryResult>;
  /** Checks a query as `run` would (without running it) and tells which sources and times it reads. */
  scope(body: unknown, access?: Access): Promise<QueryScope & { incremental: boolean }>;
  /** Plans a query (AppError invalid_query), optionally over the events stored up to `maxSeq` only. */
  prepare(body: unknown, options?: { maxSeq?: number }): Promise<QueryPlan>;
  /** Runs a plan's statements: the rows its `finish` takes. */
  execute(plan: QueryPlan): Promise<unknown[][][]>;
}

export function createQueryService(deps: {
  store: EventStore;
  catalog: CatalogService;
  clock: () => number;
  telemetry: Telemetry;
  /** Answers of `run` kept until events land in their scope (live queries never use it). */
  cache?: QueryResultCache;
}): QueryService {
  const { store, catalog, clock, telemetry, cache } = deps;
  // The SQL dialect of the store's tier.
  const dialect = store.dialectName === 'postgres' ? postgresDialect : duckdbDialect;
  const planOf = async (body: unknown, maxSeq?: number): Promise<QueryPlan> => {
    try {
      // Rollups answer what they can (never a live base, which has a maxSeq): docs/rollups.md.
      return planQuery(body, { now: clock(), metrics: await catalog.metrics(), dialect, rollups: store.rollupLayout(), ...(maxSeq === undefined ? {} : { maxSeq }) });
    } catch (error) {
      if (error instanceof QueryError) throw new AppError('invalid_query', { errors: error.errors.map((e) => ({ ...e })) });
      throw error;
    }
  };
  return {
    async scope(body, access) {
      if (access) checkReadable(body, access);
      const plan = await planOf(body);
      return { ...plan.scope, incremental: plan.incremental !== undefined };
    },
    prepare: (body, options = {}) => planOf(body, options.maxSeq),
    execute: (plan) => Promise.all(plan.statements.map((s) => store.query(s.sql, s.params))),
    async run(body, access) {
      const started = performance.now();
      if (access) checkReadable(body, access);
      const kind = kindOf(body);
      let plan;
      try {
        plan = await planOf(body);
      } catch (error) {
        if (error instanceof AppError) telemetry.queryDuration.observe({ kind, outcome: 'invalid' }, (performance.now() - started) / 1000);
        throw error;
      }
      const cached = await cache?.lookup(body, plan, await catalog.metrics());
      const answer = cached?.answer ?? plan.finish(await Promise.all(plan.statements.map((s) => store.query(s.sql, s.params))));
      if (cached && !cached.answer) cached.keep(answer);
      const tookMs = performance.now() - started;
      telemetry.queryDuration.observe({ kind, outcome: 'ok' }, tookMs / 1000);
      telemetry.queryAnswers.inc({ from: cached?.answer !== undefined ? 'cache' : plan.rollup ? 'rollup' : 'raw' });
      const meta: QueryMeta = { took_ms: Math.round(tookMs * 100) / 100, cached: cached?.answer !== undefined, ...(plan.rollup ? { rollup: plan.rollup } : {}) };
      return { ...answer, meta };
    },
  };
}

/** A bounded label for metrics: only the kinds the engine knows, whatever the client sent. */
function kindOf(body: unknown): string {
  const kind = body !== null && typeof body === 'object' ? (body as { kind?: unknown }).kind : undefined;
  return kind === 'funnel' ? 'funnel' : kind === undefined || kind === 'trend' ? 'trend' : 'other';
}

/**
 * The sources a query names must all be readable. A malformed `source` is left to the query's own
 * validation (422); a readable one that is malformed elsewhere is too.
 */
function checkReadable(body: unknown, access: Access): void {
  if (access.readsAll()) return;
  const source = body !== null && typeof body === 'object' ? (body as { source?: unknown }).source : undefined;
  const named = typeof source === 'string' ? [[source, '/source']] : Array.isArray(source) ? source.map((s, i) => [s, `/source/${i}`]) : [];
  const errors = named.filter(([s]) => typeof s === 'string' && !access.canRead(s)).map(([, path]) => ({ path: String(path), message: 'is a source you may not read' }));
  if (errors.length > 0) throw new AppError('forbidden', { detail: 'The query reads sources you may not read', errors });
}
