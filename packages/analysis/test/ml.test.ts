import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../src/errors.js';
import {
  classificationMetrics,
  crossValidate,
  loadModel,
  regressionMetrics,
  trainEnsemble,
  trainGradientBoosting,
  trainRandomForest,
  trainRidge,
  type Cell,
  type Model,
  type Table,
} from '../src/ml/index.js';
import { Random } from '../src/random.js';

const numericTable = (rows: number[][]): Table => ({
  columns: rows[0]!.map((_, j) => ({ name: `x${j}`, kind: 'numeric' as const })),
  rows,
});

function synthetic(n: number, seed: number, f: (x: number[], r: Random) => number, width = 3) {
  const r = new Random(seed);
  const rows = Array.from({ length: n }, () => Array.from({ length: width }, () => r.next() * 4 - 2));
  return { table: numericTable(rows), target: rows.map((x) => f(x, r)) };
}

const split = (t: Table, y: number[], at: number) => ({
  train: { table: { columns: t.columns, rows: t.rows.slice(0, at) }, target: y.slice(0, at) },
  test: { table: { columns: t.columns, rows: t.rows.slice(at) }, target: y.slice(at) },
});

describe('ridge and boosting on a linear target', () => {
  const { table, target } = synthetic(400, 1, (x) => 3 * x[0]! - 2 * x[1]! + 0.5 * x[2]! + 7);
  const { train, test } = split(table, target, 300);

  it('ridge fits it with R² > 0.999', () => {
    const model = trainRidge(train.table, train.target);
    expect(regressionMetrics(test.target, model.predict(test.table)).r2).toBeGreaterThan(0.999);
    const ols = trainRidge(train.table, train.target, { lambda: 0 });
    expect(regressionMetrics(test.target, ols.predict(test.table)).r2).toBeGreaterThan(0.9999);
  });

  it('boosted trees fit it reasonably', () => {
    const model = trainGradientBoosting(train.table, train.target);
    expect(regressionMetrics(test.target, model.predict(test.table)).r2).toBeGreaterThan(0.97);
  });
});

describe('a nonlinear target', () => {
  it('trees beat ridge', () => {
    const { table, target } = synthetic(500, 2, (x, r) => 4 * Math.sin(2 * x[0]!) + (x[1]! > 0 ? 3 : -3) * x[2]! ** 2 + 0.1 * r.normal());
    const { train, test } = split(table, target, 400);
    const ridge = regressionMetrics(test.target, trainRidge(train.table, train.target).predict(test.table));
    const gbt = regressionMetrics(test.target, trainGradientBoosting(train.table, train.target).predict(test.table));
    const forest = regressionMetrics(test.target, trainRandomForest(train.table, train.target, { trees: 50 }).predict(test.table));
    expect(gbt.rmse).toBeLessThan(ridge.rmse / 2);
    expect(forest.rmse).toBeLessThan(ridge.rmse / 2);
    expect(gbt.r2).toBeGreaterThan(0.9);
  });
});

describe('binary classification', () => {
  it('separates a separable set', () => {
    const { table, target } = synthetic(300, 3, (x) => (x[0]! + x[1]! > 0 ? 1 : 0), 2);
    const { train, test } = split(table, target, 200);
    for (const model of [
      trainGradientBoosting(train.table, train.target, { task: 'classification' }),
      trainRandomForest(train.table, train.target, { task: 'classification', trees: 30 }),
      trainRidge(train.table, train.target, { task: 'classification' }),
    ]) {
      const p = model.predict(test.table);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      const m = classificationMetrics(test.target, p);
      expect(m.accuracy).toBeGreaterThan(0.9);
      expect(m.auc).toBeGreaterThan(0.97);
    }
  });

  it('rejects a target that is not 0/1', () => {
    expect(() => trainGradientBoosting(numericTable([[1], [2]]), [0, 2], { task: 'classification' })).toThrow(AnalysisError);
  });
});

