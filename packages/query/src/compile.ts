/**
 * The default compiler: IR → SQL text with placeholders and the values to bind, in text order.
 * Only fragments the dialect owns differ between databases. No text of the query reaches SQL:
 * values are bound, columns come from a fixed set, props paths are grammar-checked (dialect.ts).
 */
import type { Fn } from '@sightline/protocol';
import type { Dialect } from './dialect.js';
import type { Field } from './grammar.js';
import type { Aggregate, Period, Predicate, TrendIR } from './ir.js';
import type { BucketScheme } from './buckets.js';
import { DAY_MS } from './grammar.js';

export interface CompiledStatement {
  sql: string;
  params: unknown[];
}

export const TABLE = 'events';

/** Collects bound values while a statement is written, in the order their placeholders appear. */
export class SqlWriter {
  readonly params: unknown[] = [];
  constructor(readonly dialect: Dialect) {}

  bind(value: unknown): string {
    this.params.push(value);
    return this.dialect.placeholder(this.params.length);
  }

  instant(ms: number): string {
    return this.dialect.instantFromMs(this.bind(ms));
  }

  text(field: Field, table = ''): string {
    if (field.kind === 'prop') return this.dialect.propText(`${table}props`, field.path);
    if (field.column === 'value') return this.dialect.numberText(`${table}value`);
    return `${table}${field.column}`;
  }

  /** The field read as a number, or undefined when it never is one (name, actor, source). */
  number(field: Field, table = ''): string | undefined {
    if (field.kind === 'prop') return this.dialect.propNumber(`${table}props`, field.path);
    return field.column === 'value' ? `${table}value` : undefined;
  }

  predicate(p: Predicate, table = ''): string {
    switch (p.kind) {
      case 'in': {
        const parts: string[] = [];
        const numbers = p.values.filter((v): v is number => typeof v === 'number');
        const texts = p.values.filter((v) => typeof v !== 'number').map(String);
        const num = this.number(p.field, table);
        if (numbers.length > 0 && num !== undefined) parts.push(this.inList(num, numbers));
        if (texts.length > 0) parts.push(this.inList(this.text(p.field, table), texts));
        if (parts.length === 0) return 'FALSE';
        return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
      }
      case 'not':
        return `(${this.predicate(p.inner, table)}) IS NOT TRUE`;
      case 'cmp': {
        if (typeof p.value === 'string') return `${this.text(p.field, table)} ${p.op} ${this.bind(p.value)}`;
        const num = this.number(p.field, table);
        return num === undefined ? 'FALSE' : `${num} ${p.op} ${this.bind(p.value)}`;
      }
      case 'contains':
        return `strpos(${this.text(p.field, table)}, ${this.bind(p.value)}) > 0`;
      case 'exists': {
        const expr = p.field.kind === 'column' && p.field.column === 'value' ? `${table}value` : this.text(p.field, table);
        return `${expr} IS ${p.present ? 'NOT ' : ''}NULL`;
      }
    }
  }

  private inList(expr: string, values: readonly unknown[]): string {
    if (values.length === 1) return `${expr} = ${this.bind(values[0])}`;
    return `${expr} IN (${values.map((v) => this.bind(v)).join(', ')})`;
  }

  conjunction(preds: readonly Predicate[], table = ''): string {
    return preds.map((p) => this.predicate(p, table)).join(' AND ');
  }

  sources(sources: readonly string[], table = ''): string {
    return sources.length === 1
      ? `${table}source = ${this.bind(sources[0])}`
      : `${table}source IN (${sources.map((s) => this.bind(s)).join(', ')})`;
  }
}

const FRACTION: Partial<Record<Fn, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

