/**
 * Gradient-boosted trees, histogram-based (as LightGBM/XGBoost "hist"): features are binned once
 * (≤ 255 bins), each round fits a tree to the loss's gradients and hessians (Newton steps: exact for
 * squared error, second-order for logistic loss), shrunk by the learning rate. Rows are subsampled
 * per round (seeded). A validation split held out from the training rows decides when to stop: the
 * model keeps the rounds up to the best validation loss, once `earlyStoppingRounds` rounds bring no
 * improvement.
 */
import { AnalysisError } from '../errors.js';
import { Random } from '../random.js';
import { binColumns, MAX_BINS } from './binning.js';
import { baseScore, gradients, meanLoss, sigmoid } from './loss.js';
import { checkModelJSON, checkTask, intOption, numOption, type Model } from './model.js';
import { checkTable, checkTarget, Encoder, type Cell, type EncoderJSON, type Table, type Task } from './table.js';
import { growTree, Tree, type TreeJSON } from './tree.js';
import { TreeSum } from './tree-sum.js';

export interface GradientBoostingOptions {
  task?: Task;
  /** Upper bound on rounds (early stopping usually ends sooner). Default 2000. */
  maxRounds?: number;
  /** Shrinkage of each tree. Default 0.1. */
  learningRate?: number;
  /** Default 5. */
  maxDepth?: number;
  /** Default 31. */
  maxLeaves?: number;
  /** Minimum rows in a leaf. Default 5. */
  minSamplesLeaf?: number;
  /** Minimum hessian sum in a leaf (guards logistic leaves that are nearly pure). Default 1e-3. */
  minHessianLeaf?: number;
  /** L2 penalty on leaf weights. Default 1. */
  l2?: number;
  /** Share of rows drawn (without replacement) for each round. Default 0.8. */
  subsample?: number;
  /** Share of features tried at each split. Default 1. */
  featureFraction?: number;
  /** Share of the training rows held out for early stopping; 0 turns early stopping off. Default 0.1. */
  validationFraction?: number;
  /** Rounds without a better validation loss before stopping. Default 50. */
  earlyStoppingRounds?: number;
  /** Bins per numeric feature, at most 255. Default 255. */
  maxBins?: number;
  seed?: number;
}

export const GRADIENT_BOOSTING_DEFAULTS = {
  task: 'regression' as Task,
  maxRounds: 2000,
  learningRate: 0.1,
  maxDepth: 5,
  maxLeaves: 31,
  minSamplesLeaf: 5,
  minHessianLeaf: 1e-3,
  l2: 1,
  subsample: 0.8,
  featureFraction: 1,
  validationFraction: 0.1,
  earlyStoppingRounds: 50,
  maxBins: MAX_BINS,
  seed: 1,
};

export interface GradientBoostingJSON {
  readonly kind: 'gradient_boosting';
  readonly version: 1;
  readonly task: Task;
  readonly encoder: EncoderJSON;
  readonly base: number;
  readonly trees: readonly TreeJSON[];
  /** Rounds kept, and the validation loss at the best one (null without early stopping). */
  readonly rounds: number;
  readonly validationLoss: number | null;
}

export class GradientBoostingModel implements Model {
  readonly kind = 'gradient_boosting' as const;
  private readonly scratch: Float64Array;
  private readonly sum: TreeSum;

  constructor(
    readonly task: Task,
    readonly encoder: Encoder,
    readonly base: number,
    readonly trees: readonly Tree[],
    readonly validationLoss: number | null,
  ) {
    this.scratch = new Float64Array(encoder.width);
    this.sum = new TreeSum(trees);
  }

  static fromJSON(json: unknown): GradientBoostingModel {
    const o = checkModelJSON(json, 'gradient_boosting') as unknown as GradientBoostingJSON;
    if (!Number.isFinite(o.base) || !Array.isArray(o.trees)) throw new AnalysisError('invalid_model', '/model', 'is not a gradient-boosting model');
    const encoder = Encoder.fromJSON(o.encoder);
    return new GradientBoostingModel(o.task, encoder, o.base, o.trees.map((t) => Tree.fromJSON(t, encoder.width)), o.validationLoss ?? null);
  }

  toJSON(): GradientBoostingJSON {
    return { kind: this.kind, version: 1, task: this.task, encoder: this.encoder.toJSON(), base: this.base, trees: this.trees.map((t) => t.toJSON()), rounds: this.trees.length, validationLoss: this.validationLoss };
  }

  /** Raw scores (log-odds for classification). */
  predictRaw(table: Table): Float64Array {
    const columns = this.encoder.encodeColumns(table);
    const out = new Float64Array(table.rows.length);
    const x = new Float64Array(columns.length);
    for (let i = 0; i < out.length; i++) {
      for (let j = 0; j < x.length; j++) x[j] = columns[j]![i]!;
      out[i] = this.sum.sum(x, this.base);
    }
    return out;
  }

  predict(table: Table): Float64Array {
    const raw = this.predictRaw(table);
    if (this.task === 'classification') for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]!);
    return raw;
  }

  predictRow(row: readonly Cell[]): number {
    return this.predictEncoded(this.encoder.encodeRow(row, this.scratch));
  }

  /** Prediction for a row already encoded by this model's encoder. */
  predictEncoded(x: Float64Array): number {
    const s = this.sum.sum(x, this.base);
    return this.task === 'classification' ? sigmoid(s) : s;
  }
}

