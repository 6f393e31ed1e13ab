// Correlation against textbook values (Anscombe's quartet; Wikipedia's Spearman IQ/TV example;
// reference figures computed to 30 digits with mpmath), gaps, ties, lags, alignment and bad input.
import { describe, expect, it } from 'vitest';
import { alignSeries, averageRanks, correlation, CorrelationError, crossCorrelation, pearson, spearman } from '../src/correlation/index.js';
import { AnalysisError } from '../src/errors.js';
import { Random } from '../src/random.js';

const close = (actual: number, expected: number, tolerance = 1e-12) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);

function caught(fn: () => unknown): AnalysisError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AnalysisError);
    return error as AnalysisError;
  }
  throw new Error('expected an AnalysisError');
}

const ANSCOMBE_X = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
const ANSCOMBE_Y1 = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
const ANSCOMBE_Y2 = [9.14, 8.14, 8.74, 8.77, 9.26, 8.1, 6.13, 3.1, 9.13, 7.26, 4.74];

describe('Pearson', () => {
  it("matches Anscombe's quartet: r, t, p-value and Fisher interval", () => {
    const result = pearson(ANSCOMBE_X, ANSCOMBE_Y1);
    close(result.r, 0.81642051634484);
    close(result.t, 4.24145528889283, 1e-11);
    expect(result.df).toBe(9);
    close(result.pValue, 0.0021696288730788, 1e-14);
    close(result.lower, 0.424391213393216);
    close(result.upper, 0.950693253786561);
    expect(result).toMatchObject({ method: 'pearson', n: 11, confidence: 0.95 });
    // The quartet's point: the second set has (almost) the same r.
    close(pearson(ANSCOMBE_X, ANSCOMBE_Y2).r, 0.8162365060002428, 1e-12);
  });

  it('is exact for perfectly linear data and symmetric in its arguments', () => {
    const x = Array.from({ length: 50 }, (_, i) => i * 0.1);
    const down = pearson(x, x.map((v) => 3 - 2 * v));
    expect(down.r).toBe(-1);
    expect(down.lower).toBe(-1);
    expect(down.upper).toBe(-1);
    expect(down.pValue).toBe(0);
    const y = ANSCOMBE_Y1;
    close(pearson(y, ANSCOMBE_X).r, pearson(ANSCOMBE_X, y).r, 1e-15);
  });

  it('is unchanged by a huge offset (centred sums) and by extreme scales', () => {
    const shifted = pearson(ANSCOMBE_X.map((v) => v + 1e9), ANSCOMBE_Y1.map((v) => v - 1e8));
    close(shifted.r, 0.81642051634484, 1e-9);
    // Squares of 1e200 overflow and of 1e-200 underflow: r must not become NaN or 0.
    close(pearson(ANSCOMBE_X.map((v) => v * 1e200), ANSCOMBE_Y1).r, 0.81642051634484, 1e-12);
    close(pearson(ANSCOMBE_X.map((v) => v * 1e-200), ANSCOMBE_Y1.map((v) => v * 1e300)).r, 0.81642051634484, 1e-12);
    close(spearman(ANSCOMBE_X.map((v) => v * 1e-300), ANSCOMBE_Y1).r, spearman(ANSCOMBE_X, ANSCOMBE_Y1).r, 1e-15);
  });

  it('uses the pairwise-complete observations: NaN, null and undefined are gaps', () => {
    const x: Array<number | null | undefined> = [...ANSCOMBE_X, NaN, 3, null, undefined];
    const y: Array<number | null> = [...ANSCOMBE_Y1, 1, NaN, 2, 5];
    const result = pearson(x, y);
    expect(result.n).toBe(11);
    close(result.r, 0.81642051634484);
    const asFloat64 = pearson(Float64Array.from(x, (v) => v ?? NaN), Float64Array.from(y, (v) => v ?? NaN));
    expect(asFloat64.r).toBe(result.r);
  });

  it('a 90 % interval is narrower than the 95 % one', () => {
    const result = pearson([1, 2, 2, 3, 4, 4, 4, 5, 6, 7], [2, 1, 3, 3, 5, 4, 6, 6, 8, 7], { confidence: 0.9 });
    close(result.r, 0.91305728641498);
    close(result.pValue, 0.000224835218557698, 1e-15);
    close(result.lower, 0.727740946912195);
    close(result.upper, 0.974124940148512);
  });

  it('is near zero with a p-value spread over (0, 1) for independent noise', () => {
    const rng = new Random(7);
    let significant = 0;
    for (let trial = 0; trial < 200; trial++) {
      const x = Array.from({ length: 30 }, () => rng.normal());
      const y = Array.from({ length: 30 }, () => rng.normal());
      if (pearson(x, y).pValue < 0.05) significant++;
    }
    // About 5 % false positives: 10 of 200 expected.
    expect(significant).toBeGreaterThanOrEqual(3);
    expect(significant).toBeLessThanOrEqual(20);
  });
});

