/**
 * Sightline's analysis engine: pure algorithms on numbers (no I/O, no SQL), deterministic under a
 * seed. See docs/analysis.md for each method, its parameters and its measured scores.
 */
export { AnalysisError, type AnalysisErrorCode } from './errors.js';
export { Random } from './random.js';
export * from './stats/index.js';
export * from './correlation/index.js';
export * from './anomaly/index.js';
export { forecast, FORECAST_DEFAULTS, fitEts, etsMean, etsSd, seasonalStrength, type ForecastOptions, type ForecastResult, type ForecastInterval, type Backtest, type ForecastMethod, type EtsSpec, type EtsParams, type EtsFit } from './forecast/index.js';
export * from './ml/index.js';
