// The shared numeric helpers against reference values: NIST-style descriptive examples, the normal
// and t tables (computed to 30 digits with mpmath), log Γ and the incomplete beta function.
import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../src/errors.js';
import {
  logGamma,
  mad,
  mean,
  median,
  normalCdf,
  normalPdf,
  normalQuantile,
  quantile,
  quantiles,
  regularizedIncompleteBeta,
  robustSigma,
  standardDeviation,
  tCdf,
  tPdf,
  tQuantile,
  tTwoSidedPValue,
  variance,
} from '../src/stats/index.js';

const close = (actual: number, expected: number, relative = 1e-12) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

function expectAnalysisError(fn: () => unknown, code: string, path?: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AnalysisError);
    expect((error as AnalysisError).code).toBe(code);
    if (path !== undefined) expect((error as AnalysisError).path).toBe(path);
    return;
  }
  throw new Error('expected an AnalysisError');
}

describe('descriptive statistics', () => {
  it('mean, variance and standard deviation', () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).toBe(5);
    expect(variance(x, 0)).toBe(4);
    close(variance(x), 32 / 7);
    expect(standardDeviation(x, 0)).toBe(2);
    expect(mean(Float64Array.from(x))).toBe(5);
  });

  it('keeps precision with a large offset (NIST NumAcc4-style data)', () => {
    // 1e9 + 0.2, 1e9 + 0.1, 1e9 + 0.3 repeated: sample variance exactly 0.01 (within rounding).
    const x: number[] = [1e9 + 0.2];
    for (let i = 0; i < 500; i++) x.push(1e9 + 0.1, 1e9 + 0.3);
    close(variance(x), 0.01, 1e-6);
  });

  it('quantiles interpolate between order statistics (type 7, as R and NumPy)', () => {
    const x = [7, 1, 3, 5, 9]; // sorted 1 3 5 7 9
    expect(quantile(x, 0)).toBe(1);
    expect(quantile(x, 1)).toBe(9);
    expect(quantile(x, 0.25)).toBe(3);
    expect(quantile(x, 0.1)).toBeCloseTo(1.8, 12);
    expect(quantiles(x, [0.5, 0.9])).toEqual([5, 8.2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(x).toEqual([7, 1, 3, 5, 9]); // input untouched
  });

  it('MAD ignores outliers', () => {
    const x = [1, 2, 3, 4, 5, 6, 1000];
    expect(median(x)).toBe(4);
    expect(mad(x)).toBe(2);
    close(robustSigma(x), 2 * 1.482602218505602);
    expect(mad([1, 2, 3], 0)).toBe(2);
  });

  it('bad input is an AnalysisError', () => {
    expectAnalysisError(() => mean([]), 'empty', '/values');
    expectAnalysisError(() => mean([1, NaN]), 'not_finite', '/values/1');
    expectAnalysisError(() => variance([1, Infinity]), 'not_finite', '/values/1');
    expectAnalysisError(() => variance([1]), 'too_short');
    expectAnalysisError(() => variance([1, 2, 3], 0.5), 'invalid_option', '/ddof');
    expectAnalysisError(() => quantile([1, 2], 1.5), 'invalid_option', '/p');
    expectAnalysisError(() => median([], '/series'), 'empty', '/series');
    expectAnalysisError(() => mad([1], NaN), 'invalid_option');
  });
});

describe('the normal distribution', () => {
  it('CDF matches erfc to double precision, tails included', () => {
    // 0.5·erfc(−x/√2) from Python's math.erfc.
    const table: Array<[number, number]> = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [1.96, 0.9750021048517795],
      [-1, 0.15865525393145707],
      [-3, 0.0013498980316300957],
      [-5, 2.866515718791946e-7],
      [-8, 6.220960574271819e-16],
      [-10, 7.619853024160593e-24],
      [-20, 2.7536241186063314e-89],
    ];
    for (const [x, p] of table) close(normalCdf(x), p, x < -5 ? 1e-12 * p : 1e-14);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    close(normalCdf(110, 100, 5), 0.9772498680518208);
  });

  it('quantiles match the table (AS241)', () => {
    close(normalQuantile(0.975), 1.959963984540054);
    close(normalQuantile(0.995), 2.5758293035489004);
    close(normalQuantile(0.9), 1.2815515655446004);
    close(normalQuantile(0.025), -1.959963984540054);
    close(normalQuantile(1e-10), -6.361340902404056);
    close(normalQuantile(0.5, 3, 2), 3);
    expect(normalQuantile(0)).toBe(-Infinity);
    for (const p of [1e-12, 0.001, 0.3, 0.7, 0.999999]) close(normalCdf(normalQuantile(p)), p, 1e-9 * p);
  });

  it('density', () => {
    close(normalPdf(0), 0.3989422804014327);
    close(normalPdf(1, 1, 2), 0.19947114020071635);
  });

  it('bad parameters are an AnalysisError', () => {
    expectAnalysisError(() => normalQuantile(1.5), 'invalid_option', '/p');
    expectAnalysisError(() => normalCdf(NaN), 'invalid_option', '/x');
    expectAnalysisError(() => normalCdf(0, 0, 0), 'invalid_option', '/sigma');
  });
});

