import { AnalysisError } from './errors.js';

/** Throws unless `values` is a non-empty array of finite numbers (at least `min` of them). */
export function checkSeries(values: readonly number[], path: string, min = 1): void {
  if (!Array.isArray(values) || values.length === 0) throw new AnalysisError('empty', path, 'is empty');
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new AnalysisError('not_finite', `${path}/${i}`, 'is not a finite number');
  }
  if (values.length < min) throw new AnalysisError('too_short', path, `has ${values.length} values; at least ${min} are needed`);
}

/** Throws unless `a` and `b` have the same length. */
export function checkSameLength(a: readonly unknown[], b: readonly unknown[], path: string): void {
  if (a.length !== b.length) throw new AnalysisError('length_mismatch', path, `has ${b.length} values where ${a.length} were expected`);
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(value: number, path: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AnalysisError('invalid_option', path, `must be an integer from ${min} to ${max}`);
  }
}

/** Throws unless `value` is a finite number in [min, max]. */
export function checkNumber(value: number, path: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new AnalysisError('invalid_option', path, `must be a number from ${min} to ${max}`);
  }
}
