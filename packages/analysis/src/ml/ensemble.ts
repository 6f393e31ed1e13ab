/**
 * An ensemble of the other models. 'average' weights members equally (or as given); 'stacking'
 * learns the weights from out-of-fold predictions — each member is cross-validated on the training
 * rows, and the weights are the convex combination (non-negative, summing to 1) that minimises the
 * squared error of those predictions, so a weak member gets a small weight instead of dragging the
 * mean down. The members are then trained on all rows.
 */
import { AnalysisError } from '../errors.js';
import { foldAssignment, outOfFoldPredictions } from './cross-validation.js';
import { GradientBoostingModel, trainGradientBoosting, type GradientBoostingOptions } from './gradient-boosting.js';
import { checkModelJSON, checkTask, intOption, type Model } from './model.js';
import { RandomForestModel, trainRandomForest, type RandomForestOptions } from './random-forest.js';
import { RidgeModel, trainRidge, type RidgeOptions } from './ridge.js';
import { checkTable, checkTarget, type Cell, type Table, type Task } from './table.js';

export type MemberSpec =
  | { readonly kind: 'gradient_boosting'; readonly options?: GradientBoostingOptions }
  | { readonly kind: 'random_forest'; readonly options?: RandomForestOptions }
  | { readonly kind: 'ridge'; readonly options?: RidgeOptions };

export type MemberModel = GradientBoostingModel | RandomForestModel | RidgeModel;

export interface EnsembleOptions {
  task?: Task;
  /** Default: gradient boosting, random forest and ridge, with their defaults. */
  members?: readonly MemberSpec[];
  /** Default 'stacking'. */
  method?: 'average' | 'stacking';
  /** For 'average': the members' weights (normalised to sum 1). Default equal. */
  weights?: readonly number[];
  /** Folds for the out-of-fold predictions of 'stacking'. Default 3: the weights of a few members need little data, and each fold costs a full training of every member. */
  folds?: number;
  seed?: number;
}

export const DEFAULT_MEMBERS: readonly MemberSpec[] = [{ kind: 'gradient_boosting' }, { kind: 'random_forest' }, { kind: 'ridge' }];

export interface EnsembleJSON {
  readonly kind: 'ensemble';
  readonly version: 1;
  readonly task: Task;
  readonly method: 'average' | 'stacking';
  readonly weights: readonly number[];
  readonly members: readonly unknown[];
}

export class EnsembleModel implements Model {
  readonly kind = 'ensemble' as const;

  constructor(
    readonly task: Task,
    readonly method: 'average' | 'stacking',
    readonly members: readonly MemberModel[],
    readonly weights: readonly number[],
  ) {
    const width = members[0]!.encoder.width;
    if (!members.every((m) => m.encoder.width === width && JSON.stringify(m.encoder.toJSON()) === JSON.stringify(members[0]!.encoder.toJSON()))) {
      throw new AnalysisError('invalid_model', '/model/members', 'were not trained on the same columns');
    }
    this.scratch = new Float64Array(width);
  }

  private readonly scratch: Float64Array;

  static fromJSON(json: unknown): EnsembleModel {
    const o = checkModelJSON(json, 'ensemble') as unknown as EnsembleJSON;
    if (!Array.isArray(o.members) || !Array.isArray(o.weights) || o.members.length === 0 || o.members.length !== o.weights.length || !o.weights.every(Number.isFinite)) {
      throw new AnalysisError('invalid_model', '/model/members', 'do not match the weights');
    }
    const members = o.members.map((m): MemberModel => {
      const kind = (m as { kind?: unknown } | null)?.kind;
      if (kind === 'gradient_boosting') return GradientBoostingModel.fromJSON(m);
      if (kind === 'random_forest') return RandomForestModel.fromJSON(m);
      if (kind === 'ridge') return RidgeModel.fromJSON(m);
      throw new AnalysisError('invalid_model', '/model/members', 'holds an unknown model kind');
    });
    return new EnsembleModel(o.task, o.method === 'average' ? 'average' : 'stacking', members, o.weights.slice());
  }

  toJSON(): EnsembleJSON {
    return { kind: this.kind, version: 1, task: this.task, method: this.method, weights: this.weights.slice(), members: this.members.map((m) => m.toJSON()) };
  }

  predict(table: Table): Float64Array {
    const out = new Float64Array(table.rows.length);
    this.members.forEach((m, k) => {
      if (this.weights[k] === 0) return;
      const p = m.predict(table);
      for (let i = 0; i < out.length; i++) out[i] += this.weights[k]! * p[i]!;
    });
    return out;
  }

  predictRow(row: readonly Cell[]): number {
    // Members are trained on the same table, so they share one encoding: encode the row once.
    const x = this.members[0]!.encoder.encodeRow(row, this.scratch);
    let s = 0;
    for (let k = 0; k < this.members.length; k++) if (this.weights[k] !== 0) s += this.weights[k]! * this.members[k]!.predictEncoded(x);
    return s;
  }
}

