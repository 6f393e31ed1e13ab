/**
 * forecast(): automatic exponential-smoothing / Theta / damped-trend forecasting with 80 % and
 * 95 % prediction intervals and a rolling-origin backtest reported with every forecast.
 */
import { AnalysisError } from '../errors.js';
import { checkInteger, checkSeries } from '../validate.js';
import { mase, maseScale, smape } from './metrics.js';
import { normalQuantile } from '../stats/normal.js';
import { fitPlan, planName, runPlan, type ForecastMethod, type Plan } from './plan.js';

export interface ForecastOptions {
  /** Steps to forecast (≥ 1). */
  readonly horizon: number;
  /** Seasonal period hint (24 hourly, 7 daily, 52 weekly, 12 monthly; 1 = none). */
  readonly period?: number;
  /** Further period candidates (e.g. 168 for hourly data); the strongest significant one wins. */
  readonly periods?: readonly number[];
  /** Accepted for API symmetry: the forecast is deterministic (no sampling), the same for every seed. */
  readonly seed?: number;
  /** Interval levels in percent; default [80, 95]. */
  readonly levels?: readonly number[];
  /**
   * 'combination' (default): median of the AICc-selected ETS, Theta and damped trend, plus seasonal
   * naive and the means of the last 2 and 3 seasons for clearly seasonal data; or one model alone.
   */
  readonly method?: ForecastMethod;
  /** How the combination combines its members (default median). */
  readonly combine?: 'mean' | 'median';
  /** Fit seasonal ETS on k-step errors (k = 1, m/4, m/2, m, horizon; default true); false = one-step likelihood. */
  readonly multiStep?: boolean;
  /** Fit on at most this many trailing points (default 336: two weeks of hourly data; chosen on M4 Hourly + Weekly). */
  readonly maxHistory?: number;
  /** Rolling-origin backtest origins (default 3; 0 = none). Also calibrates the intervals. */
  readonly backtestOrigins?: number;
  /** Multiplies the interval half-widths (after the per-series backtest calibration). */
  readonly intervalScale?: number;
}

export interface ForecastInterval {
  readonly level: number;
  readonly lower: number[];
  readonly upper: number[];
}

export interface Backtest {
  /** Number of origins the figures average over (0: series too short to backtest). */
  readonly origins: number;
  readonly smape: number;
  readonly mase: number;
  readonly coverage80: number;
  readonly coverage95: number;
}

export interface ForecastResult {
  readonly mean: number[];
  readonly lower80: number[];
  readonly upper80: number[];
  readonly lower95: number[];
  readonly upper95: number[];
  readonly intervals: ForecastInterval[];
  readonly model: string;
  readonly period: number;
  readonly backtest: Backtest;
}

export const FORECAST_DEFAULTS = {
  method: 'combination' as ForecastMethod,
  combine: 'median' as 'mean' | 'median',
  maxHistory: 336,
  backtestOrigins: 3,
  intervalScale: 1,
  maxEvals: 160,
  multiStep: true,
};

/** Pseudo-count of standardised errors the per-series calibration is shrunk towards 1 with. */
const CALIBRATION_PRIOR = 50;

const METHODS: readonly ForecastMethod[] = ['combination', 'ets', 'theta', 'damped'];

function checkOptions(options: ForecastOptions): void {
  if (options === null || typeof options !== 'object') throw new AnalysisError('invalid_option', '/options', 'must be an object');
  checkInteger(options.horizon, '/options/horizon', 1, 100_000);
  if (options.period !== undefined) checkInteger(options.period, '/options/period', 1, 100_000);
  options.periods?.forEach((p, i) => checkInteger(p, `/options/periods/${i}`, 1, 100_000));
  if (options.seed !== undefined) checkInteger(options.seed, '/options/seed', 0, 2 ** 32 - 1);
  options.levels?.forEach((l, i) => {
    if (typeof l !== 'number' || !(l > 0 && l < 100)) throw new AnalysisError('invalid_option', `/options/levels/${i}`, 'must be a percentage strictly between 0 and 100');
  });
  if (options.method !== undefined && !METHODS.includes(options.method)) throw new AnalysisError('invalid_option', '/options/method', `must be one of ${METHODS.join(', ')}`);
  if (options.combine !== undefined && options.combine !== 'mean' && options.combine !== 'median') throw new AnalysisError('invalid_option', '/options/combine', 'must be mean or median');
  if (options.maxHistory !== undefined) checkInteger(options.maxHistory, '/options/maxHistory', 4);
  if (options.backtestOrigins !== undefined) checkInteger(options.backtestOrigins, '/options/backtestOrigins', 0, 50);
  if (options.intervalScale !== undefined && !(options.intervalScale > 0 && Number.isFinite(options.intervalScale))) {
    throw new AnalysisError('invalid_option', '/options/intervalScale', 'must be a positive number');
  }
}

function bounds(mean: Float64Array, sd: Float64Array, level: number, scale: number, floor: number): ForecastInterval {
  const z = normalQuantile(0.5 + level / 200) * scale;
  const lower: number[] = [];
  const upper: number[] = [];
  for (let k = 0; k < mean.length; k++) {
    lower.push(Math.max(floor, mean[k]! - z * sd[k]!));
    upper.push(mean[k]! + z * sd[k]!);
  }
  return { level, lower, upper };
}

