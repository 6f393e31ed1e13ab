/**
 * The query engine: validate → normalize → IR → compile(dialect) → statements, then shape the rows.
 * Pure: no I/O; the caller runs the statements and hands the rows back to `finish`.
 */
import type { MetricDefinition, QueryAnswer } from '@sightline/protocol';
import type { IncrementalTrend } from './incremental.js';
import type { CompiledStatement } from './compile.js';
import type { Dialect } from './dialect.js';
import type { RollupLayout } from './rollup.js';
import { duckdbDialect } from './dialects/duckdb.js';
import { planFunnel } from './funnel.js';
import { normalizeFunnel, normalizeTrend } from './normalize.js';
import { planTrend } from './trend.js';
import { validateQuery } from './validate.js';

export { QueryError, type QueryErrorCode } from './errors.js';
export { validateMetricDefinition } from './metric.js';
export { compileEventFilter, type EventPredicate, type FilterableEvent } from './event-filter.js';
export type { FoldState, IncrementalTrend, TimedEvent } from './incremental.js';
export {
  ROLLUP_GRAINS,
  ROLLUP_GRAIN_MS,
  ROLLUP_LOCK,
  ROLLUP_MAX_DIMENSIONS,
  ROLLUP_TABLE,
  rollupCompactStatements,
  rollupCreateStatements,
  rollupDeltaStatements,
  rollupDimensionsProblems,
  rollupRebuildStatements,
  rollupRepairStatements,
  type RollupGrain,
  type RollupLayout,
} from './rollup.js';
export { duckdbDialect };
export { postgresDialect } from './dialects/postgres.js';
export type { CompiledStatement, Dialect };

/**
 * What events a query reads: its sources and time span. A live query is recomputed only when new
 * events fall inside it. `relative`: the range is `{"last": …}`, so it slides with the clock (the
 * span then ends at "now", whenever that is).
 */
export interface QueryScope {
  sources: readonly string[];
  from: number;
  to: number;
  relative: boolean;
}

export interface QueryPlan {
  statements: CompiledStatement[];
  scope: QueryScope;
  /** Set for trends that can take new events into their raw rows without SQL (incremental.ts). */
  incremental?: IncrementalTrend;
  /** The rollup grains the statements read ("day+hour+raw"), when any (see docs/rollups.md). */
  rollup?: string;
  /** results[i] holds the rows of statements[i], each row an array of column values. */
  finish(results: unknown[][][]): QueryAnswer;
}

export interface PlanContext {
  /** Epoch milliseconds that `{"last": …}` ranges end at. */
  now: number;
  metrics: ReadonlyMap<string, MetricDefinition>;
  dialect?: Dialect;
  /** Read only events stored up to this sequence number (trends; funnels read everything). */
  maxSeq?: number;
  /** Declared rollup dimensions per source: when given (and no maxSeq), trends may be answered from rollups. */
  rollups?: RollupLayout;
}

/** Plans a query body; throws QueryError (code invalid_query) listing every problem found. */
export function planQuery(input: unknown, ctx: PlanContext): QueryPlan {
  const dialect = ctx.dialect ?? duckdbDialect;
  const valid = validateQuery(input, ctx.now, ctx.metrics);
  const relative = (input as { range?: { last?: unknown } }).range?.last !== undefined || (input as { range?: unknown }).range === undefined;
  if (valid.kind === 'funnel') {
    // A funnel follows an actor past the range's end by up to its window.
    const scope = { sources: valid.sources, from: valid.range.from, to: valid.range.to + valid.windowMs, relative };
    return { ...planFunnel(normalizeFunnel(valid.query, valid.sources, valid.range, valid.windowMs), dialect), scope };
  }
  // A comparison also reads the period before the range.
  const span = valid.range.to - valid.range.from;
  const from = valid.query.compare === undefined ? valid.range.from : valid.range.from - span;
  const scope = { sources: valid.sources, from, to: valid.range.to, relative };
  const ir = normalizeTrend(valid.query, valid.sources, valid.range, valid.timeZone, ctx.metrics);
  return { ...planTrend(ir, dialect, ctx.maxSeq, ctx.rollups), scope };
}