describe('Spearman', () => {
  it('matches the textbook example (IQ and hours of TV a week)', () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    const result = spearman(iq, tv);
    close(result.r, -29 / 165, 1e-15);
    close(result.t, -0.504978249175835);
    close(result.pValue, 0.627188344776484);
    // Fisher interval with the Fieller–Hartley–Pearson standard error √(1.06/(n − 3)).
    close(result.lower, -0.735359403066053);
    close(result.upper, 0.52635893369128);
  });

  it('gives ties their average rank', () => {
    expect(Array.from(averageRanks(Float64Array.from([1, 2, 2, 3, 4, 4, 4, 5, 6, 7])))).toEqual([1, 2.5, 2.5, 4, 6, 6, 6, 8, 9, 10]);
    const result = spearman([1, 2, 2, 3, 4, 4, 4, 5, 6, 7], [2, 1, 3, 3, 5, 4, 6, 6, 8, 7]);
    close(result.r, 0.93812095999547);
    close(result.pValue, 5.95022070769685e-5, 1e-15);
    close(result.lower, 0.744031173789017);
    close(result.upper, 0.986205160538004);
  });

  it('is 1 for any monotonic relation, where Pearson is not', () => {
    const x = Array.from({ length: 40 }, (_, i) => i + 1);
    const y = x.map((v) => Math.exp(v / 4));
    expect(spearman(x, y).r).toBe(1);
    expect(pearson(x, y).r).toBeLessThan(0.9);
    expect(correlation(x, y, { method: 'spearman' }).r).toBe(1);
  });
});

describe('cross-correlation', () => {
  function laggedPair(lag: number, length = 300, seed = 1): { x: number[]; y: number[] } {
    const rng = new Random(seed);
    const driver = Array.from({ length: length + lag }, () => rng.normal());
    // y follows x by `lag` steps, plus noise.
    const x = driver.slice(lag);
    const y = driver.slice(0, length).map((v) => v + 0.5 * rng.normal());
    return lag >= 0 ? { x: x.slice(0, length), y } : { x, y };
  }

  it('finds a planted lag, reports every lag and a significant best', () => {
    // x[i] = d[i + 3], y[i] = d[i] + noise: y[i + 3] matches x[i], so x leads y by 3.
    const { x, y } = laggedPair(3);
    const result = crossCorrelation(x, y, { maxLag: 10 });
    expect(result.lags.map((l) => l.lag)).toEqual(Array.from({ length: 21 }, (_, i) => i - 10));
    expect(result.best.lag).toBe(3);
    expect(result.best.r).toBeGreaterThan(0.85);
    expect(result.best.adjustedPValue).toBeLessThan(1e-50);
    for (const l of result.lags) if (l.lag !== 3) expect(Math.abs(l.r!)).toBeLessThan(0.2);
    // Swapping the series mirrors the lag.
    expect(crossCorrelation(y, x, { maxLag: 10 }).best.lag).toBe(-3);
  });

  it('finds a negative correlation at its lag', () => {
    const { x, y } = laggedPair(5, 200, 4);
    const result = crossCorrelation(x, y.map((v) => -v), { maxLag: 8, method: 'spearman' });
    expect(result.best.lag).toBe(5);
    expect(result.best.r).toBeLessThan(-0.8);
    expect(result.method).toBe('spearman');
  });

  it('works across gaps (pairwise-complete at each lag)', () => {
    const { x, y } = laggedPair(2, 400, 9);
    const rng = new Random(11);
    const gx: Array<number | null> = x.map((v) => (rng.next() < 0.2 ? null : v));
    const gy = y.map((v) => (rng.next() < 0.2 ? NaN : v));
    const result = crossCorrelation(gx, gy, { maxLag: 6 });
    expect(result.best.lag).toBe(2);
    const atTwo = result.lags.find((l) => l.lag === 2)!;
    expect(atTwo.n).toBeLessThan(400);
    expect(atTwo.n).toBeGreaterThan(200);
  });

  it('lag 0 equals Pearson and the default maxLag follows R (10 log10 n)', () => {
    const result = crossCorrelation(ANSCOMBE_X, ANSCOMBE_Y1, { maxLag: 0 });
    close(result.lags[0]!.r!, pearson(ANSCOMBE_X, ANSCOMBE_Y1).r, 1e-15);
    expect(result.best.lag).toBe(0);
    const { x, y } = laggedPair(1, 1000);
    expect(crossCorrelation(x, y).maxLag).toBe(30);
  });

  it('differencing removes a shared trend that hides the lag', () => {
    const rng = new Random(5);
    const noise = Array.from({ length: 500 }, () => rng.normal());
    const x = noise.map((v, i) => 0.05 * i + v);
    const y = noise.map((_, i) => 0.05 * i + (i >= 4 ? noise[i - 4]! : 0) + 0.3 * rng.normal());
    const levels = crossCorrelation(x, y, { maxLag: 10 });
    const changes = crossCorrelation(x, y, { maxLag: 10, difference: true });
    expect(changes.best.lag).toBe(4);
    expect(changes.difference).toBe(true);
    // In levels the trend makes every lag strongly correlated.
    for (const l of levels.lags) expect(l.r!).toBeGreaterThan(0.5);
  });

  it('leaves lags with too few pairs without an r', () => {
    const result = crossCorrelation([1, 3, 2, 5, 4, 6, 8, 7], [2, 3, 1, 6, 5, 5, 9, 8], { maxLag: 7 });
    expect(result.minPairs).toBe(4);
    for (const l of result.lags) {
      expect(l.n).toBe(8 - Math.abs(l.lag));
      if (l.n < 4) expect(l.r).toBeNull();
      else expect(l.r).not.toBeNull();
    }
  });

  it('is deterministic', () => {
    const { x, y } = laggedPair(4, 200, 3);
    expect(crossCorrelation(x, y)).toEqual(crossCorrelation(x, y));
  });
});

