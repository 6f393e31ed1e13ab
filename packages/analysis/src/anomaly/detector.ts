/**
 * Causal streaming anomaly detector: each point is judged from the points up to it, as a live alert
 * must. Per point it answers a score in [0, 1], the expected value and a band; an anomaly episode is
 * flagged once, at its start.
 *
 * Method (see docs/analysis.md "Anomaly detection"):
 *  - baselines: a flat level with a damped trend, and the same plus a seasonal profile for each
 *    candidate period (daily and weekly by default). The one with the lowest recent forecast error
 *    is used, once it has seen two periods and beats the flat one by `seasonMargin`: seasonality is
 *    detected from the data seen so far, and re-decided continuously;
 *  - robust residual scale: an exponentially weighted mean absolute residual, Huber-clipped so an
 *    anomaly barely inflates it (a streaming stand-in for the MAD), widened to the tracked
 *    `tailQuantile` of |residual| for heavy-tailed series, floored by a fraction of the range seen
 *    so far so that a flat series does not make every wiggle infinite;
 *  - evidence: spikes and dips (|z| against `threshold`), level shifts (two-sided CUSUM of z against
 *    `shiftThreshold`), variance changes (short-term over long-term residual scale against
 *    `varianceRatio`). The largest normalised evidence e gives the score e²/(1+e²);
 *  - episodes: a run of points with e ≥ 1, gaps of up to `refractory` quiet points included, is one
 *    episode; only its first point is flagged, and nothing during the first `warmup` points.
 */
import { AnalysisError } from '../errors.js';
import { normalQuantile } from '../stats/normal.js';
import { checkInteger, checkNumber } from '../validate.js';
import { Baseline, type BaselineSettings } from './baseline.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export type AnomalyKind = 'spike' | 'dip' | 'level_shift' | 'variance_change';

export interface DetectorOptions {
  /** Candidate seasonal periods, in the units of the timestamps (default: a day and a week in ms). */
  readonly periods?: readonly number[];
  /** Points learned before any flag (default 150). */
  readonly warmup?: number;
  /** Robust z beyond which a point is a spike or a dip (default 5). */
  readonly threshold?: number;
  /** CUSUM of z (drift `shiftDrift`) beyond which a level shift is declared (default 30). */
  readonly shiftThreshold?: number;
  readonly shiftDrift?: number;
  /** Short-term residual scale over the long-term one beyond which variance changed (default 4). */
  readonly varianceRatio?: number;
  /** Quiet points that end an episode; a new one may start only after them (default 50). */
  readonly refractory?: number;
  /** Candidate smoothings of the level: one baseline per value and period, the best is used. */
  readonly levelAlphas?: readonly number[];
  /** Smoothing of the trend, seasonal slots and residual scale. */
  readonly trendBeta?: number;
  readonly trendDamping?: number;
  readonly seasonAlpha?: number;
  readonly scaleAlpha?: number;
  /** Residuals are clipped at this many scales when learning (default 3). */
  readonly clip?: number;
  /** Tail quantile of |residual| tracked to widen the scale of heavy-tailed series (default 0.99; 0 = off). */
  readonly tailQuantile?: number;
  /** The scale is at least this fraction of the range of values seen so far (default 0.01). */
  readonly scaleFloor?: number;
  /** A seasonal baseline is used when its error is this much below the flat one's (default 0.1). */
  readonly seasonMargin?: number;
  /** Most slots in a seasonal profile (default 168). */
  readonly maxBuckets?: number;
}

export interface DetectorPoint {
  readonly score: number;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  /** True only at the first point of an anomaly episode. */
  readonly anomaly: boolean;
  /** What the strongest evidence was, on points with an anomaly. */
  readonly kind?: AnomalyKind;
  /** Seasonal period in use (0 = none). */
  readonly period: number;
}

export interface Detector {
  update(t: number, value: number): DetectorPoint;
  /** Points seen so far. */
  readonly count: number;
}

interface Settings extends BaselineSettings {
  readonly periods: readonly number[];
  readonly levelAlphas: readonly number[];
  readonly warmup: number;
  readonly threshold: number;
  readonly shiftThreshold: number;
  readonly shiftDrift: number;
  readonly varianceRatio: number;
  readonly refractory: number;
  readonly scaleAlpha: number;
  readonly clip: number;
  readonly scaleFloor: number;
  readonly tailQuantile: number;
  readonly seasonMargin: number;
  readonly maxBuckets: number;
}