export function trainEnsemble(table: Table, target: readonly number[], options: EnsembleOptions = {}): EnsembleModel {
  if (options === null || typeof options !== 'object') throw new AnalysisError('invalid_option', '/options', 'must be an object');
  const task = options.task === undefined ? 'regression' : checkTask(options.task);
  const method = options.method ?? 'stacking';
  if (method !== 'average' && method !== 'stacking') throw new AnalysisError('invalid_option', '/options/method', "must be 'average' or 'stacking'");
  const specs = options.members ?? DEFAULT_MEMBERS;
  if (!Array.isArray(specs) || specs.length === 0) throw new AnalysisError('empty', '/options/members', 'is empty');
  const folds = intOption(options.folds, 3, '/options/folds', 2, 100);
  const seed = intOption(options.seed, 1, '/options/seed', 0, 2 ** 32 - 1);
  checkTable(table);
  checkTarget(target, table.rows.length, task);
  const trainers = specs.map((spec, k) => memberTrainer(spec, task, seed, `/options/members/${k}`));

  let weights: number[];
  if (method === 'average') {
    const given = options.weights ?? specs.map(() => 1);
    if (!Array.isArray(given) || given.length !== specs.length) throw new AnalysisError('length_mismatch', '/options/weights', `must have one weight per member (${specs.length})`);
    given.forEach((w, k) => {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new AnalysisError('invalid_option', `/options/weights/${k}`, 'must be a number ≥ 0');
    });
    const total = given.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new AnalysisError('invalid_option', '/options/weights', 'must not all be 0');
    weights = given.map((w) => w / total);
  } else if (table.rows.length < 2 * folds) {
    weights = specs.map(() => 1 / specs.length); // too few rows to learn weights from
  } else {
    const assignment = foldAssignment(target, folds, task, seed);
    const oof = trainers.map((train) => outOfFoldPredictions(train, table, target, assignment, folds));
    weights = simplexLeastSquares(oof, target);
  }
  const members = trainers.map((train) => train(table, target));
  return new EnsembleModel(task, method, members, weights);
}

function memberTrainer(spec: MemberSpec, task: Task, seed: number, path: string): (t: Table, y: readonly number[]) => MemberModel {
  if (!spec || typeof spec !== 'object') throw new AnalysisError('invalid_option', path, 'must be { kind, options }');
  switch (spec.kind) {
    case 'gradient_boosting':
      return (t, y) => trainGradientBoosting(t, y, { seed, ...spec.options, task });
    case 'random_forest':
      return (t, y) => trainRandomForest(t, y, { seed, ...spec.options, task });
    case 'ridge':
      return (t, y) => trainRidge(t, y, { ...spec.options, task });
    default:
      throw new AnalysisError('invalid_option', `${path}/kind`, "must be 'gradient_boosting', 'random_forest' or 'ridge'");
  }
}

/**
 * Weights w ≥ 0, Σw = 1, minimising ‖Σ_k w_k p_k − y‖² — projected gradient descent on the
 * simplex (the problem is small and convex; a fixed number of steps keeps it deterministic).
 */
export function simplexLeastSquares(predictions: readonly Float64Array[], y: readonly number[]): number[] {
  const m = predictions.length;
  const n = y.length;
  const gram = Array.from({ length: m }, (_, a) => Array.from({ length: m }, (_, b) => dot(predictions[a]!, predictions[b]!, n) / n));
  const py = Array.from({ length: m }, (_, a) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += predictions[a]![i]! * y[i]!;
    return s / n;
  });
  let lipschitz = 0;
  for (let a = 0; a < m; a++) lipschitz += gram[a]![a]!;
  if (!(lipschitz > 0)) return predictions.map(() => 1 / m);
  let w = predictions.map(() => 1 / m);
  for (let iter = 0; iter < 5000; iter++) {
    const grad = w.map((_, a) => gram[a]!.reduce((s, g, b) => s + g * w[b]!, 0) - py[a]!);
    const next = projectToSimplex(w.map((v, a) => v - grad[a]! / lipschitz));
    const change = next.reduce((s, v, a) => s + Math.abs(v - w[a]!), 0);
    w = next;
    if (change < 1e-12) break;
  }
  return w;
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean projection onto { w ≥ 0, Σw = 1 } (Duchi et al. 2008). */
function projectToSimplex(v: number[]): number[] {
  const u = v.slice().sort((a, b) => b - a);
  let cumulative = 0;
  let theta = 0;
  for (let k = 0; k < u.length; k++) {
    cumulative += u[k]!;
    const t = (cumulative - 1) / (k + 1);
    if (u[k]! - t > 0) theta = t;
  }
  return v.map((x) => Math.max(0, x - theta));
}