describe('alignSeries', () => {
  const HOUR = 3_600_000;
  const at = (h: number) => Date.UTC(2026, 0, 1) + h * HOUR;

  it('joins on timestamps, fills the steps either series lacks, and keeps lags in time', () => {
    // a has hours 0–9 except 4; b has hours 2–11 except 4 and 7 (hour 4 is missing from both).
    const a = [0, 1, 2, 3, 5, 6, 7, 8, 9].map((h) => ({ t: at(h), v: h * 10 }));
    const b = [11, 10, 9, 8, 6, 5, 3, 2].map((h) => ({ t: new Date(at(h)).toISOString(), v: h }));
    const aligned = alignSeries(a, b);
    expect(aligned.step).toBe(HOUR);
    expect(Array.from(aligned.t)).toEqual(Array.from({ length: 12 }, (_, h) => at(h)));
    expect(Array.from(aligned.a).map((v) => (Number.isNaN(v) ? null : v))).toEqual([0, 10, 20, 30, null, 50, 60, 70, 80, 90, null, null]);
    expect(Array.from(aligned.b).map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, null, 2, 3, null, 5, 6, null, 8, 9, 10, 11]);
    // Pearson on the aligned pairs: hours 2, 3, 5, 6, 8, 9 (v = 10h against h): exactly 1.
    const r = pearson(aligned.a, aligned.b);
    expect(r.n).toBe(6);
    close(r.r, 1, 1e-15);
  });

  it('keeps the union when the timestamps are irregular, or when asked', () => {
    const a = [
      { t: 0, v: 1 },
      { t: 10, v: 2 },
      { t: 25, v: 3 },
    ];
    const b = [
      { t: 25, v: 6 },
      { t: 0, v: 4 },
      { t: 7, v: null },
    ];
    const aligned = alignSeries(a, b);
    expect(aligned.step).toBeNull();
    expect(Array.from(aligned.t)).toEqual([0, 7, 10, 25]);
    expect(Array.from(aligned.b).map((v) => (Number.isNaN(v) ? null : v))).toEqual([4, null, null, 6]);
    expect(alignSeries([{ t: 0, v: 1 }, { t: 2, v: 1 }], [{ t: 6, v: 1 }], { step: 'none' }).t.length).toBe(3);
    expect(alignSeries([{ t: 0, v: 1 }, { t: 2, v: 1 }], [{ t: 6, v: 1 }], { step: 1 }).t.length).toBe(7);
    // 'auto' does not build a huge, mostly empty axis: it keeps the union instead.
    const sparse = alignSeries([{ t: 0, v: 1 }, { t: 1, v: 2 }], [{ t: 1e9, v: 3 }]);
    expect(sparse.step).toBeNull();
    expect(sparse.t.length).toBe(3);
  });

  it('rejects duplicates, bad timestamps, infinite values and off-grid steps', () => {
    const duplicate = caught(() => alignSeries([{ t: 1, v: 1 }, { t: 1, v: 2 }], [{ t: 1, v: 1 }]));
    expect(duplicate).toBeInstanceOf(CorrelationError);
    expect((duplicate as CorrelationError).reason).toBe('duplicate_timestamp');
    expect(duplicate.path).toBe('/a/1/t');
    expect(caught(() => alignSeries([{ t: 'yesterday', v: 1 }], [{ t: 1, v: 1 }])).path).toBe('/a/0/t');
    expect(caught(() => alignSeries([{ t: 1, v: 1 }], [{ t: 1, v: Infinity }])).code).toBe('not_finite');
    expect(caught(() => alignSeries([], [{ t: 1, v: 1 }])).code).toBe('empty');
    expect(caught(() => alignSeries([{ t: 0, v: 1 }, { t: 3, v: 1 }], [{ t: 1, v: 1 }], { step: 2 })).path).toBe('/options/step');
    expect(caught(() => alignSeries([{ t: 0, v: 1 }], [{ t: 1e9, v: 1 }], { step: 1, maxPoints: 1000 })).path).toBe('/options/step');
  });
});

