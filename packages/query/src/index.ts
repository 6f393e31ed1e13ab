/**
 * The query engine: validate → normalize → IR → compile(dialect) → statements, then shape the rows.
 * Pure: no I/O; the caller runs the statements and hands the rows back to `finish`.
 */
import type { MetricDefinition, QueryAnswer } from '@sightline/protocol';
import type { CompiledStatement } from './compile.js';
import type { Dialect } from './dialect.js';
import { duckdbDialect } from './dialects/duckdb.js';
import { planFunnel } from './funnel.js';
import { normalizeFunnel, normalizeTrend } from './normalize.js';
import { planTrend } from './trend.js';
import { validateQuery } from './validate.js';

export { QueryError, type QueryErrorCode } from './errors.js';
export { validateMetricDefinition } from './metric.js';
export { duckdbDialect };
export type { CompiledStatement, Dialect };

export interface QueryPlan {
  statements: CompiledStatement[];
  /** results[i] holds the rows of statements[i], each row an array of column values. */
  finish(results: unknown[][][]): QueryAnswer;
}

export interface PlanContext {
  /** Epoch milliseconds that `{"last": …}` ranges end at. */
  now: number;
  metrics: ReadonlyMap<string, MetricDefinition>;
  dialect?: Dialect;
}

/** Plans a query body; throws QueryError (code invalid_query) listing every problem found. */
export function planQuery(input: unknown, ctx: PlanContext): QueryPlan {
  const dialect = ctx.dialect ?? duckdbDialect;
  const valid = validateQuery(input, ctx.now, ctx.metrics);
  if (valid.kind === 'funnel') {
    return planFunnel(normalizeFunnel(valid.query, valid.sources, valid.range, valid.windowMs), dialect);
  }
  return planTrend(normalizeTrend(valid.query, valid.sources, valid.range, valid.timeZone, ctx.metrics), dialect);
}