export const DEFAULT_DETECTOR_OPTIONS = {
  periods: [DAY_MS, WEEK_MS],
  warmup: 150,
  threshold: 4,
  shiftThreshold: 30,
  shiftDrift: 1,
  varianceRatio: 4,
  refractory: 50,
  levelAlphas: [0.01],
  trendBeta: 0.01,
  trendDamping: 0.9,
  seasonAlpha: 0.1,
  scaleAlpha: 0.01,
  clip: 3,
  scaleFloor: 0.01,
  tailQuantile: 0.95,
  seasonMargin: 0.1,
  maxBuckets: 168,
} as const;

function resolve(options: DetectorOptions): Settings {
  const o = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
  const path = '/options';
  if (!Array.isArray(o.periods)) throw new AnalysisError('invalid_option', `${path}/periods`, 'must be an array of positive numbers');
  o.periods.forEach((p, i) => checkNumber(p, `${path}/periods/${i}`, Number.MIN_VALUE, Number.MAX_VALUE));
  checkInteger(o.warmup, `${path}/warmup`, 2);
  checkNumber(o.threshold, `${path}/threshold`, Number.MIN_VALUE, 1e6);
  checkNumber(o.shiftThreshold, `${path}/shiftThreshold`, Number.MIN_VALUE, 1e9);
  checkNumber(o.shiftDrift, `${path}/shiftDrift`, 0, 1e6);
  checkNumber(o.varianceRatio, `${path}/varianceRatio`, 1, 1e6);
  checkInteger(o.refractory, `${path}/refractory`, 0);
  if (!Array.isArray(o.levelAlphas) || o.levelAlphas.length === 0) throw new AnalysisError('invalid_option', `${path}/levelAlphas`, 'must be a non-empty array of numbers in (0, 1]');
  o.levelAlphas.forEach((a, i) => checkNumber(a, `${path}/levelAlphas/${i}`, Number.MIN_VALUE, 1));
  checkNumber(o.trendBeta, `${path}/trendBeta`, 0, 1);
  checkNumber(o.trendDamping, `${path}/trendDamping`, 0, 1);
  checkNumber(o.seasonAlpha, `${path}/seasonAlpha`, Number.MIN_VALUE, 1);
  checkNumber(o.scaleAlpha, `${path}/scaleAlpha`, Number.MIN_VALUE, 1);
  checkNumber(o.clip, `${path}/clip`, Number.MIN_VALUE, 1e6);
  checkNumber(o.scaleFloor, `${path}/scaleFloor`, 0, 1);
  checkNumber(o.tailQuantile, `${path}/tailQuantile`, 0, 0.9999);
  checkNumber(o.seasonMargin, `${path}/seasonMargin`, 0, 1);
  checkInteger(o.maxBuckets, `${path}/maxBuckets`, 2, 100_000);
  return {
    ...o,
    errorAlpha: o.scaleAlpha,
  };
}

/** Enough points to estimate the sampling step before the seasonal baselines are laid out. */
const STEP_SAMPLE = 16;
/** Mean absolute deviation of a normal variable is σ·√(2/π): this turns it back into σ. */
const MAD_TO_SIGMA = 1.2533;
/** Step of the tail-quantile tracker, in scales. */
const TAIL_STEP = 0.05;
/** How fast the short-term scale (for variance changes) follows: about 20 points. */
const SHORT_SCALE_ALPHA = 0.05;

class StreamingDetector implements Detector {
  count = 0;
  private readonly s: Settings;
  /** The flat baselines first (`flatCount` of them), then the seasonal ones. */
  private readonly baselines: Baseline[] = [];
  private readonly flatCount: number;
  private readonly pending: { t: number; value: number }[] = [];
  private lastT = Number.NEGATIVE_INFINITY;
  private scale = 0;
  private tail = 0;
  private readonly tailToSigma: number;
  private shortScale = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private cusumUp = 0;
  private cusumDown = 0;
  private lastHot = Number.NEGATIVE_INFINITY;