describe('bad input', () => {
  it('is an AnalysisError with a code and a path, never a NaN', () => {
    expect(caught(() => pearson([], [])).code).toBe('empty');
    expect(caught(() => pearson([1, 2, 3, 4], [1, 2, 3])).code).toBe('length_mismatch');
    const infinite = caught(() => pearson([1, 2, Infinity, 4, 5], [1, 2, 3, 4, 5]));
    expect([infinite.code, infinite.path]).toEqual(['not_finite', '/x/2']);
    expect(caught(() => spearman([1, 2, 3, 4], ['a' as unknown as number, 2, 3, 4])).path).toBe('/y/0');
    expect(caught(() => pearson([1, 2, 3, 4], [1, 2, 3, 4], { confidence: 1 })).path).toBe('/options/confidence');
    expect(caught(() => correlation([1, 2, 3, 4], [1, 2, 3, 4], { method: 'kendall' as 'pearson' })).path).toBe('/options/method');
  });

  it('too few complete pairs and constant series have their own reasons', () => {
    const few = caught(() => pearson([1, 2, NaN, 4, 5], [1, NaN, 3, 4, null]));
    expect(few).toBeInstanceOf(CorrelationError);
    expect((few as CorrelationError).reason).toBe('too_few_pairs');
    const constant = caught(() => pearson([1, 2, 3, 4, 5], [0.1, 0.1, 0.1, 0.1, 0.1]));
    expect((constant as CorrelationError).reason).toBe('constant_series');
    expect(constant.path).toBe('/y');
    // Constant over the complete pairs only also counts.
    expect((caught(() => spearman([1, 1, 1, 1, 9], [1, 2, 3, 4, NaN])) as CorrelationError).reason).toBe('constant_series');
    expect((caught(() => crossCorrelation([1, 1, 1, 1, 1, 1], [1, 2, 3, 4, 5, 6])) as CorrelationError).reason).toBe('constant_series');
    expect((caught(() => crossCorrelation([1, 2, 3], [1, 2, 3])) as CorrelationError).reason).toBe('too_few_pairs');
  });

  it('rejects bad cross-correlation options', () => {
    const x = [1, 3, 2, 5, 4, 6, 8, 7];
    expect(caught(() => crossCorrelation(x, x, { maxLag: 8 })).path).toBe('/options/maxLag');
    expect(caught(() => crossCorrelation(x, x, { maxLag: 1.5 })).path).toBe('/options/maxLag');
    expect(caught(() => crossCorrelation(x, x, { minPairs: 2 })).path).toBe('/options/minPairs');
    expect(caught(() => crossCorrelation(x, x, { method: 'kendall' as 'pearson' })).path).toBe('/options/method');
  });
});
