export { forecast, FORECAST_DEFAULTS, type ForecastOptions, type ForecastResult, type ForecastInterval, type Backtest } from './forecast.js';
export { fitEts, etsMean, etsSd, specName, type EtsSpec, type EtsParams, type EtsFit } from './ets.js';
export { seasonalStrength, seasonalIndices, autocorrelation } from './seasonality.js';
export { smape, mase, maseScale } from './metrics.js';
export type { ForecastMethod } from './plan.js';