export function trainGradientBoosting(table: Table, target: readonly number[], options: GradientBoostingOptions = {}): GradientBoostingModel {
  const o = resolveOptions(options);
  checkTable(table);
  checkTarget(target, table.rows.length, o.task);
  const encoder = Encoder.fit(table);
  const columns = encoder.encodeColumns(table);
  const data = binColumns(columns, encoder, o.maxBins);
  const n = table.rows.length;
  const random = new Random(o.seed);
  const y = Float64Array.from(target);

  // Hold out a validation split (stratified by class for classification, so both classes appear).
  const shuffled = random.shuffle(Array.from({ length: n }, (_, i) => i));
  let validation: number[] = [];
  let train = shuffled;
  const nValid = Math.floor(n * o.validationFraction);
  if (o.validationFraction > 0 && nValid >= 1 && n - nValid >= 2) {
    if (o.task === 'classification') {
      const byClass = [shuffled.filter((i) => y[i] === 0), shuffled.filter((i) => y[i] === 1)];
      validation = byClass.flatMap((rows) => rows.slice(0, Math.round(rows.length * o.validationFraction)));
    } else validation = shuffled.slice(0, nValid);
    const held = new Set(validation);
    train = shuffled.filter((i) => !held.has(i)).sort((a, b) => a - b);
    validation.sort((a, b) => a - b);
  } else train = shuffled.sort((a, b) => a - b);
  const trainIdx = Uint32Array.from(train);
  const validIdx = Uint32Array.from(validation);

  const base = baseScore(o.task, y, trainIdx);
  const raw = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const growth = {
    maxDepth: o.maxDepth,
    maxLeaves: o.maxLeaves,
    minSamplesLeaf: o.minSamplesLeaf,
    minHessianLeaf: o.minHessianLeaf,
    l2: o.l2,
    minGain: 1e-12,
    featuresPerSplit: Math.max(1, Math.round(o.featureFraction * encoder.width)),
  };
  const sampleSize = Math.max(2, Math.round(trainIdx.length * o.subsample));
  const trees: Tree[] = [];
  let bestLoss = Infinity;
  let bestRounds = 0;
  for (let round = 0; round < o.maxRounds; round++) {
    gradients(o.task, y, raw, trainIdx, g, h);
    const sample = sampleSize >= trainIdx.length ? trainIdx : sampleWithoutReplacement(trainIdx, sampleSize, random);
    const tree = growTree(data, g, h, sample, growth, random, o.learningRate);
    trees.push(tree);
    // Update every row's score (training and validation) through the new tree.
    for (let i = 0; i < n; i++) raw[i] += tree.predictAt(columns, i);
    if (validIdx.length > 0) {
      const loss = meanLoss(o.task, y, raw, validIdx);
      if (bestRounds === 0 || loss < bestLoss * (1 - 1e-12)) {
        bestLoss = loss;
        bestRounds = trees.length;
      } else if (trees.length - bestRounds >= o.earlyStoppingRounds) break;
    }
    if (tree.size === 1 && validIdx.length === 0) break; // nothing left to learn
  }
  const kept = validIdx.length > 0 ? trees.slice(0, Math.max(1, bestRounds)) : trees;
  return new GradientBoostingModel(o.task, encoder, base, kept, validIdx.length > 0 ? bestLoss : null);
}

function sampleWithoutReplacement(from: Uint32Array, size: number, random: Random): Uint32Array {
  const pool = Uint32Array.from(from);
  for (let i = 0; i < size; i++) {
    const j = i + random.int(pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.subarray(0, size);
}

function resolveOptions(options: GradientBoostingOptions): typeof GRADIENT_BOOSTING_DEFAULTS {
  const d = GRADIENT_BOOSTING_DEFAULTS;
  const p = '/options';
  if (options === null || typeof options !== 'object') throw new AnalysisError('invalid_option', p, 'must be an object');
  return {
    task: options.task === undefined ? d.task : checkTask(options.task),
    maxRounds: intOption(options.maxRounds, d.maxRounds, `${p}/maxRounds`, 1, 100_000),
    learningRate: numOption(options.learningRate, d.learningRate, `${p}/learningRate`, 1e-6, 1),
    maxDepth: intOption(options.maxDepth, d.maxDepth, `${p}/maxDepth`, 1, 64),
    maxLeaves: intOption(options.maxLeaves, d.maxLeaves, `${p}/maxLeaves`, 2, 1_000_000),
    minSamplesLeaf: intOption(options.minSamplesLeaf, d.minSamplesLeaf, `${p}/minSamplesLeaf`, 1),
    minHessianLeaf: numOption(options.minHessianLeaf, d.minHessianLeaf, `${p}/minHessianLeaf`, 0, 1e9),
    l2: numOption(options.l2, d.l2, `${p}/l2`, 0, 1e9),
    subsample: numOption(options.subsample, d.subsample, `${p}/subsample`, 0.01, 1),
    featureFraction: numOption(options.featureFraction, d.featureFraction, `${p}/featureFraction`, 0.01, 1),
    validationFraction: numOption(options.validationFraction, d.validationFraction, `${p}/validationFraction`, 0, 0.5),
    earlyStoppingRounds: intOption(options.earlyStoppingRounds, d.earlyStoppingRounds, `${p}/earlyStoppingRounds`, 1),
    maxBins: intOption(options.maxBins, d.maxBins, `${p}/maxBins`, 2, MAX_BINS),
    seed: intOption(options.seed, d.seed, `${p}/seed`, 0, 2 ** 32 - 1),
  };
}
