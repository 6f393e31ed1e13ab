/**
 * Isolation Forest (Liu, Ting & Zhou 2008) for rows of several metrics at once: random axis-aligned
 * splits isolate an outlier in fewer steps than a normal point, so the mean path length over many
 * random trees, normalised by c(n) (the mean path of an unsuccessful search in a binary search tree
 * of n points), gives the score s = 2^(−E[h]/c(ψ)) in [0, 1]: near 1 is anomalous, well below 0.5 is
 * normal. Seeded, so the same data and seed give the same forest; serialises to JSON and back with
 * identical scores.
 */
import { AnalysisError } from '../errors.js';
import { Random } from '../random.js';
import { checkInteger, checkNumber } from '../validate.js';

export interface IsolationForestOptions {
  /** Number of trees (default 100). */
  readonly trees?: number;
  /** Rows drawn (without replacement) for each tree (default 256, or all rows if fewer). */
  readonly sampleSize?: number;
  /** Seed of the random splits (default 1). */
  readonly seed?: number;
  /** Score at or above which `isAnomaly` says yes (default 0.6). */
  readonly threshold?: number;
}

/** A tree as parallel arrays: node i splits on feature[i] at threshold[i], or is a leaf (feature −1). */
interface Tree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  /** Rows that reached a leaf (0 for inner nodes). */
  readonly size: number[];
}

export interface IsolationForestJson {
  readonly kind: 'isolation_forest';
  readonly version: 1;
  readonly features: number;
  readonly sampleSize: number;
  readonly threshold: number;
  readonly trees: Tree[];
}

const EULER_GAMMA = 0.5772156649015329;

/** c(n): average path length of an unsuccessful search in a binary search tree of n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

function checkRows(rows: readonly (readonly number[])[], path: string, features?: number): number {
  if (!Array.isArray(rows) || rows.length === 0) throw new AnalysisError('empty', path, 'is empty');
  const width = features ?? (Array.isArray(rows[0]) ? rows[0].length : 0);
  if (width === 0) throw new AnalysisError('empty', `${path}/0`, 'has no features');
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new AnalysisError('empty', `${path}/${i}`, 'is not an array of numbers');
    if (row.length !== width) throw new AnalysisError('length_mismatch', `${path}/${i}`, `has ${row.length} features where ${width} were expected`);
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new AnalysisError('not_finite', `${path}/${i}/${j}`, 'is not a finite number');
    }
  });
  return width;
}

export class IsolationForest {
  private constructor(
    private readonly features: number,
    private readonly sampleSize: number,
    readonly threshold: number,
    private readonly trees: Tree[],
  ) {}

  /** Grows the forest on `rows` (each an array of the same metrics). */
  static fit(rows: readonly (readonly number[])[], options: IsolationForestOptions = {}): IsolationForest {
    const { trees = 100, sampleSize = 256, seed = 1, threshold = 0.6 } = options;
    checkInteger(trees, '/options/trees', 1, 100_000);
    checkInteger(sampleSize, '/options/sampleSize', 2, 10_000_000);
    checkNumber(seed, '/options/seed', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    checkNumber(threshold, '/options/threshold', 0, 1);
    const features = checkRows(rows, '/rows');
    const psi = Math.min(sampleSize, rows.length);
    const heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    const random = new Random(seed);
    const indices = Array.from({ length: rows.length }, (_, i) => i);
    const grown: Tree[] = [];
    for (let k = 0; k < trees; k++) {
      // Partial Fisher–Yates: the first psi entries are a uniform sample without replacement.
      for (let i = 0; i < psi; i++) {
        const j = i + random.int(indices.length - i);
        const swap = indices[i]!;
        indices[i] = indices[j]!;
        indices[j] = swap;
      }
      grown.push(growTree(rows, indices.slice(0, psi), features, heightLimit, random));
    }
    return new IsolationForest(features, psi, threshold, grown);
  }

  static fromJSON(json: IsolationForestJson): IsolationForest {
    const valid =
      json !== null && typeof json === 'object' && json.kind === 'isolation_forest' && json.version === 1 &&
      Number.isInteger(json.features) && json.features > 0 && Number.isInteger(json.sampleSize) && json.sampleSize > 0 &&
      typeof json.threshold === 'number' && Array.isArray(json.trees) && json.trees.length > 0 &&
      json.trees.every((t) => validTree(t, json.features));
    if (!valid) throw new AnalysisError('invalid_model', '/model', 'is not a serialised isolation forest');
    return new IsolationForest(json.features, json.sampleSize, json.threshold, json.trees);
  }

  toJSON(): IsolationForestJson {
    return { kind: 'isolation_forest', version: 1, features: this.features, sampleSize: this.sampleSize, threshold: this.threshold, trees: this.trees };
  }

  /** Anomaly score in [0, 1] of one row. */
  score(row: readonly number[]): number {
    checkRows([row], '/row', this.features);
    return this.scoreUnchecked(row);
  }

  /** Scores of many rows. */
  scoreAll(rows: readonly (readonly number[])[]): number[] {
    checkRows(rows, '/rows', this.features);
    return rows.map((row) => this.scoreUnchecked(row));
  }

  /** Whether a row scores at or above the threshold. */
  isAnomaly(row: readonly number[]): boolean {
    return this.score(row) >= this.threshold;
  }

  private scoreUnchecked(row: readonly number[]): number {
    let total = 0;
    for (const tree of this.trees) {
      let node = 0;
      let depth = 0;
      while (tree.feature[node]! >= 0) {
        node = row[tree.feature[node]!]! < tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
        depth++;
      }
      total += depth + averagePathLength(tree.size[node]!);
    }
    return Math.pow(2, -total / this.trees.length / averagePathLength(this.sampleSize));
  }
}

