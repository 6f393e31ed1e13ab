/**
 * Answers a trend statement from the rollup tables (rollup.ts) when it can, with the raw statement's
 * columns, types and row set, so `shapeTrend` cannot tell the two apart.
 *
 * The range [from, to) is split into the coarsest usable grain's aligned interior, finer grains for
 * the edges and raw events for what no grain covers (sub-minute edges). Each part yields partial
 * aggregates per (instant, dimensions); the parts are UNION ALLed and re-aggregated, and the bucket
 * key is computed from the instant (a rollup's bucket start or an event's epoch ms), which gives the
 * same key as the event's own instant when the scheme is compatible with the grain (see grainsFor).
 */
import type { BucketScheme } from './buckets.js';
import { bucketKeySql, type CompiledStatement, SqlWriter, TABLE } from './compile.js';
import type { Dialect } from './dialect.js';
import { type Field, fieldLabel } from './grammar.js';
import type { Aggregate, Period, Predicate, TrendIR } from './ir.js';
import { ROLLUP_GRAIN_MS, ROLLUP_TABLE, type RollupGrain, type RollupLayout } from './rollup.js';

/** Coarsest first: the order the range is decomposed in. */
const COARSE_TO_FINE: readonly RollupGrain[] = ['day', 'hour', 'minute'];

/** The query-independent field a rollup row has, or undefined when only raw events have it. */
function rollupField(field: Field, ir: TrendIR, layout: RollupLayout): boolean {
  if (field.kind === 'column') return field.column === 'name' || field.column === 'source';
  const label = fieldLabel(field);
  return ir.sources.every((s) => (layout.get(s) ?? []).includes(label));
}

function predicateFits(p: Predicate, ir: TrendIR, layout: RollupLayout): boolean {
  switch (p.kind) {
    case 'not':
      return predicateFits(p.inner, ir, layout);
    case 'in':
      // A number compares with a prop's number (needs the raw JSON); on name/source it never matches either way.
      return rollupField(p.field, ir, layout) && (p.field.kind === 'column' || p.values.every((v) => typeof v !== 'number'));
    case 'cmp':
      return rollupField(p.field, ir, layout) && (p.field.kind === 'column' || typeof p.value === 'string');
    case 'contains':
    case 'exists':
      return rollupField(p.field, ir, layout);
  }
}

function aggregateFits(a: Aggregate, ir: TrendIR, layout: RollupLayout): boolean {
  const ofValue = a.of === undefined || (a.of.kind === 'column' && a.of.column === 'value');
  const fnFits = a.fn === 'count' ? a.of === undefined : (a.fn === 'sum' || a.fn === 'avg' || a.fn === 'min' || a.fn === 'max') && ofValue;
  return fnFits && a.where.every((p) => predicateFits(p, ir, layout));
}

/** Whether every part of the trend (measures, filters, dimensions) can be read from rollups. */
export function trendFitsRollups(ir: TrendIR, layout: RollupLayout): boolean {
  return (
    ir.aggregates.every((a) => aggregateFits(a, ir, layout)) &&
    ir.filters.every((p) => predicateFits(p, ir, layout)) &&
    ir.dimensions.every((d) => rollupField(d, ir, layout))
  );
}

/**
 * The grains (coarsest first) whose buckets each fall in one bucket of the scheme: every bucket
 * boundary of the scheme is then a grain boundary, i.e. the unit, every UTC offset and every offset
 * change is a whole number of grains.
 */
export function grainsFor(scheme: BucketScheme | undefined): RollupGrain[] {
  if (!scheme) return [...COARSE_TO_FINE];
  return COARSE_TO_FINE.filter((g) => {
    const ms = ROLLUP_GRAIN_MS[g];
    if (scheme.mode === 'utc-unit') return scheme.unitMs % ms === 0;
    if (scheme.mode === 'local-unit' && scheme.unitMs % ms !== 0) return false;
    return scheme.segments.every((s) => s.offsetMs % ms === 0 && (s.until === null || s.until % ms === 0));
  });
}

