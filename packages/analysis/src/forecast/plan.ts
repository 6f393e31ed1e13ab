/**
 * A forecasting "plan": the chosen seasonality, models and their fitted smoothing parameters.
 * Fitting a plan is the expensive part (likelihood optimisation, AICc selection); running a plan
 * on a series with the parameters held fixed is a single O(n) pass, which is what makes a
 * rolling-origin backtest affordable with every forecast.
 */
import { etsMean, etsSd, fitEts, specName, type EtsFit, type EtsParams, type EtsSpec, type SeasonType, type TrendType, type ErrorType } from './ets.js';
import { seasonalIndices, seasonalStrength } from './seasonality.js';

export type ForecastMethod = 'combination' | 'ets' | 'theta' | 'damped';

export interface Plan {
  readonly method: ForecastMethod;
  /** Seasonal period in use (1 = none). */
  readonly period: number;
  /** How Theta and damped deseasonalise: ratios (positive data) or differences. */
  readonly multiplicativeSeason: boolean;
  /**
   * Whether the combination also takes seasonal naive and seasonal means: only when the season is
   * significant in the first differences too, because a trend alone inflates the raw lag-m
   * autocorrelation and then last year's values are far from this year's level.
   */
  readonly seasonalNaive: boolean;
  readonly ets: { spec: EtsSpec; params: EtsParams };
  readonly theta: EtsParams;
  readonly damped: EtsParams;
}

export interface PlanOutput {
  readonly mean: Float64Array;
  readonly sd: Float64Array;
}

export interface PlanChoices {
  readonly method: ForecastMethod;
  readonly combine: 'mean' | 'median';
  readonly maxEvals: number;
  /** Fit seasonal ETS models on k-step errors (k = 1, m/4, m/2, m and the horizon) rather than one-step likelihood. */
  readonly multiStep: boolean;
  readonly horizon: number;
}

const THETA_SPEC: EtsSpec = { error: 'A', trend: 'N', season: 'N', period: 1 };
const DAMPED_SPEC: EtsSpec = { error: 'A', trend: 'Ad', season: 'N', period: 1 };

/** Picks the seasonal period: the candidate with the strongest significant seasonality. */
export function choosePeriod(y: Float64Array, candidates: readonly number[]): number {
  let best = 1;
  let bestStrength = 1;
  for (const m of candidates) {
    if (m < 2 || y.length < 3 * m) continue;
    const strength = seasonalStrength(y, m);
    if (strength > bestStrength) {
      best = m;
      bestStrength = strength;
    }
  }
  return best;
}

interface Deseasonalised {
  adjusted: Float64Array;
  /** Seasonal component for the h steps after the data. */
  future: (h: number) => Float64Array;
}

function deseasonalise(y: Float64Array, m: number, multiplicative: boolean): Deseasonalised {
  const n = y.length;
  if (m < 2) return { adjusted: y, future: (h) => new Float64Array(h).fill(multiplicative ? 1 : 0) };
  const idx = seasonalIndices(y, m, multiplicative);
  const adjusted = new Float64Array(n);
  for (let t = 0; t < n; t++) adjusted[t] = multiplicative ? y[t]! / idx[t % m]! : y[t]! - idx[t % m]!;
  return {
    adjusted,
    future: (h) => {
      const out = new Float64Array(h);
      for (let k = 0; k < h; k++) out[k] = idx[(n + k) % m]!;
      return out;
    },
  };
}

function reseasonalise(mean: Float64Array, sd: Float64Array, season: Float64Array, multiplicative: boolean): PlanOutput {
  const m2 = new Float64Array(mean.length);
  const s2 = new Float64Array(sd.length);
  for (let k = 0; k < mean.length; k++) {
    m2[k] = multiplicative ? mean[k]! * season[k]! : mean[k]! + season[k]!;
    s2[k] = multiplicative ? sd[k]! * season[k]! : sd[k]!;
  }
  return { mean: m2, sd: s2 };
}

/** Standard Theta (Assimakopoulos & Nikolopoulos 2000) as SES plus half the OLS drift. */
function thetaFromSes(x: Float64Array, ses: EtsFit, h: number): PlanOutput {
  const n = x.length;
  let st = 0;
  let sy = 0;
  for (let t = 0; t < n; t++) {
    st += t;
    sy += x[t]!;
  }
  const tm = st / n;
  const ym = sy / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tm) * (x[t]! - ym);
    den += (t - tm) ** 2;
  }
  const slope = den > 0 ? num / den : 0;
  const alpha = ses.params.alpha;
  const mean = etsMean(ses, h);
  const drift = 1 / alpha - (1 - alpha) ** n / alpha;
  for (let k = 0; k < h; k++) mean[k]! += 0.5 * slope * (k + drift);
  return { mean, sd: etsSd(ses, mean) };
}

function etsCandidates(period: number, positive: boolean): EtsSpec[] {
  const errors: ErrorType[] = positive ? ['A', 'M'] : ['A'];
  const trends: TrendType[] = ['N', 'A', 'Ad'];
  const seasons: SeasonType[] = period > 1 ? (positive ? ['A', 'M'] : ['A']) : ['N'];
  const out: EtsSpec[] = [];
  for (const error of errors) {
    for (const trend of trends) {
      for (const season of seasons) {
        // Additive errors with a multiplicative season are numerically unstable (as in R's ets).
        if (error === 'A' && season === 'M') continue;
        out.push({ error, trend, season, period: season === 'N' ? 1 : period });
      }
    }
  }
  return out;
}