describe('categorical features and missing values', () => {
  const r = new Random(4);
  const labels = ['red', 'green', 'blue', 'grey'];
  const effect: Record<string, number> = { red: 5, green: -5, blue: 2, grey: 0 };
  const rows: Cell[][] = [];
  const target: number[] = [];
  for (let i = 0; i < 600; i++) {
    const colour = labels[r.int(labels.length)]!;
    const x = r.next() * 2;
    const missing = r.next() < 0.2;
    // Missing x behaves like a large x: the trees must learn to send missing values right.
    target.push(effect[colour]! + (missing ? 6 : 3 * x) + 0.1 * r.normal());
    rows.push([r.next() < 0.05 ? null : colour, missing ? null : x]);
  }
  const table: Table = { columns: [{ name: 'colour', kind: 'categorical' }, { name: 'x', kind: 'numeric' }], rows };
  const { train, test } = split(table, target, 480);

  it('trees use categories and learn where missing values go', () => {
    const model = trainGradientBoosting(train.table, train.target);
    const m = regressionMetrics(test.target, model.predict(test.table));
    expect(m.r2).toBeGreaterThan(0.9);
    expect(model.predictRow(['red', null])).toBeCloseTo(11, 0);
    expect(model.predictRow(['green', 0.1])).toBeCloseTo(-4.7, 0);
    // An unseen category is treated as missing: a finite answer, not a crash.
    expect(Number.isFinite(model.predictRow(['purple', 1]))).toBe(true);
  });

  it('ridge one-hot encodes and imputes', () => {
    const model = trainRidge(train.table, train.target);
    expect(regressionMetrics(test.target, model.predict(test.table)).r2).toBeGreaterThan(0.8);
    expect(Number.isFinite(model.predictRow([null, null]))).toBe(true);
  });

  it('the ensemble stacks and is no worse than its best member by much', () => {
    const ensemble = trainEnsemble(train.table, train.target, { members: [{ kind: 'gradient_boosting' }, { kind: 'random_forest', options: { trees: 30 } }, { kind: 'ridge' }] });
    expect(ensemble.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(ensemble.weights.every((w) => w >= 0)).toBe(true);
    const e = regressionMetrics(test.target, ensemble.predict(test.table));
    const best = Math.min(...ensemble.members.map((m) => regressionMetrics(test.target, m.predict(test.table)).rmse));
    expect(e.rmse).toBeLessThan(best * 1.1);
  });
});

describe('serialisation and determinism', () => {
  const { table, target } = synthetic(200, 5, (x, r) => x[0]! * x[1]! + Math.abs(x[2]!) + 0.1 * r.normal());
  const withCategory: Table = { columns: [...table.columns, { name: 'c', kind: 'categorical' }], rows: table.rows.map((row, i) => [...row, i % 7 === 0 ? null : `k${i % 3}`]) };
  const models: [string, () => Model][] = [
    ['gradient boosting', () => trainGradientBoosting(withCategory, target, { seed: 9 })],
    ['random forest', () => trainRandomForest(withCategory, target, { seed: 9, trees: 20 })],
    ['ridge', () => trainRidge(withCategory, target)],
    ['ensemble', () => trainEnsemble(withCategory, target, { seed: 9, members: [{ kind: 'gradient_boosting', options: { maxRounds: 50 } }, { kind: 'random_forest', options: { trees: 10 } }, { kind: 'ridge' }] })],
    ['averaging ensemble', () => trainEnsemble(withCategory, target, { method: 'average', members: [{ kind: 'ridge' }, { kind: 'random_forest', options: { trees: 5 } }] })],
  ];
  for (const [name, train] of models) {
    it(`${name}: JSON round trip predicts identically; same seed, same model`, () => {
      const model = train();
      const loaded = loadModel(JSON.parse(JSON.stringify(model.toJSON())));
      expect(Array.from(loaded.predict(withCategory))).toEqual(Array.from(model.predict(withCategory)));
      expect(loaded.predictRow([1, 0, -1, 'k2'])).toBe(model.predictRow([1, 0, -1, 'k2']));
      expect(JSON.stringify(train().toJSON())).toBe(JSON.stringify(model.toJSON()));
      // The single-row path agrees with the batch path.
      const batch = model.predict(withCategory);
      withCategory.rows.slice(0, 20).forEach((row, i) => expect(model.predictRow(row)).toBeCloseTo(batch[i]!, 10));
    });
  }

  it('numeric-only trees agree row by row and in batch, with and without missing values', () => {
    const rows = table.rows.map((row, i) => (i % 5 === 0 ? [row[0]!, null, row[2]!] : row));
    const holed: Table = { columns: table.columns, rows };
    for (const model of [trainGradientBoosting(holed, target, { maxRounds: 40 }), trainRandomForest(holed, target, { trees: 10 })]) {
      const batch = model.predict(holed);
      rows.forEach((row, i) => expect(model.predictRow(row)).toBeCloseTo(batch[i]!, 10));
    }
  });

  it('a different seed gives a different forest', () => {
    const a = trainRandomForest(table, target, { seed: 1, trees: 5 });
    const b = trainRandomForest(table, target, { seed: 2, trees: 5 });
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(b.toJSON()));
  });

  it('rejects a malformed model', () => {
    expect(() => loadModel({ kind: 'nope' })).toThrow(AnalysisError);
    expect(() => loadModel({ kind: 'ridge', version: 1, task: 'regression' })).toThrow(AnalysisError);
    const json = trainGradientBoosting(table, target, { maxRounds: 3 }).toJSON();
    expect(() => loadModel({ ...json, trees: [{ ...json.trees[0]!, feature: [99] }] })).toThrow(AnalysisError);
  });
});

