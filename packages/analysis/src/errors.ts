/**
 * The one error every analysis function throws on bad input: a code a caller can branch on and the
 * path of what was wrong (`/series/12`, `/rows/3/features/2`, `/options/horizon`). Algorithms never
 * answer NaN for bad input, and never crash with a RangeError from deep inside.
 */
export type AnalysisErrorCode =
  | 'empty'
  | 'not_finite'
  | 'length_mismatch'
  | 'too_short'
  | 'invalid_option'
  | 'invalid_model';

export class AnalysisError extends Error {
  constructor(
    readonly code: AnalysisErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'AnalysisError';
  }
}
