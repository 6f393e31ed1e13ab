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
import type { Field } from './grammar.js';
import type { Aggregate, TrendIR } from './ir.js';

/** A new event: its fields and its time (epoch milliseconds). */
export interface TimedEvent extends FilterableEvent {
  ts: number;
}

/** Statement 0's raw rows and an index of them by group, kept between folds. */
export interface FoldState {
  rows: unknown[][];
  index: Map<string, unknown[]>;
}

export interface IncrementalTrend {
  /** Indexes statement 0's raw rows (as the store returned them) for folding. */
  start(rows: unknown[][]): FoldState;
  /**
   * Adds the events' contributions to the state's rows (changed in place; new groups appended).
   * Events outside the plan's sources, range or filters change nothing. Plans of the same query
   * planned at different times share states (the groups do not depend on the clock).
   */
  fold(state: FoldState, events: readonly TimedEvent[]): void;
}

/** A group's key as text: unambiguous (length-prefixed strings) and cheaper than JSON. */
function groupKey(values: readonly unknown[]): string {
  let key = '';
  for (const v of values) key += v === null ? 'n|' : typeof v === 'string' ? `s${v.length}:${v}|` : `${String(v)}|`;
  return key;
}

const MERGEABLE = new Set(['count', 'sum', 'min', 'max']);
const VALUE: Field = { kind: 'column', column: 'value' };

/** The fold of a trend plan, or undefined when the trend cannot be kept up to date incrementally. */
export function incrementalTrend(ir: TrendIR, scheme: BucketScheme | undefined, statements: number): IncrementalTrend | undefined {
  if (statements !== 1 || ir.previous) return undefined;
  if (!ir.aggregates.every((a) => MERGEABLE.has(a.fn))) return undefined;
  // A formula of literals only: the statement's one column is count(*).
  const aggregates: readonly Aggregate[] = ir.aggregates.length > 0 ? ir.aggregates : [{ fn: 'count', where: [] }];
  const sources = new Set(ir.sources);
  const groups = (scheme ? 1 : 0) + ir.dimensions.length;
  const { from, to } = ir.range;

  return {
    start(rows) {
      const index = new Map<string, unknown[]>();
      if (groups > 0) for (const row of rows) index.set(groupKey(row.slice(0, groups)), row);
      return { rows, index };
    },
    fold(state, events) {
      const { rows, index } = state;
      const key: unknown[] = new Array(groups);
      for (const event of events) {
        if (!sources.has(event.source) || event.ts < from || event.ts >= to) continue;
        if (!ir.filters.every((p) => holds(p, event))) continue;
        let row: unknown[] | undefined;
        if (groups === 0) {
          row = rows[0];
          if (!row) rows.push((row = aggregates.map((a) => (a.fn === 'count' ? 0 : null))));
        } else {
          let k = 0;
          if (scheme) key[k++] = bucketKey(scheme, event.ts);
          for (const dim of ir.dimensions) key[k++] = textOf(dim, event);
          const text = groupKey(key);
          row = index.get(text);
          if (!row) {
            row = [...key, ...aggregates.map((a) => (a.fn === 'count' ? 0 : null))];
            rows.push(row);
            index.set(text, row);
          }
        }
        for (let i = 0; i < aggregates.length; i++) {
          const agg = aggregates[i];
          const at = groups + i;
          if (!agg.where.every((p) => holds(p, event))) continue;
          if (agg.fn === 'count') {
            row[at] = Number(row[at] ?? 0) + 1;
            continue;
          }
          const x = numberOf(agg.of ?? VALUE, event);
          if (x === null || x === undefined) continue;
          const acc = row[at] === null || row[at] === undefined ? null : Number(row[at]);
          if (acc === null) row[at] = x;
          else if (agg.fn === 'sum') row[at] = acc + x;
          else if (agg.fn === 'min') row[at] = Math.min(acc, x);
          else row[at] = Math.max(acc, x);
        }
      }
    },
  };
}