function growTree(rows: readonly (readonly number[])[], sample: number[], features: number, heightLimit: number, random: Random): Tree {
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], size: [] };
  const lows = new Float64Array(features);
  const highs = new Float64Array(features);
  const candidates: number[] = [];
  const grow = (members: number[], depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.size.push(members.length);
    if (depth >= heightLimit || members.length <= 1) return node;
    lows.fill(Number.POSITIVE_INFINITY);
    highs.fill(Number.NEGATIVE_INFINITY);
    for (const m of members) {
      const row = rows[m]!;
      for (let j = 0; j < features; j++) {
        const v = row[j]!;
        if (v < lows[j]!) lows[j] = v;
        if (v > highs[j]!) highs[j] = v;
      }
    }
    // Only a feature that varies here can split; identical rows make a leaf.
    candidates.length = 0;
    for (let j = 0; j < features; j++) if (highs[j]! > lows[j]!) candidates.push(j);
    if (candidates.length === 0) return node;
    const feature = candidates[random.int(candidates.length)]!;
    const low = lows[feature]!;
    const high = highs[feature]!;
    let threshold = low + random.next() * (high - low);
    if (threshold <= low) threshold = (low + high) / 2;
    const leftMembers: number[] = [];
    const rightMembers: number[] = [];
    for (const m of members) (rows[m]![feature]! < threshold ? leftMembers : rightMembers).push(m);
    tree.feature[node] = feature;
    tree.threshold[node] = threshold;
    tree.size[node] = 0;
    const left = grow(leftMembers, depth + 1);
    const right = grow(rightMembers, depth + 1);
    tree.left[node] = left;
    tree.right[node] = right;
    return node;
  };
  grow(sample, 0);
  return tree;
}

function validTree(t: Tree, features: number): boolean {
  if (t === null || typeof t !== 'object') return false;
  const arrays = [t.feature, t.threshold, t.left, t.right, t.size];
  if (!arrays.every(Array.isArray)) return false;
  const n = t.feature.length;
  if (n === 0 || !arrays.every((a) => a.length === n)) return false;
  for (let i = 0; i < n; i++) {
    const f = t.feature[i]!;
    if (!Number.isInteger(f) || f >= features || f < -1) return false;
    if (!Number.isFinite(t.threshold[i]) || !Number.isInteger(t.size[i]) || t.size[i]! < 0) return false;
    // Children come after their parent, so a walk always ends at a leaf.
    if (f >= 0 && !(Number.isInteger(t.left[i]) && Number.isInteger(t.right[i]) && t.left[i]! > i && t.right[i]! > i && t.left[i]! < n && t.right[i]! < n)) return false;
  }
  return true;
}