/** Fits a plan: period, the AICc-best ETS model, Theta's SES and the damped trend. */
export function fitPlan(y: Float64Array, candidates: readonly number[], choices: PlanChoices): Plan {
  const period = choosePeriod(y, candidates);
  let positive = true;
  for (let t = 0; t < y.length; t++) if (!(y[t]! > 0)) positive = false;
  let best: EtsFit | undefined;
  if (choices.method === 'ets' || choices.method === 'combination') {
    for (const spec of etsCandidates(period, positive)) {
      const m = spec.period;
      const horizons = choices.multiStep && m > 1 ? [...new Set([1, Math.max(1, Math.round(m / 4)), Math.max(1, Math.round(m / 2)), m, Math.max(m, choices.horizon)])] : undefined;
      const fit = fitEts(y, spec, choices.maxEvals, undefined, horizons);
      if (!best || fit.aicc < best.aicc) best = fit;
    }
  }
  const ds = deseasonalise(y, period, positive);
  const theta = fitEts(ds.adjusted, THETA_SPEC, choices.maxEvals).params;
  const damped = choices.method === 'theta' ? theta : fitEts(ds.adjusted, DAMPED_SPEC, choices.maxEvals).params;
  const ets = best ?? { spec: DAMPED_SPEC, params: damped };
  let seasonalNaive = false;
  if (period > 1) {
    const diff = new Float64Array(y.length - 1);
    for (let t = 1; t < y.length; t++) diff[t - 1] = y[t]! - y[t - 1]!;
    seasonalNaive = seasonalStrength(diff, period) > 1;
  }
  return { method: choices.method, period, multiplicativeSeason: positive, seasonalNaive, ets: { spec: ets.spec, params: ets.params }, theta, damped };
}

export function planName(plan: Plan): string {
  const season = plan.period > 1 ? `, season ${plan.period}` : '';
  switch (plan.method) {
    case 'ets':
      return specName(plan.ets.spec);
    case 'theta':
      return `Theta${season}`;
    case 'damped':
      return `Damped${season}`;
    case 'combination':
      return plan.period > 1 && plan.seasonalNaive ? `Median(${specName(plan.ets.spec)}, Theta, Damped, seasonal means of 1–3 seasons; season ${plan.period})` : `Median(${specName(plan.ets.spec)}, Theta, Damped${season})`;
  }
}

/** Mean of the last `seasons` seasons, repeated (1 season = seasonal naive). */
function seasonalMean(y: Float64Array, m: number, seasons: number, h: number, sd: Float64Array): PlanOutput {
  const n = y.length;
  const usable = Math.max(1, Math.min(seasons, Math.floor(n / m)));
  const mean = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    let sum = 0;
    for (let w = 1; w <= usable; w++) sum += y[n - w * m + (k % m)]!;
    mean[k] = sum / usable;
  }
  return { mean, sd };
}

/** Runs a fitted plan on y (parameters fixed) and forecasts h steps. */
export function runPlan(y: Float64Array, plan: Plan, h: number, combine: 'mean' | 'median'): PlanOutput {
  const parts: PlanOutput[] = [];
  if (plan.method === 'ets' || plan.method === 'combination') {
    const fit = fitEts(y, plan.ets.spec, 0, plan.ets.params);
    const mean = etsMean(fit, h);
    parts.push({ mean, sd: etsSd(fit, mean) });
  }
  if (plan.method !== 'ets') {
    const ds = deseasonalise(y, plan.period, plan.multiplicativeSeason);
    const season = ds.future(h);
    if (plan.method === 'theta' || plan.method === 'combination') {
      const ses = fitEts(ds.adjusted, THETA_SPEC, 0, plan.theta);
      const t = thetaFromSes(ds.adjusted, ses, h);
      parts.push(reseasonalise(t.mean, t.sd, season, plan.multiplicativeSeason));
    }
    if (plan.method === 'damped' || plan.method === 'combination') {
      const fit = fitEts(ds.adjusted, DAMPED_SPEC, 0, plan.damped);
      const mean = etsMean(fit, h);
      parts.push(reseasonalise(mean, etsSd(fit, mean), season, plan.multiplicativeSeason));
    }
  }
  if (plan.method === 'combination' && plan.period > 1 && plan.seasonalNaive) {
    // Seasonal data: add seasonal naive and the means of the last two and three seasons. They
    // react at once to a changed daily profile, which smoothed models only follow slowly; in the
    // median they pull the combination towards the latest seasons when the models disagree.
    for (let seasons = 1; seasons <= 3; seasons++) parts.push(seasonalMean(y, plan.period, seasons, h, parts[0]!.sd));
  }
  if (parts.length === 1) return parts[0]!;
  const mean = new Float64Array(h);
  const sd = new Float64Array(h);
  const values = new Float64Array(parts.length);
  for (let k = 0; k < h; k++) {
    let sdSum = 0;
    let sum = 0;
    for (let i = 0; i < parts.length; i++) {
      values[i] = parts[i]!.mean[k]!;
      sum += values[i]!;
      sdSum += parts[i]!.sd[k]!;
    }
    if (combine === 'median') {
      values.sort();
      const mid = values.length >> 1;
      mean[k] = values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
    } else {
      mean[k] = sum / parts.length;
    }
    // The components' errors are highly correlated, so the combination's spread is close to the
    // average spread (not the √k-smaller one of independent errors).
    sd[k] = sdSum / parts.length;
  }
  return { mean, sd };
}
