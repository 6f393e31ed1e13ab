/**
 * Histogram binning for the tree learners: each feature becomes one byte per row. Bin 0 is
 * "missing"; numeric values fall into at most `maxBins` bins cut at quantiles of the training
 * values (every distinct value gets its own bin when there are few enough); categorical codes map
 * to bin code + 1. Trees then scan at most 255 candidate splits per feature instead of sorting rows,
 * and thresholds are kept as raw values, so prediction needs no binning.
 */
import type { Encoder } from './table.js';

export interface BinnedData {
  readonly rows: number;
  /** Per feature, the bin of every row. */
  readonly bins: readonly Uint8Array[];
  /** Per feature, the number of bins including the missing bin 0. */
  readonly binCount: readonly number[];
  /** Per numeric feature: bins 1..b hold the values ≤ cuts[b − 1]. Empty for categorical features. */
  readonly cuts: readonly Float64Array[];
  readonly categorical: readonly boolean[];
}

export const MAX_BINS = 255;

export function binColumns(columns: readonly Float64Array[], encoder: Encoder, maxBins = MAX_BINS): BinnedData {
  const rows = columns[0]?.length ?? 0;
  const bins: Uint8Array[] = [];
  const binCount: number[] = [];
  const cuts: Float64Array[] = [];
  const categorical: boolean[] = [];
  columns.forEach((col, j) => {
    const out = new Uint8Array(rows);
    if (encoder.isCategorical(j)) {
      for (let i = 0; i < rows; i++) out[i] = Number.isNaN(col[i]!) ? 0 : col[i]! + 1;
      bins.push(out);
      binCount.push(encoder.categoryCount(j) + 1);
      cuts.push(new Float64Array(0));
      categorical.push(true);
      return;
    }
    const c = quantileCuts(col, maxBins);
    for (let i = 0; i < rows; i++) out[i] = binOf(c, col[i]!);
    bins.push(out);
    binCount.push(c.length + 2);
    cuts.push(c);
    categorical.push(false);
  });
  return { rows, bins, binCount, cuts, categorical };
}

/** Bin of a numeric value: 0 when missing, else 1 + the number of cuts below it. */
export function binOf(cuts: Float64Array, x: number): number {
  if (Number.isNaN(x)) return 0;
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

/**
 * Cut points between distinct values, at most maxBins − 1 of them, placed at equal-count quantiles
 * so that each bin holds about the same number of rows; a cut always lies halfway between two
 * distinct values, so equal values never straddle a cut.
 */
function quantileCuts(col: Float64Array, maxBins: number): Float64Array {
  const finite = Float64Array.from(col.filter((v) => !Number.isNaN(v))).sort();
  const n = finite.length;
  if (n === 0) return new Float64Array(0);
  const distinct: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || finite[i] !== finite[i - 1]) distinct.push(finite[i]!);
  if (distinct.length <= maxBins) {
    const out = new Float64Array(distinct.length - 1);
    for (let k = 0; k + 1 < distinct.length; k++) out[k] = midpoint(distinct[k]!, distinct[k + 1]!);
    return out;
  }
  const out: number[] = [];
  for (let k = 1; k < maxBins; k++) {
    const v = finite[Math.min(n - 1, Math.floor((k * n) / maxBins))]!;
    // the next distinct value above v
    let lo = 0;
    let hi = distinct.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= distinct.length) continue;
    const cut = midpoint(distinct[lo - 1]!, distinct[lo]!);
    if (out.length === 0 || cut > out[out.length - 1]!) out.push(cut);
  }
  return Float64Array.from(out);
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Rounding can land on b for adjacent floats; the cut must stay below b.
  return m < b ? m : a;
}
