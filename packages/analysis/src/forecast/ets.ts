/**
 * Exponential smoothing state-space models ETS(error, trend, season) with error A|M, trend
 * N|A|Ad and season N|A|M (Hyndman et al. 2008). The point recursions are the same for additive
 * and multiplicative errors; the error type changes the likelihood and the interval widths, so
 * one filter serves all twelve models. Smoothing parameters are fitted by maximum likelihood with
 * Nelder–Mead; initial states come from the first seasons (a heuristic, which keeps a fit cheap).
 */
import { nelderMead } from './nelderMead.js';

export type ErrorType = 'A' | 'M';
export type TrendType = 'N' | 'A' | 'Ad';
export type SeasonType = 'N' | 'A' | 'M';

export interface EtsSpec {
  readonly error: ErrorType;
  readonly trend: TrendType;
  readonly season: SeasonType;
  /** Seasonal period (ignored when season is N). */
  readonly period: number;
}

export interface EtsParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
}

export interface EtsFit {
  readonly spec: EtsSpec;
  readonly params: EtsParams;
  /** Standard deviation of the one-step errors (absolute for A, relative for M errors). */
  readonly sigma: number;
  readonly aicc: number;
  readonly level: number;
  readonly slope: number;
  /** Seasonal states for the next m steps, in order (index 0 is the step after the data). */
  readonly seasonal: Float64Array;
}

export function specName(spec: EtsSpec): string {
  const season = spec.season === 'N' ? 'N' : `${spec.season}${spec.period}`;
  return `ETS(${spec.error},${spec.trend},${season})`;
}

interface InitialStates {
  level: number;
  slope: number;
  seasonal: Float64Array;
}

function initialStates(y: Float64Array, spec: EtsSpec): InitialStates {
  const m = spec.season === 'N' ? 1 : spec.period;
  const seasonal = new Float64Array(m).fill(spec.season === 'M' ? 1 : 0);
  if (spec.season === 'N') {
    const k = Math.min(y.length, 10);
    let level = 0;
    for (let i = 0; i < k; i++) level += y[i]! / k;
    let slope = 0;
    if (spec.trend !== 'N' && y.length >= 4) slope = ((y[Math.min(y.length, 10) - 1]! - y[0]!) / (Math.min(y.length, 10) - 1)) * 0.5;
    return { level, slope, seasonal };
  }
  // Average the first (up to) four seasons for the seasonal profile; level from the first season.
  const seasons = Math.max(1, Math.min(4, Math.floor(y.length / m)));
  const means = new Float64Array(seasons);
  for (let s = 0; s < seasons; s++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += y[s * m + i]!;
    means[s] = sum / m;
  }
  for (let s = 0; s < seasons; s++) {
    for (let i = 0; i < m; i++) {
      const v = y[s * m + i]!;
      seasonal[i]! += (spec.season === 'M' ? v / means[s]! : v - means[s]!) / seasons;
    }
  }
  const slope = spec.trend !== 'N' && seasons > 1 ? (means[seasons - 1]! - means[0]!) / ((seasons - 1) * m) : 0;
  // The level at time -1: the first season's mean moved back half a season along the slope.
  const level = means[0]! - slope * ((m - 1) / 2 + 1);
  return { level, slope, seasonal };
}

/** Unconstrained → constrained parameters (α∈(0,1), β∈(0,α), γ∈(0,1−α), φ∈[0.8,0.98]). */
function toParams(x: Float64Array, spec: EtsSpec): EtsParams {
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const alpha = 0.0001 + 0.9998 * sig(x[0]!);
  let i = 1;
  const beta = spec.trend === 'N' ? 0 : alpha * 0.999 * sig(x[i++]!);
  const gamma = spec.season === 'N' ? 0 : (1 - alpha) * 0.999 * sig(x[i++]!);
  const phi = spec.trend === 'Ad' ? 0.8 + 0.18 * sig(x[i++]!) : 1;
  return { alpha, beta, gamma, phi };
}

function startVector(spec: EtsSpec): Float64Array {
  // α ≈ 0.3, β ≈ 0.1α, γ ≈ 0.05(1−α), φ ≈ 0.94 in constrained terms.
  const values = [-0.85];
  if (spec.trend !== 'N') values.push(-2.2);
  if (spec.season !== 'N') values.push(-2.9);
  if (spec.trend === 'Ad') values.push(0.8);
  return Float64Array.from(values);
}

const NO_HORIZONS: readonly number[] = [];

interface FilterResult {
  /** Sum of squared k-step errors over the `horizons` (for a multi-step fit). */
  multi: number;
  sse: number;
  logMu: number;
  level: number;
  slope: number;
  seasonal: Float64Array;
  ok: boolean;
}

