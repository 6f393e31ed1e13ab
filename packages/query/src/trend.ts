/** Plans a trend: the main statement, the previous period's and the series ranking's when needed. */
import type { QueryAnswer } from '@sightline/protocol';
import { bucketKeys, bucketScheme } from './buckets.js';
import { type CompiledStatement, compileTrend } from './compile.js';
import type { Dialect } from './dialect.js';
import { incrementalTrend, type IncrementalTrend } from './incremental.js';
import type { Period, TrendIR } from './ir.js';
import type { RollupLayout } from './rollup.js';
import { compileRollupTrend, trendFitsRollups } from './rollup-plan.js';
import { type TrendLayout, shapeTrend } from './shape.js';

export function planTrend(
  ir: TrendIR,
  dialect: Dialect,
  maxSeq?: number,
  rollups?: RollupLayout,
): { statements: CompiledStatement[]; finish(results: unknown[][][]): QueryAnswer; incremental?: IncrementalTrend; rollup?: string } {
  // One span for both periods, so the current and previous statements share their SQL text.
  const span = ir.previous ? { from: ir.previous.from, to: ir.range.to } : ir.range;
  const scheme = ir.interval ? bucketScheme(ir.interval, ir.timeZone, span) : undefined;
  // A live base (maxSeq) reads events up to a sequence number, which rollups do not record.
  const fromRollups = rollups !== undefined && maxSeq === undefined && trendFitsRollups(ir, rollups);
  const used = new Set<string>();
  const compile = (period: Period, withScheme: typeof scheme): CompiledStatement => {
    const r = fromRollups ? compileRollupTrend(ir, dialect, period, withScheme, span, rollups) : undefined;
    if (!r) {
      if (fromRollups) used.add('raw');
      return compileTrend(ir, dialect, period, withScheme, span, maxSeq);
    }
    for (const u of r.used) used.add(u);
    return r.statement;
  };
  const statements = [compile(ir.range, scheme)];
  const layout: TrendLayout = {
    scheme,
    currentKeys: scheme ? bucketKeys(scheme, ir.range) : [],
    previousKeys: scheme && ir.previous ? bucketKeys(scheme, ir.previous) : [],
    previous: -1,
    ranking: -1,
  };
  if (ir.previous) {
    layout.previous = statements.length;
    statements.push(compile(ir.previous, scheme));
  }
  // With buckets, an explicit limit caps series ranked over the whole range: totals per series.
  if (scheme && ir.dimensions.length > 0 && ir.limitExplicit) {
    layout.ranking = statements.length;
    statements.push(compile(ir.range, undefined));
  }
  const incremental = incrementalTrend(ir, scheme, statements.length);
  // Named only when some grain was read: "day+hour+raw".
  const order = ['day', 'hour', 'minute', 'raw'];
  const rollup = [...used].some((u) => u !== 'raw') ? order.filter((u) => used.has(u)).join('+') : undefined;
  return {
    statements,
    finish: (results) => shapeTrend(ir, layout, results),
    ...(incremental ? { incremental } : {}),
    ...(rollup ? { rollup } : {}),
  };
}
