/**
 * Pearson's and Spearman's correlation with a confidence interval (Fisher's z) and a two-sided
 * p-value (t with n − 2 degrees of freedom), on the pairwise-complete observations of two series.
 */
import { AnalysisError } from '../errors.js';
import { normalQuantile } from '../stats/normal.js';
import { tTwoSidedPValue } from '../stats/student-t.js';
import { checkPairs, completePairs, readConfidence, readPair, type SeriesWithGaps } from './input.js';
import { averageRanks } from './ranks.js';

export type CorrelationMethod = 'pearson' | 'spearman';

export interface CorrelationOptions {
  /** Confidence level of the interval (default 0.95). */
  confidence?: number;
}

export interface CorrelationResult {
  method: CorrelationMethod;
  /** The correlation coefficient, in [−1, 1]. */
  r: number;
  /** Complete pairs used (both values present). */
  n: number;
  /** The interval's confidence level. */
  confidence: number;
  /** Confidence interval for the population correlation (Fisher z transform). */
  lower: number;
  upper: number;
  /** t = r √((n − 2) / (1 − r²)); ±Infinity when |r| = 1. */
  t: number;
  /** Degrees of freedom of t: n − 2. */
  df: number;
  /** Two-sided p-value of "no correlation". */
  pValue: number;
}

/**
 * Pearson's r of equal-length arrays that hold only complete pairs (the caller checked n ≥ 4 and
 * that neither side is constant). Centred sums (two passes) keep precision for large offsets.
 */
export function pearsonOfComplete(x: Float64Array, y: Float64Array): number {
  const r = centredPearson(x, y);
  if (Number.isFinite(r)) return r;
  // Squares overflowed (|values| beyond about 1e140) or underflowed (below about 1e-140): r does
  // not depend on scale, so divide each side by its largest magnitude and compute again.
  return centredPearson(scaledToUnit(x), scaledToUnit(y));
}

function scaledToUnit(values: Float64Array): Float64Array {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]!));
  return largest === 0 ? values : Float64Array.from(values, (v) => v / largest);
}

const SMALLEST_SAFE = 1e-280;
const LARGEST_SAFE = 1e280;

function centredPearson(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Sums of squares outside the comfortable range of doubles (overflow to Infinity, or so small
  // that subnormals cost digits): the caller rescales and asks again.
  if (!(sxx > SMALLEST_SAFE && sxx < LARGEST_SAFE && syy > SMALLEST_SAFE && syy < LARGEST_SAFE)) return NaN;
  const r = sxy / (Math.sqrt(sxx) * Math.sqrt(syy));
  // Rounding can push |r| a hair past 1 for perfectly linear data.
  return Math.max(-1, Math.min(1, r));
}

/**
 * Interval and p-value for a correlation r from n pairs. `seFactor` scales the standard error
 * of Fisher's z, 1/√(n − 3): 1 for Pearson, √1.06 for Spearman (Fieller, Hartley & Pearson 1957).
 */
export function correlationInference(
  method: CorrelationMethod,
  r: number,
  n: number,
  confidence: number,
  seFactor: number,
): CorrelationResult {
  const df = n - 2;
  const z = Math.atanh(r);
  const halfWidth = (normalQuantile(0.5 + confidence / 2) * seFactor) / Math.sqrt(n - 3);
  const lower = Math.abs(r) === 1 ? r : Math.tanh(z - halfWidth);
  const upper = Math.abs(r) === 1 ? r : Math.tanh(z + halfWidth);
  const t = Math.abs(r) === 1 ? r * Infinity : r * Math.sqrt(df / (1 - r * r));
  return { method, r, n, confidence, lower, upper, t, df, pValue: tTwoSidedPValue(t, df) };
}

/** Scale of Fisher z's standard error: 1 for Pearson, √1.06 for Spearman's r. */
export function standardErrorFactor(method: CorrelationMethod): number {
  return method === 'spearman' ? Math.sqrt(1.06) : 1;
}

/** Pearson's product-moment correlation of x and y over their complete pairs. */
export function pearson(x: SeriesWithGaps, y: SeriesWithGaps, options: CorrelationOptions = {}): CorrelationResult {
  const confidence = readConfidence(options?.confidence);
  const pair = readPair(x, y);
  const complete = completePairs(pair.x, pair.y);
  checkPairs(complete.x, complete.y);
  const r = pearsonOfComplete(complete.x, complete.y);
  return correlationInference('pearson', r, complete.x.length, confidence, standardErrorFactor('pearson'));
}

/**
 * Spearman's rank correlation: Pearson's r of the ranks (average ranks for ties) of the complete
 * pairs. The p-value uses the t approximation (as SciPy does, and R does with ties or n > 1290).
 */
export function spearman(x: SeriesWithGaps, y: SeriesWithGaps, options: CorrelationOptions = {}): CorrelationResult {
  const confidence = readConfidence(options?.confidence);
  const pair = readPair(x, y);
  const complete = completePairs(pair.x, pair.y);
  checkPairs(complete.x, complete.y);
  const r = pearsonOfComplete(averageRanks(complete.x), averageRanks(complete.y));
  return correlationInference('spearman', r, complete.x.length, confidence, standardErrorFactor('spearman'));
}

/** Either method by name (default Pearson). */
export function correlation(
  x: SeriesWithGaps,
  y: SeriesWithGaps,
  options: CorrelationOptions & { method?: CorrelationMethod } = {},
): CorrelationResult {
  const method = options?.method ?? 'pearson';
  if (method === 'pearson') return pearson(x, y, options);
  if (method === 'spearman') return spearman(x, y, options);
  return invalidMethod(method);
}

function invalidMethod(method: never): never {
  throw new AnalysisError('invalid_option', '/options/method', `must be "pearson" or "spearman", not ${JSON.stringify(method)}`);
}
