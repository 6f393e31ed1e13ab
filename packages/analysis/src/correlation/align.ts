/**
 * Aligning two timestamped series on one time axis, so that index i of both refers to the same
 * moment and index lags are time lags. A timestamp one series lacks becomes a missing value (NaN)
 * there; on a regular axis, a step both lack is filled in as missing in both, which keeps lags
 * honest across gaps.
 */
import { AnalysisError } from '../errors.js';
import { CorrelationError, type MaybeNumber } from './input.js';

/** Epoch milliseconds (or any unit, used as given), an ISO string, or a Date. */
export type Timestamp = number | string | Date;

export interface TimedValue {
  t: Timestamp;
  /** The value; NaN, null or undefined for missing. */
  v: MaybeNumber;
}

export interface AlignOptions {
  /**
   * The axis: 'auto' (default) makes a regular axis when every gap between the timestamps is a
   * whole multiple of the smallest one, else keeps the union of the timestamps; a number forces
   * a regular axis of that step from the first timestamp (every timestamp must fall on it);
   * 'none' keeps the union.
   */
  step?: number | 'auto' | 'none';
  /** Largest regular axis built (default 10,000,000 points): a guard against a tiny step. */
  maxPoints?: number;
}

export interface AlignedSeries {
  /** The common time axis, ascending (numbers; strings and Dates become epoch milliseconds). */
  t: Float64Array;
  /** a's and b's values on that axis; NaN where a series has no value. */
  a: Float64Array;
  b: Float64Array;
  /** The axis' step when it is regular, else null. */
  step: number | null;
}

function toTime(t: unknown, path: string): number {
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (t instanceof Date && Number.isFinite(t.getTime())) return t.getTime();
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  throw new AnalysisError('invalid_option', path, 'must be a finite number, an ISO date string or a valid Date');
}

function toValue(v: unknown, path: string): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number' && (Number.isFinite(v) || Number.isNaN(v))) return v;
  throw new AnalysisError('not_finite', path, 'is not a finite number (use NaN or null for a missing value)');
}

/** The series as a time → value map; duplicate timestamps are an error (which one would count?). */
function readTimed(series: readonly TimedValue[], path: string): Map<number, number> {
  if (!Array.isArray(series) || series.length === 0) throw new AnalysisError('empty', path, 'is empty');
  const byTime = new Map<number, number>();
  for (let i = 0; i < series.length; i++) {
    const point: unknown = series[i];
    if (point === null || typeof point !== 'object') throw new AnalysisError('invalid_option', `${path}/${i}`, 'must be an object {t, v}');
    const { t, v } = point as { t: unknown; v: unknown };
    const time = toTime(t, `${path}/${i}/t`);
    if (byTime.has(time)) {
      throw new CorrelationError('duplicate_timestamp', 'invalid_option', `${path}/${i}/t`, `repeats the timestamp ${String(t)}`);
    }
    byTime.set(time, toValue(v, `${path}/${i}/v`));
  }
  return byTime;
}

const GRID_TOLERANCE = 1e-6; // in steps: absorbs float noise in fractional units

function offGrid(time: number, origin: number, step: number): boolean {
  const k = (time - origin) / step;
  return Math.abs(k - Math.round(k)) > GRID_TOLERANCE;
}

/** The smallest positive gap, when every gap is a whole multiple of it; else null. */
function regularStep(times: Float64Array): number | null {
  if (times.length < 2) return null;
  let step = Infinity;
  for (let i = 1; i < times.length; i++) step = Math.min(step, times[i]! - times[i - 1]!);
  for (let i = 1; i < times.length; i++) if (offGrid(times[i]!, times[0]!, step)) return null;
  return step;
}

/** Puts a and b on one time axis (see AlignOptions); the inputs need not be sorted. */
export function alignSeries(a: readonly TimedValue[], b: readonly TimedValue[], options: AlignOptions = {}): AlignedSeries {
  const mapA = readTimed(a, '/a');
  const mapB = readTimed(b, '/b');
  const stepOption = options.step ?? 'auto';
  if (stepOption !== 'auto' && stepOption !== 'none' && !(typeof stepOption === 'number' && Number.isFinite(stepOption) && stepOption > 0)) {
    throw new AnalysisError('invalid_option', '/options/step', 'must be a positive number, "auto" or "none"');
  }
  const maxPoints = options.maxPoints ?? 10_000_000;
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new AnalysisError('invalid_option', '/options/maxPoints', 'must be a positive integer');

  const union = Float64Array.from(new Set([...mapA.keys(), ...mapB.keys()])).sort();
  let step: number | null = null;
  if (typeof stepOption === 'number') {
    for (const time of union) {
      if (offGrid(time, union[0]!, stepOption)) {
        throw new AnalysisError('invalid_option', '/options/step', `the timestamp ${time} is not a whole number of steps from the first, ${union[0]}`);
      }
    }
    step = stepOption;
  } else if (stepOption === 'auto') {
    step = regularStep(union);
  }

  let axis = union;
  if (step !== null) {
    const points = Math.round((union[union.length - 1]! - union[0]!) / step) + 1;
    if (points > maxPoints) {
      if (typeof stepOption === 'number') throw new AnalysisError('invalid_option', '/options/step', `makes an axis of ${points} points (more than maxPoints, ${maxPoints})`);
      step = null; // 'auto': fall back to the union rather than build a huge, mostly empty axis
    } else {
      axis = new Float64Array(points);
      for (let i = 0; i < points; i++) axis[i] = union[0]! + i * step;
    }
  }

  const outA = new Float64Array(axis.length).fill(NaN);
  const outB = new Float64Array(axis.length).fill(NaN);
  const index = (time: number): number => (step === null ? binarySearch(axis, time) : Math.round((time - axis[0]!) / step));
  for (const [time, v] of mapA) outA[index(time)] = v;
  for (const [time, v] of mapB) outB[index(time)] = v;
  return { t: axis, a: outA, b: outB, step };
}

function binarySearch(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
