import { describe, expect, it } from 'vitest';
import { averagePathLength, IsolationForest, type IsolationForestJson } from '../src/anomaly/index.js';
import { AnalysisError } from '../src/errors.js';
import { Random } from '../src/random.js';

/** 500 rows of three correlated N(0, 1) metrics, then 5 planted outliers. */
function data(seed: number): number[][] {
  const random = new Random(seed);
  const rows: number[][] = [];
  for (let i = 0; i < 500; i++) {
    const a = random.normal();
    rows.push([a, a + 0.3 * random.normal(), random.normal()]);
  }
  rows.push([7, 7, 0], [-7, -7, 0], [0, 0, 8], [6, -6, 0], [6, 6, -6]);
  return rows;
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AnalysisError);
    return (error as AnalysisError).code;
  }
  return undefined;
}

describe('IsolationForest', () => {
  it('normalises path lengths with c(n)', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
  });

  it('separates planted outliers from normal rows', () => {
    const rows = data(1);
    const forest = IsolationForest.fit(rows, { seed: 42 });
    const scores = forest.scoreAll(rows);
    const normal = scores.slice(0, 500);
    const outliers = scores.slice(500);
    // Every planted outlier scores above 99 % of the normal rows (a normal sample has its own tail).
    const p99 = normal.slice().sort((a, b) => a - b)[Math.floor(0.99 * normal.length)]!;
    expect(Math.min(...outliers)).toBeGreaterThan(p99);
    expect(Math.min(...outliers)).toBeGreaterThan(0.6);
    expect(normal.reduce((a, b) => a + b, 0) / normal.length).toBeLessThan(0.5);
    expect(scores.every((s) => s > 0 && s < 1)).toBe(true);
    expect(forest.isAnomaly([8, -8, 2])).toBe(true);
    expect(forest.isAnomaly([0, 0, 0])).toBe(false);
  });

  it('round-trips through JSON with identical scores', () => {
    const rows = data(2);
    const forest = IsolationForest.fit(rows, { seed: 7, trees: 50 });
    const loaded = IsolationForest.fromJSON(JSON.parse(JSON.stringify(forest)) as IsolationForestJson);
    expect(loaded.scoreAll(rows)).toEqual(forest.scoreAll(rows));
    expect(loaded.threshold).toBe(forest.threshold);
  });

  it('is deterministic under a seed', () => {
    const rows = data(3);
    const a = IsolationForest.fit(rows, { seed: 5 }).scoreAll(rows);
    const b = IsolationForest.fit(rows, { seed: 5 }).scoreAll(rows);
    const c = IsolationForest.fit(rows, { seed: 6 }).scoreAll(rows);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('handles identical rows and tiny samples', () => {
    const forest = IsolationForest.fit([[1, 1], [1, 1], [1, 1]], { seed: 1 });
    expect(Number.isFinite(forest.score([1, 1]))).toBe(true);
    expect(forest.score([1, 1])).toBeGreaterThan(0);
  });

  it('rejects invalid input and invalid models with an AnalysisError', () => {
    expect(codeOf(() => IsolationForest.fit([]))).toBe('empty');
    expect(codeOf(() => IsolationForest.fit([[1, 2], [3]]))).toBe('length_mismatch');
    expect(codeOf(() => IsolationForest.fit([[1, Number.NaN]]))).toBe('not_finite');
    expect(codeOf(() => IsolationForest.fit([[1, 2]], { trees: 0 }))).toBe('invalid_option');
    expect(codeOf(() => IsolationForest.fit([[1, 2]], { sampleSize: 1 }))).toBe('invalid_option');
    const forest = IsolationForest.fit(data(4), { trees: 5 });
    expect(codeOf(() => forest.score([1, 2]))).toBe('length_mismatch');
    expect(codeOf(() => forest.score([1, 2, Number.POSITIVE_INFINITY]))).toBe('not_finite');
    expect(codeOf(() => IsolationForest.fromJSON({} as IsolationForestJson))).toBe('invalid_model');
    const broken = JSON.parse(JSON.stringify(forest)) as { trees: { left: number[] }[] };
    broken.trees[0]!.left[0] = 0;
    expect(codeOf(() => IsolationForest.fromJSON(broken as unknown as IsolationForestJson))).toBe('invalid_model');
  });
});
