/**
 * Reading the inputs of the correlation functions. Here a missing value (NaN, null or undefined)
 * is not an error: correlations use the pairwise-complete observations, as series with gaps need.
 * An infinite or non-numeric value is still an error.
 */
import { AnalysisError, type AnalysisErrorCode } from '../errors.js';

/** One value of a series: a number, or NaN / null / undefined for "missing". */
export type MaybeNumber = number | null | undefined;

/** A series with gaps: a plain array (NaN or null for a missing value) or a Float64Array (NaN). */
export type SeriesWithGaps = readonly MaybeNumber[] | Float64Array;

/** Why a correlation could not be computed, beside AnalysisError's code. */
export type CorrelationFailure = 'too_few_pairs' | 'constant_series' | 'duplicate_timestamp';

/**
 * AnalysisError (so callers that catch that one keep working) with a `reason` that tells the
 * degenerate-data cases apart: too few complete pairs, a series that does not vary over them.
 */
export class CorrelationError extends AnalysisError {
  constructor(
    readonly reason: CorrelationFailure,
    code: AnalysisErrorCode,
    path: string,
    message: string,
  ) {
    super(code, path, message);
    this.name = 'CorrelationError';
  }
}

/** Fewest complete pairs a correlation accepts: Fisher's interval needs n − 3 > 0. */
export const MIN_PAIRS = 4;

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/**
 * Validates one series and returns it as a Float64Array with NaN for every missing value.
 * Infinite or non-numeric values throw `not_finite` at their index.
 */
export function readSeries(values: SeriesWithGaps, path: string): Float64Array {
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      if (values[i] === Infinity || values[i] === -Infinity) throw new AnalysisError('not_finite', `${path}/${i}`, 'is infinite');
    }
    if (values.length === 0) throw new AnalysisError('empty', path, 'is empty');
    return values;
  }
  if (!Array.isArray(values)) throw new AnalysisError('empty', path, 'must be an array of numbers');
  if (values.length === 0) throw new AnalysisError('empty', path, 'is empty');
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (isMissing(v)) out[i] = NaN;
    else if (typeof v === 'number' && Number.isFinite(v)) out[i] = v;
    else throw new AnalysisError('not_finite', `${path}/${i}`, 'is not a finite number (use NaN or null for a missing value)');
  }
  return out;
}

/** Both series, validated and of the same length. */
export function readPair(x: SeriesWithGaps, y: SeriesWithGaps): { x: Float64Array; y: Float64Array } {
  const xs = readSeries(x, '/x');
  const ys = readSeries(y, '/y');
  if (xs.length !== ys.length) throw new AnalysisError('length_mismatch', '/y', `has ${ys.length} values where ${xs.length} were expected`);
  return { x: xs, y: ys };
}

/** The complete pairs (both values present) of x[i] and y[i + lag], in order. */
export function completePairs(x: Float64Array, y: Float64Array, lag = 0): { x: Float64Array; y: Float64Array } {
  const start = Math.max(0, -lag);
  const end = Math.min(x.length, y.length - lag);
  const px = new Float64Array(Math.max(0, end - start));
  const py = new Float64Array(px.length);
  let n = 0;
  for (let i = start; i < end; i++) {
    const a = x[i]!;
    const b = y[i + lag]!;
    // v === v is false only for NaN, the one missing marker left after readSeries.
    if (a === a && b === b) {
      px[n] = a;
      py[n] = b;
      n++;
    }
  }
  return { x: px.subarray(0, n), y: py.subarray(0, n) };
}

/** How many complete pairs x[i], y[i + lag] there are, without copying them. */
export function countCompletePairs(x: Float64Array, y: Float64Array, lag = 0): number {
  const start = Math.max(0, -lag);
  const end = Math.min(x.length, y.length - lag);
  let n = 0;
  for (let i = start; i < end; i++) if (x[i]! === x[i]! && y[i + lag]! === y[i + lag]!) n++;
  return n;
}

/** Throws `too_few_pairs` below MIN_PAIRS and `constant_series` when either side does not vary. */
export function checkPairs(x: Float64Array, y: Float64Array, what = 'complete pairs'): void {
  if (x.length < MIN_PAIRS) {
    throw new CorrelationError('too_few_pairs', 'too_short', '/x', `has ${x.length} ${what}; at least ${MIN_PAIRS} are needed`);
  }
  if (isConstant(x)) throw new CorrelationError('constant_series', 'too_short', '/x', `is constant over the ${what}: its correlation is undefined`);
  if (isConstant(y)) throw new CorrelationError('constant_series', 'too_short', '/y', `is constant over the ${what}: its correlation is undefined`);
}

/** Exact test (min = max) rather than variance = 0: a mean's rounding leaves tiny deviations. */
export function isConstant(values: Float64Array): boolean {
  const first = values[0]!;
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return false;
  return true;
}

/** The confidence level of the intervals: a number strictly between 0 and 1 (default 0.95). */
export function readConfidence(confidence: number | undefined, path = '/options/confidence'): number {
  if (confidence === undefined) return 0.95;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence <= 0 || confidence >= 1) {
    throw new AnalysisError('invalid_option', path, 'must be a number strictly between 0 and 1');
  }
  return confidence;
}