interface BacktestRun {
  readonly origins: number;
  readonly smape: number;
  readonly mase: number;
  /** Backtest errors divided by the model's forecast standard deviation. */
  readonly standardised: Float64Array;
  readonly runs: { actual: Float64Array; mean: Float64Array; sd: Float64Array }[];
}

/** Rolling-origin backtest: the fitted plan re-run (parameters fixed) from earlier origins. */
function rollingOrigin(y: Float64Array, plan: Plan, h: number, origins: number, combine: 'mean' | 'median'): BacktestRun {
  const minTrain = Math.max(2 * plan.period + 2, 10);
  let sm = 0;
  let ms = 0;
  const runs: BacktestRun['runs'] = [];
  const z: number[] = [];
  for (let i = 1; i <= origins; i++) {
    const origin = y.length - i * h;
    if (origin < minTrain) break;
    const history = y.subarray(0, origin);
    const actual = y.subarray(origin, origin + h);
    const out = runPlan(history, plan, h, combine);
    sm += smape(actual, out.mean);
    ms += mase(actual, out.mean, maseScale(history, plan.period));
    for (let k = 0; k < h; k++) if (out.sd[k]! > 0) z.push((actual[k]! - out.mean[k]!) / out.sd[k]!);
    runs.push({ actual, mean: out.mean, sd: out.sd });
  }
  const count = runs.length;
  return { origins: count, smape: count ? sm / count : 0, mase: count ? ms / count : 0, standardised: Float64Array.from(z), runs };
}

/**
 * Per-series interval calibration from the backtest: the robust spread (MAD/0.6745) of the
 * standardised backtest errors, shrunk towards 1 by the number of errors seen, because the model's
 * own variance formula is too wide on persistent seasonal data and too narrow on shifting data.
 */
function calibration(z: Float64Array): number {
  if (z.length < 8) return 1;
  const abs = Float64Array.from(z, Math.abs).sort();
  const spread = abs[abs.length >> 1]! / 0.6745;
  const weight = z.length / (z.length + CALIBRATION_PRIOR);
  const factor = Math.exp(weight * Math.log(Math.min(4, Math.max(0.25, spread))));
  return factor;
}

function summarise(run: BacktestRun, scale: number, floor: number): Backtest {
  if (run.origins === 0) return { origins: 0, smape: 0, mase: 0, coverage80: 0, coverage95: 0 };
  let in80 = 0;
  let in95 = 0;
  let points = 0;
  for (const { actual, mean, sd } of run.runs) {
    const b80 = bounds(mean, sd, 80, scale, floor);
    const b95 = bounds(mean, sd, 95, scale, floor);
    for (let k = 0; k < actual.length; k++) {
      const v = actual[k]!;
      if (v >= b80.lower[k]! && v <= b80.upper[k]!) in80++;
      if (v >= b95.lower[k]! && v <= b95.upper[k]!) in95++;
      points++;
    }
  }
  return { origins: run.origins, smape: run.smape, mase: run.mase, coverage80: in80 / points, coverage95: in95 / points };
}

export function forecast(series: readonly number[], options: ForecastOptions): ForecastResult {
  checkSeries(series, '/series', 4);
  checkOptions(options);
  const h = options.horizon;
  const method = options.method ?? FORECAST_DEFAULTS.method;
  const combine = options.combine ?? FORECAST_DEFAULTS.combine;
  const maxHistory = options.maxHistory ?? FORECAST_DEFAULTS.maxHistory;
  const scale = options.intervalScale ?? FORECAST_DEFAULTS.intervalScale;
  const levels = options.levels ?? [80, 95];
  const all = Float64Array.from(series);
  const y = all.length > maxHistory ? all.subarray(all.length - maxHistory) : all;
  const candidates = [...(options.period !== undefined ? [options.period] : []), ...(options.periods ?? [])];
  const plan = fitPlan(y, candidates, { method, combine, maxEvals: FORECAST_DEFAULTS.maxEvals, multiStep: options.multiStep ?? FORECAST_DEFAULTS.multiStep, horizon: h });
  const out = runPlan(y, plan, h, combine);
  // Non-negative data keep non-negative bounds (counts, durations, revenue).
  let floor = -Infinity;
  if (all.every((v) => v >= 0)) floor = 0;
  for (let k = 0; k < h; k++) {
    if (!Number.isFinite(out.mean[k]!)) out.mean[k] = y[y.length - 1]!;
    if (!Number.isFinite(out.sd[k]!)) out.sd[k] = 0;
  }
  const run = rollingOrigin(y, plan, h, options.backtestOrigins ?? FORECAST_DEFAULTS.backtestOrigins, combine);
  const seriesScale = scale * calibration(run.standardised);
  const b80 = bounds(out.mean, out.sd, 80, seriesScale, floor);
  const b95 = bounds(out.mean, out.sd, 95, seriesScale, floor);
  return {
    mean: Array.from(out.mean),
    lower80: b80.lower,
    upper80: b80.upper,
    lower95: b95.lower,
    upper95: b95.upper,
    intervals: levels.map((level) => bounds(out.mean, out.sd, level, seriesScale, floor)),
    model: planName(plan),
    period: plan.period,
    backtest: summarise(run, seriesScale, floor),
  };
}