describe('cross-validation and metrics', () => {
  it('k-fold gives out-of-fold predictions for every row', () => {
    const { table, target } = synthetic(120, 6, (x) => 2 * x[0]! + 1);
    const cv = crossValidate((t, y) => trainRidge(t, y), table, target, { folds: 4, seed: 3 });
    expect(cv.folds).toHaveLength(4);
    expect(cv.outOfFold.every(Number.isFinite)).toBe(true);
    expect((cv.overall as { r2: number }).r2).toBeGreaterThan(0.999);
  });

  it('computes the regression metrics', () => {
    const m = regressionMetrics([10, 20, 30, 40], [11, 20, 27, 40]);
    expect(m.rmse).toBeCloseTo(Math.sqrt(10 / 4), 12);
    expect(m.mae).toBeCloseTo(1, 12);
    expect(m.mape).toBeCloseTo((100 * (0.1 + 0 + 0.1 + 0)) / 4, 12);
    expect(m.within10).toBe(1);
    expect(m.r2).toBeCloseTo(1 - 10 / 500, 12);
  });

  it('computes the classification metrics', () => {
    const m = classificationMetrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]);
    expect(m.accuracy).toBe(0.5);
    expect(m.auc).toBeCloseTo(0.75, 12);
    expect(m.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.9)) / 4, 12);
  });
});

describe('invalid input is an AnalysisError with a path', () => {
  const good = numericTable([[1, 2], [3, 4], [5, 6]]);
  const cases: [string, () => unknown, string][] = [
    ['empty rows', () => trainRidge({ columns: good.columns, rows: [] }, []), '/table/rows'],
    ['no columns', () => trainGradientBoosting({ columns: [], rows: [[]] }, [1]), '/table/columns'],
    ['NaN target', () => trainGradientBoosting(good, [1, NaN, 3]), '/target/1'],
    ['infinite feature', () => trainRandomForest(numericTable([[1], [Infinity]]), [1, 2]), '/table/rows/1/0'],
    ['ragged rows', () => trainRidge({ columns: good.columns, rows: [[1, 2], [3], [5, 6]] }, [1, 2, 3]), '/table/rows/1'],
    ['mismatched lengths', () => trainEnsemble(good, [1, 2]), '/target'],
    ['string in a numeric column', () => trainRidge(numericTable([[1], ['a' as unknown as number]]), [1, 2]), '/table/rows/1/0'],
    ['bad option', () => trainGradientBoosting(good, [1, 2, 3], { learningRate: 0 }), '/options/learningRate'],
    ['bad lambda', () => trainRidge(good, [1, 2, 3], { lambda: -1 }), '/options/lambda'],
    ['prediction on other columns', () => trainRidge(good, [1, 2, 3]).predict(numericTable([[1]])), '/table/columns'],
    ['metrics on NaN', () => regressionMetrics([1, 2], [1, NaN]), '/predicted/1'],
  ];
  for (const [name, run, path] of cases) {
    it(name, () => {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AnalysisError);
      expect((error as AnalysisError).path).toBe(path);
    });
  }
});
