/**
 * Random forest (Breiman 2001): each tree is grown deep on a bootstrap sample, trying a random
 * subset of the features at every split, and the forest averages them (for classification, the
 * leaves hold class-1 shares, so the average is a probability). Trees reuse the histogram learner
 * with g = −y, h = 1 and no L2, where a leaf is the mean target and the gain is the reduction in
 * squared error.
 */
import { AnalysisError } from '../errors.js';
import { Random } from '../random.js';
import { binColumns, MAX_BINS } from './binning.js';
import { checkModelJSON, checkTask, intOption, numOption, type Model } from './model.js';
import { checkTable, checkTarget, Encoder, type Cell, type EncoderJSON, type Table, type Task } from './table.js';
import { growTree, Tree, type TreeJSON } from './tree.js';
import { TreeSum } from './tree-sum.js';

export interface RandomForestOptions {
  task?: Task;
  /** Default 100. */
  trees?: number;
  /**
   * Share of features tried at each split. Default: 1/3 for regression (Breiman's p/3), √p/p for
   * classification.
   */
  featureFraction?: number;
  /** Minimum rows per leaf. Default 1 (fully grown trees). */
  minSamplesLeaf?: number;
  /** Default 32. */
  maxDepth?: number;
  /** Bootstrap sample size as a share of the rows. Default 1. */
  sampleFraction?: number;
  maxBins?: number;
  seed?: number;
}

export interface RandomForestJSON {
  readonly kind: 'random_forest';
  readonly version: 1;
  readonly task: Task;
  readonly encoder: EncoderJSON;
  readonly trees: readonly TreeJSON[];
}

export class RandomForestModel implements Model {
  readonly kind = 'random_forest' as const;
  private readonly scratch: Float64Array;
  private readonly sum: TreeSum;

  constructor(
    readonly task: Task,
    readonly encoder: Encoder,
    readonly trees: readonly Tree[],
  ) {
    this.scratch = new Float64Array(encoder.width);
    this.sum = new TreeSum(trees);
  }

  static fromJSON(json: unknown): RandomForestModel {
    const o = checkModelJSON(json, 'random_forest') as unknown as RandomForestJSON;
    if (!Array.isArray(o.trees) || o.trees.length === 0) throw new AnalysisError('invalid_model', '/model/trees', 'is empty');
    const encoder = Encoder.fromJSON(o.encoder);
    return new RandomForestModel(o.task, encoder, o.trees.map((t) => Tree.fromJSON(t, encoder.width)));
  }

  toJSON(): RandomForestJSON {
    return { kind: this.kind, version: 1, task: this.task, encoder: this.encoder.toJSON(), trees: this.trees.map((t) => t.toJSON()) };
  }

  predict(table: Table): Float64Array {
    const columns = this.encoder.encodeColumns(table);
    const out = new Float64Array(table.rows.length);
    const x = new Float64Array(columns.length);
    for (let i = 0; i < out.length; i++) {
      for (let j = 0; j < x.length; j++) x[j] = columns[j]![i]!;
      out[i] = this.sum.sum(x) / this.trees.length;
    }
    return out;
  }

  predictRow(row: readonly Cell[]): number {
    return this.predictEncoded(this.encoder.encodeRow(row, this.scratch));
  }

  /** Prediction for a row already encoded by this model's encoder. */
  predictEncoded(x: Float64Array): number {
    return this.sum.sum(x) / this.trees.length;
  }
}

export function trainRandomForest(table: Table, target: readonly number[], options: RandomForestOptions = {}): RandomForestModel {
  if (options === null || typeof options !== 'object') throw new AnalysisError('invalid_option', '/options', 'must be an object');
  const p = '/options';
  const task = options.task === undefined ? 'regression' : checkTask(options.task);
  checkTable(table);
  checkTarget(target, table.rows.length, task);
  const count = intOption(options.trees, 100, `${p}/trees`, 1, 100_000);
  const width = table.columns.length;
  const defaultFraction = task === 'regression' ? 1 / 3 : Math.sqrt(width) / width;
  const featureFraction = numOption(options.featureFraction, defaultFraction, `${p}/featureFraction`, 0.01, 1);
  const minSamplesLeaf = intOption(options.minSamplesLeaf, 1, `${p}/minSamplesLeaf`, 1);
  const maxDepth = intOption(options.maxDepth, 32, `${p}/maxDepth`, 1, 64);
  const sampleFraction = numOption(options.sampleFraction, 1, `${p}/sampleFraction`, 0.01, 1);
  const maxBins = intOption(options.maxBins, MAX_BINS, `${p}/maxBins`, 2, MAX_BINS);
  const seed = intOption(options.seed, 1, `${p}/seed`, 0, 2 ** 32 - 1);

  const encoder = Encoder.fit(table);
  const data = binColumns(encoder.encodeColumns(table), encoder, maxBins);
  const n = table.rows.length;
  const g = new Float64Array(n);
  const h = new Float64Array(n).fill(1);
  for (let i = 0; i < n; i++) g[i] = -target[i]!;
  const growth = {
    maxDepth,
    maxLeaves: Infinity,
    minSamplesLeaf,
    minHessianLeaf: 0,
    l2: 0,
    minGain: 1e-12,
    featuresPerSplit: Math.max(1, Math.round(featureFraction * width)),
  };
  const random = new Random(seed);
  const size = Math.max(1, Math.round(n * sampleFraction));
  const trees: Tree[] = [];
  for (let t = 0; t < count; t++) {
    const sample = new Uint32Array(size);
    for (let k = 0; k < size; k++) sample[k] = random.int(n);
    trees.push(growTree(data, g, h, sample, growth, random));
  }
  return new RandomForestModel(task, encoder, trees);
}
