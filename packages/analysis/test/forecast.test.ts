// Forecasting on synthetic series with known answers: a simulated ETS process is recovered, a pure
// seasonal series is forecast almost exactly, intervals widen with the horizon and cover ~95 % of
// simulated futures, bad input is a typed AnalysisError, and the answer is deterministic.
import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../src/errors.js';
import { etsMean, fitEts, forecast } from '../src/forecast/index.js';
import { Random } from '../src/random.js';

/** ETS(A,N,N) (simple exponential smoothing with additive errors). */
function simulateAnn(rng: Random, n: number, alpha: number, sigma: number, level = 100): number[] {
  const out: number[] = [];
  let l = level;
  for (let t = 0; t < n; t++) {
    const e = sigma * rng.normal();
    out.push(l + e);
    l += alpha * e;
  }
  return out;
}

/** ETS(A,N,A) with period m. */
function simulateAna(rng: Random, n: number, m: number, alpha: number, gamma: number, sigma: number): number[] {
  const season = Array.from({ length: m }, (_, i) => 10 * Math.sin((2 * Math.PI * i) / m));
  let l = 50;
  const out: number[] = [];
  for (let t = 0; t < n; t++) {
    const e = sigma * rng.normal();
    const j = t % m;
    out.push(l + season[j]! + e);
    l += alpha * e;
    season[j]! += gamma * e;
  }
  return out;
}

describe('ETS fitting', () => {
  it('recovers the smoothing parameter of a simulated ETS(A,N,N) process', () => {
    const y = Float64Array.from(simulateAnn(new Random(11), 3000, 0.3, 1));
    const fit = fitEts(y, { error: 'A', trend: 'N', season: 'N', period: 1 });
    expect(Math.abs(fit.params.alpha - 0.3)).toBeLessThan(0.05);
    expect(Math.abs(fit.sigma - 1)).toBeLessThan(0.05);
  });

  it('recovers α and γ of a simulated ETS(A,N,A) process and prefers it by AICc over no season', () => {
    const y = Float64Array.from(simulateAna(new Random(5), 3000, 12, 0.2, 0.1, 1));
    const fit = fitEts(y, { error: 'A', trend: 'N', season: 'A', period: 12 }, 400);
    expect(Math.abs(fit.params.alpha - 0.2)).toBeLessThan(0.06);
    expect(Math.abs(fit.params.gamma - 0.1)).toBeLessThan(0.06);
    const plain = fitEts(y, { error: 'A', trend: 'N', season: 'N', period: 1 });
    expect(fit.aicc).toBeLessThan(plain.aicc);
    // The seasonal forecast repeats the seasonal states around the last level.
    const mean = etsMean(fit, 24);
    expect(mean[0]).toBeCloseTo(mean[12]!, 10);
  });
});

describe('forecast', () => {
  it('forecasts a pure seasonal series nearly exactly', () => {
    const y = Array.from({ length: 480 }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 24) + 3 * Math.cos((4 * Math.PI * t) / 24));
    const f = forecast(y, { horizon: 48, period: 24 });
    expect(f.period).toBe(24);
    for (let k = 0; k < 48; k++) {
      const t = 480 + k;
      const truth = 50 + 10 * Math.sin((2 * Math.PI * t) / 24) + 3 * Math.cos((4 * Math.PI * t) / 24);
      expect(Math.abs(f.mean[k]! - truth)).toBeLessThan(0.1);
    }
    expect(f.backtest.smape).toBeLessThan(0.5);
  });

  it('gives intervals that widen with the horizon and hold ~95 % of simulated futures', () => {
    const rng = new Random(2024);
    const h = 12;
    let inside95 = 0;
    let inside80 = 0;
    let total = 0;
    for (let s = 0; s < 150; s++) {
      const path = simulateAnn(rng, 200 + h, 0.3, 1);
      const f = forecast(path.slice(0, 200), { horizon: h });
      if (s === 0) {
        expect(f.upper95[h - 1]! - f.lower95[h - 1]!).toBeGreaterThan(f.upper95[0]! - f.lower95[0]!);
        for (let k = 0; k < h; k++) {
          expect(f.lower95[k]!).toBeLessThanOrEqual(f.lower80[k]!);
          expect(f.upper95[k]!).toBeGreaterThanOrEqual(f.upper80[k]!);
        }
      }
      for (let k = 0; k < h; k++) {
        const v = path[200 + k]!;
        if (v >= f.lower95[k]! && v <= f.upper95[k]!) inside95++;
        if (v >= f.lower80[k]! && v <= f.upper80[k]!) inside80++;
        total++;
      }
    }
    expect(inside95 / total).toBeGreaterThan(0.9);
    expect(inside95 / total).toBeLessThan(0.99);
    expect(inside80 / total).toBeGreaterThan(0.7);
    expect(inside80 / total).toBeLessThan(0.9);
  });

  it('reports a rolling-origin backtest and the requested levels', () => {
    const y = simulateAna(new Random(3), 400, 24, 0.2, 0.05, 1);
    const f = forecast(y, { horizon: 24, period: 24, levels: [50, 80, 95, 99] });
    expect(f.backtest.origins).toBe(3);
    for (const v of [f.backtest.smape, f.backtest.mase, f.backtest.coverage80, f.backtest.coverage95]) expect(Number.isFinite(v)).toBe(true);
    expect(f.intervals.map((i) => i.level)).toEqual([50, 80, 95, 99]);
    expect(f.intervals[3]!.upper[0]!).toBeGreaterThan(f.intervals[0]!.upper[0]!);
  });

  it('is deterministic', () => {
    const y = simulateAna(new Random(9), 500, 24, 0.3, 0.1, 2);
    expect(forecast(y, { horizon: 48, period: 24, seed: 1 })).toEqual(forecast(y, { horizon: 48, period: 24, seed: 1 }));
  });

  it('handles constant and very short series without NaN', () => {
    for (const y of [[5, 5, 5, 5, 5, 5, 5, 5], [1, 2, 3, 4], Array.from({ length: 100 }, () => 0)]) {
      const f = forecast(y, { horizon: 5, period: 24 });
      for (const v of [...f.mean, ...f.lower95, ...f.upper95]) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('rejects invalid input with an AnalysisError and its path', () => {
    const bad: [unknown, unknown, string][] = [
      [[], { horizon: 3 }, '/series'],
      [[1, 2, Number.NaN, 4, 5], { horizon: 3 }, '/series/2'],
      [[1, 2, Infinity, 4, 5], { horizon: 3 }, '/series/2'],
      [[1, 2, 3], { horizon: 3 }, '/series'],
      [[1, 2, 3, 4, 5], { horizon: 0 }, '/options/horizon'],
      [[1, 2, 3, 4, 5], { horizon: 2.5 }, '/options/horizon'],
      [[1, 2, 3, 4, 5], { horizon: 3, period: 0 }, '/options/period'],
      [[1, 2, 3, 4, 5], { horizon: 3, levels: [80, 100] }, '/options/levels/1'],
      [[1, 2, 3, 4, 5], { horizon: 3, method: 'arima' }, '/options/method'],
    ];
    for (const [series, options, path] of bad) {
      let error: unknown;
      try {
        forecast(series as number[], options as { horizon: number });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AnalysisError);
      expect((error as AnalysisError).path).toBe(path);
    }
  });
});