export interface RangePart {
  /** undefined: raw events. */
  grain?: RollupGrain;
  from: number;
  to: number;
}

const floorTo = (t: number, ms: number) => Math.floor(t / ms) * ms;
const ceilTo = (t: number, ms: number) => Math.ceil(t / ms) * ms;

/** [from, to) as the aligned interior of the coarsest grain that has one, recursing into the edges. */
export function decompose(from: number, to: number, grains: readonly RollupGrain[]): RangePart[] {
  if (from >= to) return [];
  for (let i = 0; i < grains.length; i++) {
    const ms = ROLLUP_GRAIN_MS[grains[i]];
    const a = ceilTo(from, ms);
    const b = floorTo(to, ms);
    if (a < b) {
      const finer = grains.slice(i + 1);
      return [...decompose(from, a, finer), { grain: grains[i], from: a, to: b }, ...decompose(b, to, finer)];
    }
  }
  return [{ from, to }];
}

/**
 * A writer that reads fields from a rollup table while `rollup` is set: name and source are its
 * columns, a declared prop is the slot its source declared it in.
 */
class PartWriter extends SqlWriter {
  rollup = false;
  constructor(
    dialect: Dialect,
    private readonly layout: RollupLayout,
    private readonly sourceList: readonly string[],
  ) {
    super(dialect);
  }

  override text(field: Field, table = ''): string {
    if (!this.rollup || field.kind === 'column') return super.text(field, table);
    const label = fieldLabel(field);
    const slots = this.sourceList.map((s) => (this.layout.get(s) ?? []).indexOf(label) + 1);
    if (slots.every((n) => n === slots[0])) return `${table}d${slots[0]}`;
    return `CASE ${table}source ${this.sourceList.map((s, i) => `WHEN ${this.bind(s)} THEN ${table}d${slots[i]}`).join(' ')} END`;
  }

  override number(field: Field, table = ''): string | undefined {
    // A rollup holds no prop numbers; trendFitsRollups keeps every predicate that would compare one raw
    // (`in` asks for the number before it knows whether any value is a number, hence no throw).
    return this.rollup && field.kind === 'prop' ? undefined : super.number(field, table);
  }
}

type PartialKind = 'events' | 'value_count' | 'value_sum' | 'value_min' | 'value_max';

/** Per partial column: its raw aggregate, its rollup aggregate and how the outer query combines it. */
const PARTIAL: Record<PartialKind, { raw: string; rollup: string }> = {
  events: { raw: 'count(*)', rollup: 'sum(events)' },
  value_count: { raw: 'count(value)', rollup: 'sum(value_count)' },
  value_sum: { raw: 'sum(value)', rollup: 'sum(value_sum)' },
  value_min: { raw: 'min(value)', rollup: 'min(value_min)' },
  value_max: { raw: 'max(value)', rollup: 'max(value_max)' },
};

function partialsOf(a: Aggregate): PartialKind[] {
  switch (a.fn) {
    case 'count':
      return ['events'];
    case 'sum':
      return ['value_sum'];
    case 'avg':
      return ['value_sum', 'value_count'];
    case 'min':
      return ['value_min'];
    case 'max':
      return ['value_max'];
    default:
      throw new Error(`aggregate ${a.fn} is not read from rollups`);
  }
}

/** The outer aggregate of aggregate `a` over its partial columns `cols`, typed as the raw aggregate. */
function finalAggregate(a: Aggregate, cols: string[]): string {
  switch (a.fn) {
    case 'count':
      // PostgreSQL's sum(bigint) is numeric; an empty sum is NULL where count(*) is 0.
      return `CAST(COALESCE(sum(${cols[0]}), 0) AS BIGINT)`;
    case 'sum':
      return `sum(${cols[0]})`;
    case 'avg':
      return `sum(${cols[0]}) / CAST(NULLIF(sum(${cols[1]}), 0) AS DOUBLE PRECISION)`;
    case 'min':
      return `min(${cols[0]})`;
    default:
      return `max(${cols[0]})`;
  }
}