describe("Student's t distribution", () => {
  it('quantiles match the t table', () => {
    // Reference values: mpmath, 30 digits (findroot on the incomplete-beta CDF).
    const table: Array<[number, number, number]> = [
      [0.975, 10, 2.2281388519862744],
      [0.995, 30, 2.749995653567225],
      [0.95, 1, 6.313751514675038],
      [0.975, 2, 4.302652729749464],
      [0.975, 3, 3.182446305283708],
      [0.9995, 4, 8.610301581379522],
      [0.975, 2.5, 3.5746548420036817],
      [0.999999, 3, 103.29946777942897],
      [0.975, 1000, 1.962339080826408],
      [0.6, 7, 0.2631668613520228],
    ];
    for (const [p, df, t] of table) {
      close(tQuantile(p, df), t, 1e-11);
      close(tQuantile(1 - p, df), -t, 1e-9); // 1 − p rounds, hence the looser tolerance
    }
    expect(tQuantile(0.5, 9)).toBe(0);
    // Far tails, solved on a log scale (mpmath, 60 digits).
    close(tQuantile(1e-20, 3), -4795275.720468973, 1e-12);
    close(tQuantile(1e-100, 10), -25645257189.48198, 1e-12);
    close(tQuantile(1e-300, 100), -9682.734287069563, 1e-12);
    close(tQuantile(1e-20, 1000), -9.467044815255925, 1e-12);
    close(tQuantile(0.001, 1e5), -3.0903138094272378, 1e-11);
    close(tQuantile(1e-10, 1), -1 / Math.tan(Math.PI * 1e-10), 1e-12);
    // Beyond the largest double (df = 0.5: the quantile of 1e-300 is about 1e600).
    expect(tQuantile(1e-300, 0.5)).toBe(-Infinity);
    close(tQuantile(0.975, Infinity), 1.959963984540054);
  });

  it('CDF, density and two-sided p-values', () => {
    close(tCdf(2, 5), 0.9490302605850708);
    close(tCdf(-3.5, 12), 0.0021909347158740747, 1e-12 * 0.0022);
    close(tCdf(0.3, 2.5), 0.6063288142524014);
    close(tCdf(12, 40), 0.9999999999999961);
    close(tTwoSidedPValue(-3.5, 12), 2 * 0.0021909347158740747, 1e-12 * 0.0044);
    expect(tTwoSidedPValue(0, 5)).toBe(1);
    expect(tTwoSidedPValue(Infinity, 5)).toBe(0);
    // Cauchy (df = 1): density 1/(π(1 + t²)).
    close(tPdf(1, 1), 1 / (2 * Math.PI));
    // Tiny p-values keep their precision (no 1 − x cancellation), also where t² < df.
    close(tTwoSidedPValue(40, 30), 1.3726045194406403e-27, 1e-12 * 1.4e-27);
    close(tTwoSidedPValue(8, 100), 2.2728648077280807e-12, 1e-12 * 2.3e-12);
    close(tCdf(-23.6, 1000), 1.52941679722712e-98, 1e-12 * 1.5e-98);
    // And a tiny t with many degrees of freedom (x²/(df + x²) computed directly, not as 1 − …).
    close(1 - tCdf(0.00025, 1e7), 0.49990026443343194, 1e-13);
  });

  it('bad parameters are an AnalysisError', () => {
    expectAnalysisError(() => tQuantile(0.9, 0), 'invalid_option', '/df');
    expectAnalysisError(() => tQuantile(-0.1, 3), 'invalid_option', '/p');
    expectAnalysisError(() => tCdf(NaN, 3), 'invalid_option', '/t');
  });
});

describe('special functions', () => {
  it('log Γ matches math.lgamma', () => {
    close(logGamma(0.1), 2.2527126517342055);
    close(logGamma(0.5), 0.5723649429247004); // ln √π
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15);
    close(logGamma(2.5), 0.2846828704729196);
    close(logGamma(10), Math.log(362880));
    close(logGamma(100), 359.1342053695754);
    expectAnalysisError(() => logGamma(0), 'invalid_option', '/x');
  });

  it('the regularized incomplete beta function matches mpmath', () => {
    close(regularizedIncompleteBeta(0.3, 2.5, 3.5), 0.2967529892956664);
    close(regularizedIncompleteBeta(0.01, 0.5, 10), 0.3420718248432155);
    close(regularizedIncompleteBeta(0.45, 50, 60), 0.4642352914306036, 1e-10);
    // I_x(1, 1) = x; I_x(a, 1) = x^a.
    close(regularizedIncompleteBeta(0.37, 1, 1), 0.37);
    close(regularizedIncompleteBeta(0.6, 3, 1), 0.216);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expectAnalysisError(() => regularizedIncompleteBeta(1.1, 2, 3), 'invalid_option', '/x');
    expectAnalysisError(() => regularizedIncompleteBeta(0.5, -1, 3), 'invalid_option', '/a');
  });
});
