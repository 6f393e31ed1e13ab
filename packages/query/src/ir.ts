/** The engine's intermediate form: validated, names resolved, no JSON left. Dialect-free. */
import type { FilterScalar, Fn, Interval } from '@sightline/protocol';
import type { Field } from './grammar.js';
import type { FormulaAst } from './formula.js';

export type Predicate =
  /** The field equals one of the values (numbers compare numerically, the rest as text). */
  | { kind: 'in'; field: Field; values: readonly FilterScalar[] }
  /** Holds when the inner predicate is false or unknown (a missing field): neq, nin. */
  | { kind: 'not'; inner: Predicate }
  | { kind: 'cmp'; field: Field; op: '>' | '>=' | '<' | '<='; value: number | string }
  | { kind: 'contains'; field: Field; value: string }
  | { kind: 'exists'; field: Field; present: boolean };

export interface Aggregate {
  fn: Fn;
  of?: Field;
  where: readonly Predicate[];
}

/** How a measure name gets its value: an aggregate column of the statement, or a formula. */
export type ValueRef = { kind: 'agg'; index: number } | { kind: 'formula'; ast: FormulaAst };

export interface Period {
  from: number;
  to: number;
}

export interface OrderKey {
  column: string;
  desc: boolean;
}

export interface TrendIR {
  kind: 'trend';
  sources: readonly string[];
  range: Period;
  /** Set with compare: previous_period. */
  previous?: Period;
  interval?: Interval;
  timeZone: string;
  dimensions: readonly Field[];
  filters: readonly Predicate[];
  aggregates: readonly Aggregate[];
  /** Every name a formula or an output may refer to (visible and hidden measures). */
  values: ReadonlyMap<string, ValueRef>;
  /** The visible measures, in the order asked. */
  outputs: readonly { name: string; type: 'number' | 'integer' }[];
  order: readonly OrderKey[];
  limit: number;
  limitExplicit: boolean;
}

export interface FunnelIR {
  kind: 'funnel';
  sources: readonly string[];
  range: Period;
  windowMs: number;
  filters: readonly Predicate[];
  steps: readonly { name: string; where: readonly Predicate[] }[];
  breakdown?: Field;
}

/** The value of an aggregate over no events: 0 for counts and sums, null otherwise. */
export function emptyValue(fn: Fn): number | null {
  return fn === 'count' || fn === 'sum' || fn === 'uniq' ? 0 : null;
}