  constructor(settings: Settings) {
    this.s = settings;
    this.tailToSigma = settings.tailQuantile > 0 ? 1 / normalQuantile(0.5 + settings.tailQuantile / 2) : 0;
    for (const alpha of settings.levelAlphas) this.baselines.push(new Baseline(0, 1, alpha, settings));
    this.flatCount = this.baselines.length;
  }

  update(t: number, value: number): DetectorPoint {
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new AnalysisError('not_finite', '/t', 'is not a finite number');
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new AnalysisError('not_finite', '/value', 'is not a finite number');
    if (t < this.lastT) throw new AnalysisError('invalid_option', '/t', 'timestamps must not decrease');
    this.lastT = t;
    if (this.count < STEP_SAMPLE) {
      this.pending.push({ t, value });
      if (this.pending.length === STEP_SAMPLE) this.layOutSeasons();
    }
    return this.step(t, value);
  }

  /** Adds a seasonal baseline per candidate period, from the median sampling step, and replays. */
  private layOutSeasons(): void {
    const gaps = [];
    for (let i = 1; i < this.pending.length; i++) gaps.push(this.pending[i]!.t - this.pending[i - 1]!.t);
    gaps.sort((a, b) => a - b);
    const step = gaps[gaps.length >> 1]!;
    if (step <= 0) return;
    for (const period of this.s.periods) {
      const slots = Math.min(Math.round(period / step), this.s.maxBuckets);
      if (slots < 2) continue;
      for (const alpha of this.s.levelAlphas) {
        const baseline = new Baseline(period, slots, alpha, this.s);
        for (const p of this.pending) baseline.update(p.t, p.value, baseline.forecast(p.t), Number.POSITIVE_INFINITY, this.s.clip);
        this.baselines.push(baseline);
      }
    }
    this.pending.length = 0;
  }

  /** The baseline to trust now: the best flat one unless a mature seasonal one clearly does better. */
  private choose(t: number): Baseline {
    let best = this.baselines[0]!;
    for (let i = 1; i < this.flatCount; i++) if (this.baselines[i]!.error < best.error) best = this.baselines[i]!;
    let bestError = best.error * (1 - this.s.seasonMargin);
    for (let i = this.flatCount; i < this.baselines.length; i++) {
      const b = this.baselines[i]!;
      if (b.mature(t) && b.error < bestError) {
        best = b;
        bestError = b.error;
      }
    }
    return best;
  }