export interface RollupStatement {
  statement: CompiledStatement;
  /** The grains the statement read (coarsest first), plus 'raw' when it read events too. */
  used: string[];
}

/**
 * The statement of `compileTrend(ir, dialect, period, scheme, span)` answered from rollups, or
 * undefined when no grain covers any of the period (it is then better left raw). The caller checks
 * trendFitsRollups and that no maxSeq applies.
 */
export function compileRollupTrend(
  ir: TrendIR,
  dialect: Dialect,
  period: Period,
  scheme: BucketScheme | undefined,
  span: Period,
  layout: RollupLayout,
): RollupStatement | undefined {
  const parts = decompose(period.from, period.to, grainsFor(scheme));
  if (parts.every((p) => p.grain === undefined)) return undefined;
  // Formulas of literals only need no aggregate; the raw statement then counts (one column, one row).
  const aggregates: Aggregate[] = ir.aggregates.length > 0 ? [...ir.aggregates] : [{ fn: 'count', where: [] }];
  const partials: { kind: PartialKind; agg: Aggregate; col: string }[] = [];
  const colsOf = aggregates.map((a, i) =>
    partialsOf(a).map((kind, j) => {
      const col = `p${i}_${j}`;
      partials.push({ kind, agg: a, col });
      return col;
    }),
  );
  const dims = ir.dimensions.map((_, i) => `k${i}`);

  const w = new PartWriter(dialect, layout, ir.sources);
  // Written in text order, so bound values stay in step with placeholders.
  const outer: string[] = [];
  if (scheme) outer.push(bucketKeySql(w, scheme, span, 't'));
  outer.push(...dims);
  const groups = outer.length;
  outer.push(...aggregates.map((a, i) => finalAggregate(a, colsOf[i])));

  const partSql = parts.map((part) => {
    w.rollup = part.grain !== undefined;
    const select: string[] = [];
    if (scheme) select.push(`${part.grain ? 'bucket' : `CAST(${dialect.epochMs('ts')} AS BIGINT)`} AS t`);
    ir.dimensions.forEach((d, i) => select.push(`${w.text(d)} AS ${dims[i]}`));
    const inner = select.length;
    for (const p of partials) {
      const expr = part.grain ? PARTIAL[p.kind].rollup : PARTIAL[p.kind].raw;
      select.push(`${p.agg.where.length === 0 ? expr : `${expr} FILTER (WHERE ${w.conjunction(p.agg.where)})`} AS ${p.col}`);
    }
    const where = [w.sources(ir.sources)];
    if (part.grain) {
      where.push(`bucket >= ${dialect.bigint(w.bind(part.from))}`, `bucket < ${dialect.bigint(w.bind(part.to))}`);
    } else {
      where.push(`ts >= ${w.instant(part.from)}`, `ts < ${w.instant(part.to)}`);
    }
    if (ir.filters.length > 0) where.push(w.conjunction(ir.filters));
    let sql = `SELECT ${select.join(', ')} FROM ${part.grain ? ROLLUP_TABLE[part.grain] : TABLE} WHERE ${where.join(' AND ')}`;
    if (inner > 0) sql += ` GROUP BY ${Array.from({ length: inner }, (_, i) => i + 1).join(', ')}`;
    return sql;
  });

  let sql = `SELECT ${outer.join(', ')} FROM (${partSql.join(' UNION ALL ')}) AS rollup_parts`;
  if (groups > 0) sql += ` GROUP BY ${Array.from({ length: groups }, (_, i) => i + 1).join(', ')}`;
  const used = COARSE_TO_FINE.filter((g) => parts.some((p) => p.grain === g)) as string[];
  if (parts.some((p) => p.grain === undefined)) used.push('raw');
  return { statement: { sql, params: w.params }, used };
}
