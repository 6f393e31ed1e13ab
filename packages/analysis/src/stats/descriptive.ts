/**
 * Descriptive statistics shared by every analysis module: mean, variance, quantiles, median and the
 * median absolute deviation. Each accepts any array-like of numbers (number[] or Float64Array) and
 * throws AnalysisError for empty or non-finite input rather than answering NaN. `path` names the
 * input in the error (callers pass their own, e.g. `/series`).
 */
import { AnalysisError } from '../errors.js';

/** MAD × this estimates the standard deviation of normally distributed data (1 / Φ⁻¹(3/4)). */
export const MAD_TO_SIGMA = 1.482602218505602;

function checkValues(values: ArrayLike<number>, path: string, min = 1): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number' || values.length === 0) {
    throw new AnalysisError('empty', path, 'is empty');
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new AnalysisError('not_finite', `${path}/${i}`, 'is not a finite number');
  }
  if (values.length < min) throw new AnalysisError('too_short', path, `has ${values.length} values; at least ${min} are needed`);
}

function checkProbability(p: number, path: string): void {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new AnalysisError('invalid_option', path, 'must be a number from 0 to 1');
  }
}

/** Arithmetic mean. */
export function mean(values: ArrayLike<number>, path = '/values'): number {
  checkValues(values, path);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/**
 * Variance with `ddof` delta degrees of freedom: 1 (the default) is the unbiased sample variance,
 * 0 the population variance. Two passes (mean first) so that large offsets cost no precision.
 */
export function variance(values: ArrayLike<number>, ddof = 1, path = '/values'): number {
  if (!Number.isInteger(ddof) || ddof < 0) throw new AnalysisError('invalid_option', '/ddof', 'must be a whole number ≥ 0');
  checkValues(values, path, ddof + 1);
  const m = mean(values, path);
  let ss = 0;
  let correction = 0; // compensates the mean's rounding error (the "corrected two-pass" formula)
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - m;
    ss += d * d;
    correction += d;
  }
  return (ss - (correction * correction) / values.length) / (values.length - ddof);
}

/** Standard deviation: √variance, same `ddof` convention. */
export function standardDeviation(values: ArrayLike<number>, ddof = 1, path = '/values'): number {
  return Math.sqrt(variance(values, ddof, path));
}

/**
 * The p-quantile of already sorted (ascending), finite values by linear interpolation between
 * order statistics (Hyndman & Fan type 7: R's and NumPy's default). No validation beyond
 * emptiness: it exists for hot loops that sort once and ask for several quantiles.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new AnalysisError('empty', '/values', 'is empty');
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  if (lo < 0) return sorted[0]!;
  const a = sorted[lo]!;
  return a + (h - lo) * (sorted[lo + 1]! - a);
}

/** The p-quantile (p in [0, 1], type 7) of the values; the input is not modified. */
export function quantile(values: ArrayLike<number>, p: number, path = '/values'): number {
  checkValues(values, path);
  checkProbability(p, '/p');
  const sorted = Float64Array.from(values).sort();
  return quantileSorted(sorted, p);
}

/** Several quantiles from one sort. */
export function quantiles(values: ArrayLike<number>, ps: readonly number[], path = '/values'): number[] {
  checkValues(values, path);
  ps.forEach((p, i) => checkProbability(p, `/ps/${i}`));
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => quantileSorted(sorted, p));
}

/** The median (the 0.5-quantile: the mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>, path = '/values'): number {
  return quantile(values, 0.5, path);
}

/**
 * Median absolute deviation from `center` (the median by default), unscaled. Multiply by
 * MAD_TO_SIGMA, or call robustSigma, for a standard-deviation estimate that a few outliers cannot
 * move.
 */
export function mad(values: ArrayLike<number>, center?: number, path = '/values'): number {
  checkValues(values, path);
  if (center !== undefined && (typeof center !== 'number' || !Number.isFinite(center))) {
    throw new AnalysisError('invalid_option', '/center', 'must be a finite number');
  }
  const sorted = Float64Array.from(values).sort();
  const c = center ?? quantileSorted(sorted, 0.5);
  for (let i = 0; i < sorted.length; i++) sorted[i] = Math.abs(sorted[i]! - c);
  return quantileSorted(sorted.sort(), 0.5);
}

/** MAD × 1.4826: a robust standard deviation (consistent for normal data). */
export function robustSigma(values: ArrayLike<number>, center?: number, path = '/values'): number {
  return MAD_TO_SIGMA * mad(values, center, path);
}
