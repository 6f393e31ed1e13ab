/**
 * Sightline's analysis engine: pure algorithms on numbers (no I/O, no SQL), deterministic under a
 * seed. See docs/analysis.md for each method, its parameters and its measured scores.
 */
export { AnalysisError, type AnalysisErrorCode } from './errors.js';
export { Random } from './random.js';