/** Runs the model over y; returns the sum of squared (absolute or relative) errors and the last states. */
function filter(y: Float64Array, spec: EtsSpec, p: EtsParams, init: InitialStates, horizons: readonly number[] = NO_HORIZONS): FilterResult {
  const m = init.seasonal.length;
  const s = Float64Array.from(init.seasonal);
  let l = init.level;
  let b = init.slope;
  let sse = 0;
  let logMu = 0;
  let ok = true;
  let multi = 0;
  const { alpha, beta, gamma, phi } = p;
  const seasonAdd = spec.season === 'A';
  const seasonMul = spec.season === 'M';
  const relative = spec.error === 'M';
  // φ + φ² + … + φ^k for each k-step horizon of a multi-step fit.
  const dampSums = horizons.map((k) => {
    let sum = 0;
    let pow = 1;
    for (let i = 0; i < k; i++) {
      pow *= phi;
      sum += pow;
    }
    return sum;
  });
  for (let t = 0; t < y.length; t++) {
    const j = t % m;
    const base = l + phi * b;
    const season = s[j]!;
    const mu = seasonMul ? base * season : seasonAdd ? base + season : base;
    const e = y[t]! - mu;
    for (let hi = 0; hi < horizons.length; hi++) {
      // The k-step forecast from the states at t (the latest seasonal state of that phase).
      const k = horizons[hi]!;
      if (t + k - 1 >= y.length) continue;
      const baseK = l + dampSums[hi]! * b;
      const sk = s[(t + k - 1) % m]!;
      const muK = seasonMul ? baseK * sk : seasonAdd ? baseK + sk : baseK;
      const eK = y[t + k - 1]! - muK;
      multi += relative ? (eK / (muK > 0 ? muK : 1)) ** 2 : eK * eK;
    }
    if (relative) {
      if (!(mu > 0)) {
        ok = false;
        break;
      }
      sse += (e / mu) ** 2;
      logMu += Math.log(mu);
    } else {
      sse += e * e;
    }
    if (seasonMul) {
      l = base + (alpha * e) / season;
      b = phi * b + (beta * e) / season;
      s[j] = season + (gamma * e) / base;
    } else {
      l = base + alpha * e;
      b = phi * b + beta * e;
      if (seasonAdd) s[j] = season + gamma * e;
    }
  }
  // Rotate so index 0 is the season of the step after the data.
  const next = new Float64Array(m);
  for (let i = 0; i < m; i++) next[i] = s[(y.length + i) % m]!;
  return { multi, sse, logMu, level: l, slope: b, seasonal: next, ok: ok && Number.isFinite(sse) };
}

function negLogLik(n: number, r: FilterResult, spec: EtsSpec): number {
  if (!r.ok) return Infinity;
  const base = n * Math.log(Math.max(r.sse, 1e-300) / n);
  return spec.error === 'M' ? base + 2 * r.logMu : base;
}

/** Number of estimated quantities AICc charges for (parameters, initial states, σ). */
function parameterCount(spec: EtsSpec): number {
  let k = 2; // α and σ
  k += 1; // initial level
  if (spec.trend !== 'N') k += 2;
  if (spec.trend === 'Ad') k += 1;
  if (spec.season !== 'N') k += spec.period; // γ and m−1 free seasonal states
  return k;
}

/**
 * Fits the smoothing parameters. By default by likelihood (one-step errors); with `horizons`
 * by the mean squared k-step error over them, which stops hourly data from
 * driving α → 1 (one-step errors reward tracking hour-to-hour noise that does not last 48 hours).
 */
export function fitEts(y: Float64Array, spec: EtsSpec, maxEvals = 160, fixed?: EtsParams, horizons?: readonly number[]): EtsFit {
  const init = initialStates(y, spec);
  const n = y.length;
  let params: EtsParams;
  if (fixed) {
    params = fixed;
  } else {
    const objective = horizons && horizons.length > 0
      ? (v: Float64Array): number => {
          const r = filter(y, spec, toParams(v, spec), init, horizons);
          return r.ok ? Math.log(Math.max(r.multi, 1e-300)) : Infinity;
        }
      : (v: Float64Array): number => negLogLik(n, filter(y, spec, toParams(v, spec), init), spec);
    const x = nelderMead(objective, startVector(spec), maxEvals, 1);
    params = toParams(x, spec);
  }
  const r = filter(y, spec, params, init);
  const nll = negLogLik(n, r, spec);
  const k = parameterCount(spec);
  const aicc = n - k - 1 > 0 ? nll + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  return {
    spec,
    params,
    sigma: Math.sqrt(r.sse / Math.max(1, n - k)),
    aicc: Number.isFinite(aicc) ? aicc : Infinity,
    level: r.level,
    slope: r.slope,
    seasonal: r.seasonal,
  };
}

/** Point forecasts for steps 1..h. */
export function etsMean(fit: EtsFit, h: number): Float64Array {
  const out = new Float64Array(h);
  const { phi } = fit.params;
  const m = fit.seasonal.length;
  let damp = 0;
  let pow = 1;
  for (let k = 0; k < h; k++) {
    pow *= phi;
    damp += pow;
    const base = fit.level + (fit.spec.trend === 'N' ? 0 : damp * fit.slope);
    const s = fit.seasonal[k % m]!;
    out[k] = fit.spec.season === 'M' ? base * s : fit.spec.season === 'A' ? base + s : base;
  }
  return out;
}

/**
 * Forecast standard deviations for steps 1..h: the class-1 formula σ²(1 + Σ c_j²) with
 * c_j = α + βφ_j + γ·[j ≡ 0 mod m], exact for additive errors and additive/no season; for
 * multiplicative errors σ is relative, so it is scaled by the point forecast (a first-order
 * approximation that the calibration factor absorbs).
 */
export function etsSd(fit: EtsFit, mean: Float64Array): Float64Array {
  const h = mean.length;
  const { alpha, beta, gamma, phi } = fit.params;
  const m = fit.spec.season === 'N' ? 0 : fit.seasonal.length;
  const out = new Float64Array(h);
  let acc = 1;
  let damp = 0;
  let pow = 1;
  for (let k = 0; k < h; k++) {
    if (k > 0) {
      pow *= phi;
      damp += pow;
      const c = alpha + beta * damp + (m > 0 && k % m === 0 ? gamma : 0);
      acc += c * c;
    }
    const scale = fit.spec.error === 'M' ? Math.abs(mean[k]!) : 1;
    out[k] = fit.sigma * scale * Math.sqrt(acc);
  }
  return out;
}
