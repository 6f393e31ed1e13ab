/**
 * One candidate baseline of the detector: a level with a damped trend, plus (optionally) a seasonal
 * profile of `buckets` slots over a period in the units of the timestamps. Several of these run side
 * by side (flat, daily, weekly; each with a slow, a medium and a fast level) and the detector uses
 * the one whose recent forecast error is lowest: that is how seasonality, and how fast the level
 * moves, are chosen automatically from the data seen so far, in O(1) per point.
 *
 * Updates are Huber-clipped at `clip` scales, so a spike barely moves the baseline and a level shift
 * is absorbed gradually instead of at once (and so is still visible for a while after it starts).
 */
export interface BaselineSettings {
  readonly trendBeta: number;
  readonly trendDamping: number;
  readonly seasonAlpha: number;
  readonly errorAlpha: number;
}

export class Baseline {
  level = 0;
  trend = 0;
  /** Exponentially weighted mean absolute one-step error: used to choose among baselines. */
  error = 0;
  private started = false;
  private readonly season: Float64Array | undefined;
  private readonly seen: Uint8Array | undefined;
  private readonly bucketWidth: number;
  /** When the baseline started: a seasonal one competes only once it has seen two periods. */
  private firstTime = Number.NaN;

  constructor(
    readonly period: number,
    readonly buckets: number,
    readonly levelAlpha: number,
    private readonly settings: BaselineSettings,
  ) {
    this.bucketWidth = period > 0 ? period / buckets : 1;
    if (period > 0) {
      this.season = new Float64Array(buckets);
      this.seen = new Uint8Array(buckets);
    }
  }

  private cachedT = Number.NaN;
  private cachedBucket = 0;

  private bucket(t: number): number {
    // forecast() and update() ask for the same t in turn: compute its slot once.
    if (t === this.cachedT) return this.cachedBucket;
    this.cachedT = t;
    this.cachedBucket = this.slotOf(t);
    return this.cachedBucket;
  }

  private slotOf(t: number): number {
    const phase = t % this.period;
    const b = Math.floor((phase < 0 ? phase + this.period : phase) / this.bucketWidth);
    return b >= this.buckets ? this.buckets - 1 : b;
  }

  /** Whether the baseline has seen enough (two whole periods) to be trusted. */
  mature(t: number): boolean {
    if (this.period <= 0) return this.started;
    return t - this.firstTime >= 2 * this.period;
  }

  /** The one-step forecast at time `t` (before seeing its value). */
  forecast(t: number): number {
    const base = this.level + this.settings.trendDamping * this.trend;
    if (this.season === undefined) return base;
    const b = this.bucket(t);
    return this.seen![b] === 1 ? base + this.season[b]! : base;
  }

  /** Learns from (t, value); `scale` and `clip` bound how far one point can move the state. */
  update(t: number, value: number, expected: number, scale: number, clip: number): void {
    const s = this.settings;
    if (!this.started) {
      this.started = true;
      this.level = value;
      this.firstTime = t;
      if (this.season !== undefined) {
        const b = this.bucket(t);
        this.season[b] = 0;
        this.seen![b] = 1;
      }
      return;
    }
    const bound = clip * scale;
    let residual = value - expected;
    this.error += s.errorAlpha * (Math.min(Math.abs(residual), bound) - this.error);
    if (residual > bound) residual = bound;
    else if (residual < -bound) residual = -bound;
    const previousLevel = this.level;
    const damped = s.trendDamping * this.trend;
    if (this.season === undefined) {
      this.level = previousLevel + damped + this.levelAlpha * residual;
    } else {
      const b = this.bucket(t);
      if (this.seen![b] === 0) {
        // First visit of this slot: it starts at what the level cannot explain.
        this.seen![b] = 1;
        this.season[b] = value - previousLevel - damped;
        this.level = previousLevel + damped;
      } else {
        this.level = previousLevel + damped + this.levelAlpha * residual;
        this.season[b] = this.season[b]! + s.seasonAlpha * (1 - this.levelAlpha) * residual;
      }
    }
    this.trend = damped + s.trendBeta * (this.level - previousLevel - damped);
  }
}