  private step(t: number, value: number): DetectorPoint {
    const s = this.s;
    const n = this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const chosen = this.choose(t);
    const expected = n === 0 ? value : chosen.forecast(t);
    const floor = Math.max(s.scaleFloor * (this.max - this.min), 1e-12);
    // Heavy tails: the scale is also at least the tracked tail quantile of |residual| divided by
    // what that quantile would be for a normal variable, so a series that routinely makes large
    // excursions has them measured in its own units.
    const sigma = Math.max(this.scale * MAD_TO_SIGMA, this.tail * this.tailToSigma, floor);
    const residual = value - expected;
    const z = n === 0 ? 0 : residual / sigma;

    // Learn (every baseline, so each keeps its own error for the choice above).
    const learnScale = n < s.warmup ? Number.POSITIVE_INFINITY : sigma;
    for (const b of this.baselines) b.update(t, value, n === 0 ? value : b.forecast(t), learnScale, s.clip);
    const absR = Math.abs(residual);
    const clipped = n < s.warmup ? absR : Math.min(absR, s.clip * sigma);
    if (n === 1) this.scale = clipped;
    else if (n > 1) this.scale += (n < s.warmup ? Math.max(s.scaleAlpha, 1 / n) : s.scaleAlpha) * (clipped - this.scale);
    if (s.tailQuantile > 0 && n > 1) {
      // Stochastic-gradient quantile tracking: settles where P(|r| ≤ tail) = tailQuantile.
      const step = TAIL_STEP * Math.max(this.scale, floor);
      this.tail += absR > this.tail ? step * s.tailQuantile : -step * (1 - s.tailQuantile);
      if (this.tail < 0) this.tail = 0;
    }
    this.shortScale += SHORT_SCALE_ALPHA * (Math.min(absR, 10 * s.clip * sigma) - this.shortScale);

    // Evidence, each normalised so that 1 means "at its threshold".
    const zc = Math.max(-10 * s.threshold, Math.min(10 * s.threshold, z));
    this.cusumUp = Math.max(0, this.cusumUp + zc - s.shiftDrift);
    this.cusumDown = Math.max(0, this.cusumDown - zc - s.shiftDrift);
    const point = Math.abs(z) / s.threshold;
    const shift = Math.max(this.cusumUp, this.cusumDown) / s.shiftThreshold;
    const variance = this.scale > 0 ? (this.shortScale / this.scale) / s.varianceRatio : 0;
    let evidence = point;
    let kind: AnomalyKind = z >= 0 ? 'spike' : 'dip';
    if (shift > evidence) {
      evidence = shift;
      kind = 'level_shift';
    }
    if (variance > evidence) {
      evidence = variance;
      kind = 'variance_change';
    }

    // An episode is a run of points at or above their threshold, gaps of up to `refractory` quiet
    // points included; only its first point is flagged.
    let anomaly = false;
    if (n >= s.warmup && evidence >= 1) {
      if (n - this.lastHot <= s.refractory) this.lastHot = n;
      else {
        anomaly = true;
        this.lastHot = n;
      }
    }
    if (anomaly) {
      // A flagged shift has been reported: start counting afresh.
      this.cusumUp = 0;
      this.cusumDown = 0;
    }
    // (Huge evidence would square to Infinity and Infinity/Infinity is NaN: it is simply 1.)
    const score = evidence > 1e8 ? 1 : (evidence * evidence) / (1 + evidence * evidence);
    const band = s.threshold * sigma;
    return {
      score: n < s.warmup ? 0 : score,
      expected,
      lower: expected - band,
      upper: expected + band,
      anomaly,
      // Always present (undefined unless flagged) so that every point has the same shape.
      kind: anomaly ? kind : undefined,
      period: chosen.period,
    };
  }
}

export function createDetector(options: DetectorOptions = {}): Detector {
  return new StreamingDetector(resolve(options));
}

export interface BatchOptions extends DetectorOptions {
  /** One timestamp per value (non-decreasing); default: the index times `interval`. */
  readonly timestamps?: readonly number[];
  /** Spacing of the default timestamps (default 1). */
  readonly interval?: number;
}

export interface BatchResult {
  readonly points: DetectorPoint[];
  /** Indices where an anomaly episode starts. */
  readonly anomalies: number[];
}

/** Runs the causal detector over a whole series (same answers as feeding it point by point). */
export function detectAnomalies(series: readonly number[], options: BatchOptions = {}): BatchResult {
  if (!Array.isArray(series) || series.length === 0) throw new AnalysisError('empty', '/series', 'is empty');
  const { timestamps, interval = 1, ...rest } = options;
  checkNumber(interval, '/options/interval', Number.MIN_VALUE, Number.MAX_VALUE);
  if (timestamps !== undefined && (!Array.isArray(timestamps) || timestamps.length !== series.length)) {
    throw new AnalysisError('length_mismatch', '/options/timestamps', `must have ${series.length} timestamps`);
  }
  for (let i = 0; i < series.length; i++) {
    if (typeof series[i] !== 'number' || !Number.isFinite(series[i])) throw new AnalysisError('not_finite', `/series/${i}`, 'is not a finite number');
    if (timestamps !== undefined && (typeof timestamps[i] !== 'number' || !Number.isFinite(timestamps[i]))) {
      throw new AnalysisError('not_finite', `/options/timestamps/${i}`, 'is not a finite number');
    }
    if (timestamps !== undefined && i > 0 && timestamps[i]! < timestamps[i - 1]!) {
      throw new AnalysisError('invalid_option', `/options/timestamps/${i}`, 'timestamps must not decrease');
    }
  }
  const detector = createDetector(rest);
  const points: DetectorPoint[] = new Array<DetectorPoint>(series.length);
  const anomalies: number[] = [];
  for (let i = 0; i < series.length; i++) {
    const p = detector.update(timestamps === undefined ? i * interval : timestamps[i]!, series[i]!);
    points[i] = p;
    if (p.anomaly) anomalies.push(i);
  }
  return { points, anomalies };
}
