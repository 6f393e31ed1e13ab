/**
 * Keeping a trend's result up to date from new events, without running its SQL again. A trend whose
 * one statement aggregates only with count, sum, min and max can take new events into its raw rows
 * (the statement's GROUP BY rows) in memory: the group is found from the event's bucket key and
 * dimension texts, each aggregate takes the event's contribution, and the plan's `finish` shapes the
 * rows as it would the statement's. uniq, avg and percentiles cannot be merged this way, nor can a
 * comparison or a ranking statement; those queries are recomputed in full instead.
 */
import { bucketKey, type BucketScheme } from './buckets.js';
import { holds, numberOf, textOf, type FilterableEvent } from './event-eval.js';
import type { Aggregate, TrendIR } from './ir.js';

/** A new event: its fields and its time (epoch milliseconds). */
export interface TimedEvent extends FilterableEvent {
  ts: number;
}

export interface IncrementalTrend {
  /**
   * Adds the events' contributions to `rows` (statement 0's raw rows, changed in place; new groups
   * appended) and returns them. Events outside the plan's sources, range or filters change nothing.
   */
  fold(rows: unknown[][], events: readonly TimedEvent[]): unknown[][];
}

const MERGEABLE = new Set(['count', 'sum', 'min', 'max']);

/** The fold of a trend plan, or undefined when the trend cannot be kept up to date incrementally. */
export function incrementalTrend(ir: TrendIR, scheme: BucketScheme | undefined, statements: number): IncrementalTrend | undefined {
  if (statements !== 1 || ir.previous) return undefined;
  if (!ir.aggregates.every((a) => MERGEABLE.has(a.fn))) return undefined;
  // A formula of literals only: the statement's one column is count(*).
  const aggregates: readonly Aggregate[] = ir.aggregates.length > 0 ? ir.aggregates : [{ fn: 'count', where: [] }];
  const sources = new Set(ir.sources);
  const groups = (scheme ? 1 : 0) + ir.dimensions.length;
  const { from, to } = ir.range;

  const keyOf = (values: readonly unknown[]) => JSON.stringify(values);
  return {
    fold(rows, events) {
      const index = new Map<string, unknown[]>();
      if (groups > 0) for (const row of rows) index.set(keyOf(row.slice(0, groups)), row);
      for (const event of events) {
        if (!sources.has(event.source) || event.ts < from || event.ts >= to) continue;
        if (!ir.filters.every((p) => holds(p, event))) continue;
        let row: unknown[] | undefined;
        if (groups === 0) {
          row = rows[0];
          if (!row) rows.push((row = aggregates.map((a) => (a.fn === 'count' ? 0 : null))));
        } else {
          const key: unknown[] = [];
          if (scheme) key.push(bucketKey(scheme, event.ts));
          for (const dim of ir.dimensions) key.push(textOf(dim, event));
          const text = keyOf(key);
          row = index.get(text);
          if (!row) {
            row = [...key, ...aggregates.map((a) => (a.fn === 'count' ? 0 : null))];
            rows.push(row);
            index.set(text, row);
          }
        }
        aggregates.forEach((agg, i) => {
          const at = groups + i;
          if (!agg.where.every((p) => holds(p, event))) return;
          if (agg.fn === 'count') {
            row[at] = Number(row[at] ?? 0) + 1;
            return;
          }
          const x = numberOf(agg.of ?? { kind: 'column', column: 'value' }, event);
          if (x === null || x === undefined) return;
          const acc = row[at] === null || row[at] === undefined ? null : Number(row[at]);
          if (acc === null) row[at] = x;
          else if (agg.fn === 'sum') row[at] = acc + x;
          else if (agg.fn === 'min') row[at] = Math.min(acc, x);
          else row[at] = Math.max(acc, x);
        });
      }
      return rows;
    },
  };
}
