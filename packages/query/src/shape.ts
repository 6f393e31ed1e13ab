/**
 * Trend rows from statement results: empty buckets filled, formulas evaluated, previous-period
 * values aligned by bucket index, series ranked and capped, rows ordered.
 */
import type { Column, QueryAnswer } from '@sightline/protocol';
import { type BucketScheme, bucketStart, formatInstant } from './buckets.js';
import { evaluateFormula } from './formula.js';
import { fieldLabel } from './grammar.js';
import { type TrendIR, emptyValue } from './ir.js';
import { compareCells } from './order.js';

type Aggs = (number | null)[];

export interface TrendLayout {
  scheme?: BucketScheme;
  currentKeys: number[];
  previousKeys: number[];
  /** Index of each statement's results, or -1 when it is not run. */
  previous: number;
  ranking: number;
}

interface Row {
  cells: unknown[];
  bucket: number;
}

export function shapeTrend(ir: TrendIR, layout: TrendLayout, results: unknown[][][]): QueryAnswer {
  const hasTime = layout.scheme !== undefined;
  const nd = ir.dimensions.length;
  const lead = (hasTime ? 1 : 0) + nd;
  const empty: Aggs = ir.aggregates.map((a) => emptyValue(a.fn));
  const aggsOf = (row: unknown[], from: number): Aggs =>
    ir.aggregates.map((a, i) => {
      const v = row[from + i];
      return v === null || v === undefined ? emptyValue(a.fn) : Number(v);
    });
  const measures = (aggs: Aggs | null): (number | null)[] => {
    if (aggs === null) return ir.outputs.map(() => null);
    const memo = new Map<string, number | null>();
    const value = (name: string): number | null => {
      if (memo.has(name)) return memo.get(name) as number | null;
      const ref = ir.values.get(name);
      const v = ref === undefined ? null : ref.kind === 'agg' ? aggs[ref.index] : evaluateFormula(ref.ast, value);
      memo.set(name, v);
      return v;
    };
    return ir.outputs.map((o) => value(o.name));
  };
  const seriesKey = (row: unknown[], from: number) => JSON.stringify(row.slice(from, from + nd));

  const rows: Row[] = [];
  if (!hasTime) {
    const prev = new Map<string, Aggs>();
    if (layout.previous >= 0) for (const r of results[layout.previous]) prev.set(seriesKey(r, 0), aggsOf(r, nd));
    for (const r of results[0]) {
      const cells = [...r.slice(0, nd), ...measures(aggsOf(r, nd))];
      if (layout.previous >= 0) cells.push(...measures(prev.get(seriesKey(r, 0)) ?? empty));
      rows.push({ cells, bucket: 0 });
    }
  } else {
    const scheme = layout.scheme as BucketScheme;
    const series = new Map<string, { dims: unknown[]; buckets: Map<number, Aggs> }>();
    if (nd === 0) series.set('[]', { dims: [], buckets: new Map() });
    for (const r of results[0]) {
      const key = seriesKey(r, 1);
      let s = series.get(key);
      if (!s) series.set(key, (s = { dims: r.slice(1, lead), buckets: new Map() }));
      s.buckets.set(Number(r[0]), aggsOf(r, lead));
    }
    const prev = new Map<string, Map<number, Aggs>>();
    if (layout.previous >= 0) {
      for (const r of results[layout.previous]) {
        const key = seriesKey(r, 1);
        let m = prev.get(key);
        if (!m) prev.set(key, (m = new Map()));
        m.set(Number(r[0]), aggsOf(r, lead));
      }
    }
    let kept = [...series.entries()];
    if (layout.ranking >= 0 && kept.length > ir.limit) kept = rankSeries(ir, kept, results[layout.ranking], (r) => measures(aggsOf(r, nd)), measures(empty));
    const labels = layout.currentKeys.map((k) => formatInstant(bucketStart(scheme, k), ir.timeZone));
    for (const [key, s] of kept) {
      const p = prev.get(key);
      layout.currentKeys.forEach((k, i) => {
        const cells = [labels[i], ...s.dims, ...measures(s.buckets.get(k) ?? empty)];
        if (layout.previous >= 0) {
          const pk = layout.previousKeys[i];
          cells.push(...measures(pk === undefined ? null : (p?.get(pk) ?? empty)));
        }
        rows.push({ cells, bucket: i });
      });
    }
  }

  const columns = columnsOf(ir, hasTime);
  sortRows(ir, columns, rows, hasTime);
  const out = rows.map((r) => r.cells);
  return { columns, rows: hasTime ? out : out.slice(0, ir.limit) };
}

function columnsOf(ir: TrendIR, hasTime: boolean): Column[] {
  const columns: Column[] = [];
  if (hasTime) columns.push({ name: 'time', type: 'time' });
  for (const d of ir.dimensions) columns.push({ name: fieldLabel(d), type: 'string' });
  for (const o of ir.outputs) columns.push({ name: o.name, type: o.type });
  if (ir.previous) for (const o of ir.outputs) columns.push({ name: `${o.name}_previous`, type: o.type });
  return columns;
}

/** The measure series are ranked by: the first order entry naming one, else the first measure, descending. */
function rankingKey(ir: TrendIR): { index: number; desc: boolean } {
  for (const o of ir.order) {
    const index = ir.outputs.findIndex((m) => m.name === o.column);
    if (index >= 0) return { index, desc: o.desc };
  }
  return { index: 0, desc: true };
}

function rankSeries<T extends { dims: unknown[] }>(
  ir: TrendIR,
  series: [string, T][],
  rankingRows: unknown[][],
  measuresOf: (row: unknown[]) => (number | null)[],
  emptyMeasures: (number | null)[],
): [string, T][] {
  const { index, desc } = rankingKey(ir);
  const nd = ir.dimensions.length;
  const totals = new Map<string, number | null>();
  for (const r of rankingRows) totals.set(JSON.stringify(r.slice(0, nd)), measuresOf(r)[index]);
  const total = (key: string) => (totals.has(key) ? (totals.get(key) as number | null) : emptyMeasures[index]);
  const ranked = [...series].sort((a, b) => {
    const c = compareCells(total(a[0]), total(b[0]), desc);
    if (c !== 0) return c;
    for (let i = 0; i < nd; i++) {
      const d = compareCells(a[1].dims[i], b[1].dims[i]);
      if (d !== 0) return d;
    }
    return 0;
  });
  return ranked.slice(0, ir.limit);
}

function sortRows(ir: TrendIR, columns: Column[], rows: Row[], hasTime: boolean): void {
  const keys: { index: number; desc: boolean }[] = ir.order.map((o) => ({
    index: columns.findIndex((c) => c.name === o.column),
    desc: o.desc,
  }));
  const nd = ir.dimensions.length;
  const firstDim = hasTime ? 1 : 0;
  if (hasTime) keys.push({ index: 0, desc: false });
  else keys.push({ index: firstDim + nd, desc: true });
  for (let i = 0; i < nd; i++) keys.push({ index: firstDim + i, desc: false });
  rows.sort((a, b) => {
    for (const k of keys) {
      // The time column orders by instant (labels with different offsets do not sort as text).
      const c = hasTime && k.index === 0 ? (a.bucket - b.bucket) * (k.desc ? -1 : 1) : compareCells(a.cells[k.index], b.cells[k.index], k.desc);
      if (c !== 0) return c;
    }
    return 0;
  });
}
