/** Plans a trend: the main statement, the previous period's and the series ranking's when needed. */
import type { QueryAnswer } from '@sightline/protocol';
import { bucketKeys, bucketScheme } from './buckets.js';
import { type CompiledStatement, compileTrend } from './compile.js';
import type { Dialect } from './dialect.js';
import { incrementalTrend, type IncrementalTrend } from './incremental.js';
import type { TrendIR } from './ir.js';
import { type TrendLayout, shapeTrend } from './shape.js';

export function planTrend(
  ir: TrendIR,
  dialect: Dialect,
  maxSeq?: number,
): { statements: CompiledStatement[]; finish(results: unknown[][][]): QueryAnswer; incremental?: IncrementalTrend } {
  // One span for both periods, so the current and previous statements share their SQL text.
  const span = ir.previous ? { from: ir.previous.from, to: ir.range.to } : ir.range;
  const scheme = ir.interval ? bucketScheme(ir.interval, ir.timeZone, span) : undefined;
  const statements = [compileTrend(ir, dialect, ir.range, scheme, span, maxSeq)];
  const layout: TrendLayout = {
    scheme,
    currentKeys: scheme ? bucketKeys(scheme, ir.range) : [],
    previousKeys: scheme && ir.previous ? bucketKeys(scheme, ir.previous) : [],
    previous: -1,
    ranking: -1,
  };
  if (ir.previous) {
    layout.previous = statements.length;
    statements.push(compileTrend(ir, dialect, ir.previous, scheme, span, maxSeq));
  }
  // With buckets, an explicit limit caps series ranked over the whole range: totals per series.
  if (scheme && ir.dimensions.length > 0 && ir.limitExplicit) {
    layout.ranking = statements.length;
    statements.push(compileTrend(ir, dialect, ir.range, undefined, span, maxSeq));
  }
  const incremental = incrementalTrend(ir, scheme, statements.length);
  return { statements, finish: (results) => shapeTrend(ir, layout, results), ...(incremental ? { incremental } : {}) };
}
