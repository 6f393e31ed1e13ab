// Query language types: see docs/query-language.md (the contract; these types only mirror it).

export const QUERY_FNS = ['count', 'sum', 'avg', 'min', 'max', 'uniq', 'p50', 'p90', 'p95', 'p99'] as const;
export type Fn = (typeof QUERY_FNS)[number];

export const FILTER_OPS = ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const METRIC_UNITS = ['count', 'currency', 'percent', 'ms', 'ratio', 'number'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

/** A scalar a filter compares with. */
export type FilterScalar = string | number | boolean;

/**
 * `field` is `name`, `actor`, `source`, `value` or `props.<path>`. `value` depends on `op`: a scalar
 * (eq, neq, gt, gte, lt, lte, contains), a non-empty list (in, nin), a boolean (exists).
 */
export interface Filter {
  field: string;
  op: FilterOp;
  value: FilterScalar | FilterScalar[];
}

/** `{"name": "order_completed"}` is shorthand for an `eq` filter on `name`. */
export type Where = { name: string } | Filter[];

export interface AggregateMeasure {
  as: string;
  fn: Fn;
  /** `value` or `props.<path>`. */
  of?: string;
  where?: Where;
}

export interface FormulaMeasure {
  as: string;
  formula: string;
}

/** A catalog metric's name, an aggregate, or a formula over other measures. */
export type Measure = string | AggregateMeasure | FormulaMeasure;

export type Range = { from: string; to: string } | { last: string };

export interface OrderBy {
  by: string;
  dir?: 'asc' | 'desc';
}

export interface TrendQuery {
  kind?: 'trend';
  source: string | string[];
  measures: Measure[];
  dimensions?: string[];
  interval?: Interval;
  range?: Range;
  timezone?: string;
  filters?: Filter[];
  compare?: 'previous_period';
  order?: OrderBy[];
  limit?: number;
}

export interface FunnelStep {
  name: string;
  where?: Filter[];
}

export interface FunnelQuery {
  kind: 'funnel';
  source: string | string[];
  steps: FunnelStep[];
  window?: string;
  range?: Range;
  timezone?: string;
  filters?: Filter[];
  breakdown?: string;
}

export type Query = TrendQuery | FunnelQuery;

/** A catalog entry: flat, mirrors a measure; exactly one of `fn` and `formula`. */
export interface MetricDefinition {
  name: string;
  description?: string;
  unit?: MetricUnit;
  pack?: string;
  fn?: Fn;
  of?: string;
  where?: Where;
  /** Refers to other catalog metrics by name. */
  formula?: string;
}

export type ColumnType = 'time' | 'string' | 'number' | 'integer';

export interface Column {
  name: string;
  type: ColumnType;
}

export interface QueryAnswer {
  columns: Column[];
  rows: unknown[][];
}

/** What the server tells about how it answered a query (POST /v1/query's `meta`). */
export interface QueryMeta {
  took_ms: number;
  cached: boolean;
  /**
   * Set when pre-aggregated rollups answered (part of) the query: the grains read, coarsest first,
   * and `raw` when events were read too (e.g. `day+hour+raw`). See docs/rollups.md.
   */
  rollup?: string;
}
