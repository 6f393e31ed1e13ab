/**
 * k-fold cross-validation: rows are shuffled (seeded) and dealt into k folds — by class for
 * classification, so each fold keeps the class balance; each fold is predicted by a model trained
 * on the others. Returns the out-of-fold predictions (also what stacking learns from) and the
 * metrics per fold and overall.
 */
import { AnalysisError } from '../errors.js';
import { Random } from '../random.js';
import { checkInteger } from '../validate.js';
import { classificationMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from './metrics.js';
import type { Model } from './model.js';
import { checkTable, checkTarget, subsetTable, subsetTarget, type Table, type Task } from './table.js';

export type Trainer = (table: Table, target: readonly number[]) => Model;

export interface CrossValidationResult {
  readonly outOfFold: Float64Array;
  readonly folds: readonly (RegressionMetrics | ClassificationMetrics)[];
  readonly overall: RegressionMetrics | ClassificationMetrics;
}

/** Fold number of every row. */
export function foldAssignment(target: readonly number[], folds: number, task: Task, seed: number): Int32Array {
  const n = target.length;
  const random = new Random(seed);
  const out = new Int32Array(n);
  const groups = task === 'classification' ? [0, 1].map((c) => target.flatMap((y, i) => (y === c ? [i] : []))) : [Array.from({ length: n }, (_, i) => i)];
  let next = 0;
  for (const group of groups) for (const i of random.shuffle(group)) out[i] = next++ % folds;
  return out;
}

export function crossValidate(train: Trainer, table: Table, target: readonly number[], options: { folds?: number; seed?: number; task?: Task } = {}): CrossValidationResult {
  const folds = options.folds ?? 5;
  const task = options.task ?? 'regression';
  checkInteger(folds, '/options/folds', 2, 1000);
  checkTable(table);
  checkTarget(target, table.rows.length, task);
  if (table.rows.length < folds) throw new AnalysisError('too_short', '/table/rows', `has ${table.rows.length} rows for ${folds} folds`);
  const assignment = foldAssignment(target, folds, task, options.seed ?? 1);
  const outOfFold = outOfFoldPredictions(train, table, target, assignment, folds);
  const score = (y: number[], f: number[]) => (task === 'regression' ? regressionMetrics(y, f) : classificationMetrics(y, f));
  const perFold = Array.from({ length: folds }, (_, k) => {
    const idx = target.flatMap((_, i) => (assignment[i] === k ? [i] : []));
    return score(subsetTarget(target, idx), idx.map((i) => outOfFold[i]!));
  });
  return { outOfFold, folds: perFold, overall: score(Array.from(target), Array.from(outOfFold)) };
}

export function outOfFoldPredictions(train: Trainer, table: Table, target: readonly number[], assignment: Int32Array, folds: number): Float64Array {
  const out = new Float64Array(target.length);
  for (let k = 0; k < folds; k++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < target.length; i++) (assignment[i] === k ? testIdx : trainIdx).push(i);
    if (testIdx.length === 0 || trainIdx.length === 0) continue;
    const model = train(subsetTable(table, trainIdx), subsetTarget(target, trainIdx));
    const predicted = model.predict(subsetTable(table, testIdx));
    testIdx.forEach((i, q) => (out[i] = predicted[q]!));
  }
  return out;
}
