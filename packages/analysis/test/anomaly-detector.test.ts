import { describe, expect, it } from 'vitest';
import { createDetector, DAY_MS, detectAnomalies } from '../src/anomaly/index.js';
import { AnalysisError } from '../src/errors.js';
import { Random } from '../src/random.js';

const HOUR = 3_600_000;

/** Hourly series with a daily cycle (amplitude 10) and a weekday/weekend step, plus N(0, 1) noise. */
function seasonal(n: number, seed: number): { t: number[]; v: number[] } {
  const random = new Random(seed);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    t.push(i * HOUR);
    const day = Math.floor(i / 24) % 7;
    v.push(100 + 10 * Math.sin((2 * Math.PI * i) / 24) + (day >= 5 ? -5 : 0) + random.normal());
  }
  return { t, v };
}

describe('anomaly detector', () => {
  it('finds a planted spike at its index, and nothing else', () => {
    const { t, v } = seasonal(1500, 1);
    v[1000]! += 15;
    const { anomalies, points } = detectAnomalies(v, { timestamps: t });
    expect(anomalies).toEqual([1000]);
    expect(points[1000]!.kind).toBe('spike');
    expect(points[1000]!.score).toBeGreaterThan(0.5);
    expect(points[999]!.score).toBeLessThan(0.5);
  });

  it('finds a planted dip', () => {
    const { t, v } = seasonal(1500, 2);
    v[900]! -= 15;
    const { anomalies, points } = detectAnomalies(v, { timestamps: t });
    expect(anomalies).toEqual([900]);
    expect(points[900]!.kind).toBe('dip');
  });

  it('finds no anomaly in a pure seasonal series with noise, and learns its daily period', () => {
    for (const seed of [3, 4, 5]) {
      const { t, v } = seasonal(24 * 7 * 8, seed);
      const { anomalies, points } = detectAnomalies(v, { timestamps: t });
      expect(anomalies).toEqual([]);
      const last = points[points.length - 1]!;
      expect(last.period).toBeGreaterThanOrEqual(DAY_MS);
      // The band follows the cycle: the forecast is within a few noise units of the truth.
      expect(Math.abs(last.expected - v[v.length - 1]!)).toBeLessThan(4);
    }
  });

  it('flags a level shift once, at its start', () => {
    const { t, v } = seasonal(2000, 6);
    for (let i = 1200; i < v.length; i++) v[i]! += 12;
    const { anomalies } = detectAnomalies(v, { timestamps: t });
    expect(anomalies).toEqual([1200]);
  });

  it('flags a variance change once, near its start', () => {
    const random = new Random(7);
    const v = Array.from({ length: 2000 }, (_, i) => 50 + random.normal() * (i >= 1200 ? 6 : 1));
    const { anomalies } = detectAnomalies(v);
    expect(anomalies.length).toBe(1);
    expect(anomalies[0]).toBeGreaterThanOrEqual(1200);
    expect(anomalies[0]).toBeLessThan(1230);
  });

  it('gives scores in [0, 1] and a band around the expected value', () => {
    const { t, v } = seasonal(800, 8);
    v[500]! += 40;
    for (const p of detectAnomalies(v, { timestamps: t }).points) {
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
      expect(p.lower).toBeLessThanOrEqual(p.expected);
      expect(p.upper).toBeGreaterThanOrEqual(p.expected);
      expect(Number.isFinite(p.lower) && Number.isFinite(p.upper)).toBe(true);
    }
  });

  it('streams exactly as the batch mode, deterministically', () => {
    const { t, v } = seasonal(1200, 9);
    v[700]! += 20;
    const detector = createDetector();
    const streamed = v.map((x, i) => detector.update(t[i]!, x));
    expect(detector.count).toBe(v.length);
    const batch = detectAnomalies(v, { timestamps: t });
    expect(batch.points).toEqual(streamed);
    expect(detectAnomalies(v, { timestamps: t })).toEqual(batch);
  });

  it('survives a constant series', () => {
    const { anomalies, points } = detectAnomalies(new Array<number>(500).fill(3));
    expect(anomalies).toEqual([]);
    expect(points.every((p) => Number.isFinite(p.score) && p.expected === 3)).toBe(true);
  });

  it('stays finite on extreme magnitudes', () => {
    const v = Array.from({ length: 400 }, (_, i) => (i % 7) * 1e300);
    v[300] = -1.7e308;
    for (const p of detectAnomalies(v).points) {
      expect(Number.isNaN(p.score)).toBe(false);
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
    }
  });

  it('rejects invalid input with an AnalysisError and a path', () => {
    const bad: [() => unknown, string, string][] = [
      [() => detectAnomalies([]), 'empty', '/series'],
      [() => detectAnomalies([1, Number.NaN, 3]), 'not_finite', '/series/1'],
      [() => detectAnomalies([1, 2, Number.POSITIVE_INFINITY]), 'not_finite', '/series/2'],
      [() => detectAnomalies([1, 2, 3], { timestamps: [1, 2] }), 'length_mismatch', '/options/timestamps'],
      [() => detectAnomalies([1, 2, 3], { timestamps: [1, 3, 2] }), 'invalid_option', '/options/timestamps/2'],
      [() => detectAnomalies([1, 2, 3], { threshold: -1 }), 'invalid_option', '/options/threshold'],
      [() => detectAnomalies([1, 2, 3], { warmup: 1.5 }), 'invalid_option', '/options/warmup'],
      [() => detectAnomalies([1, 2, 3], { periods: [0] }), 'invalid_option', '/options/periods/0'],
      [() => createDetector().update(Number.NaN, 1), 'not_finite', '/t'],
      [() => createDetector().update(1, Number.NaN), 'not_finite', '/value'],
    ];
    for (const [run, code, path] of bad) {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AnalysisError);
      expect((caught as AnalysisError).code).toBe(code);
      expect((caught as AnalysisError).path).toBe(path);
    }
  });
});