function aggregate(w: SqlWriter, agg: Aggregate): string {
  const of = agg.of ?? ({ kind: 'column', column: 'value' } as const);
  let sql: string;
  if (agg.fn === 'count') sql = 'count(*)';
  else if (agg.fn === 'uniq') {
    const expr = agg.of === undefined ? 'actor' : of.kind === 'column' ? 'value' : w.text(of);
    sql = w.dialect.countDistinct(expr);
  } else {
    const num = w.number(of) ?? 'NULL';
    const fraction = FRACTION[agg.fn];
    sql = fraction !== undefined ? w.dialect.percentile(num, fraction) : `${agg.fn}(${num})`;
  }
  return agg.where.length === 0 ? sql : `${sql} FILTER (WHERE ${w.conjunction(agg.where)})`;
}

/**
 * The SQL of a bucket key (see buckets.ts for the arithmetic, which JS mirrors). `epoch` is the
 * instant as epoch ms: the events' ts, or a rollup's bucket start (rollup-plan.ts).
 */
export function bucketKeySql(w: SqlWriter, s: BucketScheme, span: Period, epoch = w.dialect.epochMs('ts')): string {
  const d = w.dialect;
  if (s.mode === 'utc-unit') return d.floorDiv(epoch, s.unitMs, span.from >= 0);
  const segs = s.segments;
  const offset =
    segs.length === 1
      ? segs[0].offsetMs === 0
        ? ''
        : ` + ${d.bigint(w.bind(segs[0].offsetMs))}`
      : ` + CASE ${segs
          .slice(0, -1)
          .map((g) => `WHEN ${epoch} < ${d.bigint(w.bind(g.until))} THEN ${d.bigint(w.bind(g.offsetMs))}`)
          .join(' ')} ELSE ${d.bigint(w.bind(segs[segs.length - 1].offsetMs))} END`;
  const local = `${epoch}${offset}`;
  const nonNegative = span.from + Math.min(...segs.map((g) => g.offsetMs)) - 7 * DAY_MS >= 0;
  switch (s.mode) {
    case 'local-unit': {
      // epoch − floormod(local, unit), with `local` (which holds placeholders) written once.
      const mod = nonNegative ? `(${local}) % ${s.unitMs}` : `(((${local}) % ${s.unitMs}) + ${s.unitMs}) % ${s.unitMs}`;
      return `${epoch} - (${mod})`;
    }
    case 'day':
      return d.floorDiv(local, DAY_MS, nonNegative);
    case 'week':
      return d.floorDiv(`${local} + ${3 * DAY_MS}`, 7 * DAY_MS, nonNegative);
    case 'month':
      return d.monthIndex(local);
  }
}

/**
 * One trend statement: [bucket key,] dimensions, aggregates, grouped by the leading columns.
 * The previous period and the series ranking reuse it with another period or without buckets.
 */
export function compileTrend(
  ir: TrendIR,
  dialect: Dialect,
  period: Period,
  scheme: BucketScheme | undefined,
  span: Period,
  /** Only events stored up to this sequence number (a live query's base, see incremental.ts). */
  maxSeq?: number,
): CompiledStatement {
  const w = new SqlWriter(dialect);
  const select: string[] = [];
  if (scheme) select.push(bucketKeySql(w, scheme, span));
  for (const dim of ir.dimensions) select.push(w.text(dim));
  const groups = select.length;
  for (const agg of ir.aggregates) select.push(aggregate(w, agg));
  // Formulas of literals only need no aggregate; the statement still needs a column (and its one row).
  if (ir.aggregates.length === 0) select.push('count(*)');
  const where = [w.sources(ir.sources), `ts >= ${w.instant(period.from)}`, `ts < ${w.instant(period.to)}`];
  if (ir.filters.length > 0) where.push(w.conjunction(ir.filters));
  if (maxSeq !== undefined) where.push(`seq <= ${w.dialect.bigint(w.bind(maxSeq))}`);
  let sql = `SELECT ${select.join(', ')} FROM ${TABLE} WHERE ${where.join(' AND ')}`;
  if (groups > 0) sql += ` GROUP BY ${Array.from({ length: groups }, (_, i) => i + 1).join(', ')}`;
  return { sql, params: w.params };
}
