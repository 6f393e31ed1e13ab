/**
 * One regression tree on gradients and hessians, grown from histograms of binned features — the
 * learner behind both gradient boosting (second-order statistics, L2 on leaf weights) and random
 * forests (g = −y, h = 1, no L2: a leaf is then the mean target and the gain is the variance
 * reduction). Numeric splits are "value ≤ threshold"; categorical splits send a set of categories
 * left, found by ordering the categories by G/H (optimal for this loss, as in LightGBM); rows with a
 * missing value follow whichever side gave the larger gain at training time.
 */
import { AnalysisError } from '../errors.js';
import type { Random } from '../random.js';
import type { BinnedData } from './binning.js';

export interface TreeGrowth {
  readonly maxDepth: number;
  /** Leaves grow best-first while there are fewer than this; Infinity grows every useful split. */
  readonly maxLeaves: number;
  readonly minSamplesLeaf: number;
  readonly minHessianLeaf: number;
  readonly l2: number;
  readonly minGain: number;
  /** Features tried at each split (all when ≥ the feature count); drawn with `random`. */
  readonly featuresPerSplit: number;
}

export interface TreeJSON {
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly defaultLeft: readonly number[];
  readonly value: readonly number[];
  /** [node, codes sent left] for every categorical split. */
  readonly categorySplits: readonly (readonly [number, readonly number[]])[];
}

/**
 * A grown tree, flattened for fast prediction. Per node: the threshold (or the leaf value), the
 * feature (−1 for a leaf), the left child (the right child is always the next node) and flags
 * (1 = missing goes left, 2 = categorical split). `packed` holds them four to a node for JSON.
 */
export class Tree {
  // Integer fields interleaved, three to a node ([feature, left child, flags]), beside the values:
  // V8 indexes fastest with small integers, and a visit then touches two cache lines, not four.
  readonly links: Int32Array;
  readonly leafOrThreshold: Float64Array;

  private constructor(
    private readonly packed: Float64Array,
    /** Per node: the membership table of a categorical split, else undefined. */
    readonly categoryLeft: (Uint8Array | undefined)[],
  ) {
    const n = packed.length >> 2;
    this.links = new Int32Array(3 * n);
    this.leafOrThreshold = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.leafOrThreshold[k] = packed[4 * k]!;
      this.links[3 * k] = packed[4 * k + 1]!;
      this.links[3 * k + 1] = packed[4 * k + 2]!;
      this.links[3 * k + 2] = packed[4 * k + 3]!;
    }
  }

  static fromNodes(nodes: readonly BuildNode[]): Tree {
    const packed = new Float64Array(nodes.length * 4);
    const categoryLeft = new Array<Uint8Array | undefined>(nodes.length);
    nodes.forEach((node, k) => {
      const leaf = node.feature < 0;
      packed[4 * k] = leaf ? node.value : node.threshold;
      packed[4 * k + 1] = node.feature;
      packed[4 * k + 2] = node.left;
      packed[4 * k + 3] = (node.defaultLeft ? 1 : 0) + (node.categories ? 2 : 0);
      if (node.categories) categoryLeft[k] = membership(node.categories);
    });
    return new Tree(packed, categoryLeft);
  }

  static fromJSON(json: TreeJSON, width: number): Tree {
    const n = json?.feature?.length ?? 0;
    const arrays = [json?.threshold, json?.left, json?.right, json?.defaultLeft, json?.value];
    if (n === 0 || arrays.some((a) => !Array.isArray(a) || a.length !== n) || !Array.isArray(json.categorySplits)) {
      throw new AnalysisError('invalid_model', '/model/trees', 'is not a tree');
    }
    const nodes: BuildNode[] = [];
    for (let k = 0; k < n; k++) {
      const f = json.feature[k]!;
      const l = json.left[k]!;
      const ok = f === -1 ? Number.isFinite(json.value[k]) : Number.isInteger(f) && f >= 0 && f < width && Number.isInteger(l) && l > k && l + 1 < n && json.right[k] === l + 1 && Number.isFinite(json.threshold[k]);
      if (!ok) throw new AnalysisError('invalid_model', `/model/trees/node/${k}`, 'is malformed');
      nodes.push({ feature: f, threshold: json.threshold[k]!, categories: undefined, defaultLeft: json.defaultLeft[k] === 1, left: l, right: json.right[k]!, value: json.value[k]! });
    }
    for (const split of json.categorySplits) {
      const [node, codes] = Array.isArray(split) ? split : [NaN, undefined];
      if (!Number.isInteger(node) || node < 0 || node >= n || nodes[node]!.feature < 0 || !Array.isArray(codes)) {
        throw new AnalysisError('invalid_model', '/model/trees/categorySplits', 'is malformed');
      }
      nodes[node]!.categories = codes.slice();
    }
    return Tree.fromNodes(nodes);
  }

  toJSON(): TreeJSON {
    const n = this.size;
    const p = this.packed;
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const defaultLeft: number[] = [];
    const value: number[] = [];
    const categorySplits: [number, number[]][] = [];
    for (let k = 0; k < n; k++) {
      const leaf = p[4 * k + 1]! < 0;
      feature.push(p[4 * k + 1]!);
      threshold.push(leaf ? 0 : p[4 * k]!);
      value.push(leaf ? p[4 * k]! : 0);
      left.push(leaf ? -1 : p[4 * k + 2]!);
      right.push(leaf ? -1 : p[4 * k + 2]! + 1);
      defaultLeft.push(p[4 * k + 3]! & 1);
      const m = this.categoryLeft[k];
      if (m) {
        const codes: number[] = [];
        for (let c = 0; c < m.length; c++) if (m[c]) codes.push(c);
        categorySplits.push([k, codes]);
      }
    }
    return { feature, threshold, left, right, defaultLeft, value, categorySplits };
  }

  /** The leaf value for row i of encoded columns. */
  predictAt(columns: readonly Float64Array[], i: number): number {
    const { links, leafOrThreshold } = this;
    let k = 0;
    let f = links[0]!;
    while (f >= 0) {
      const v = columns[f]![i]!;
      const flags = links[3 * k + 2]!;
      let goLeft: boolean;
      if (flags === 0) goLeft = v <= leafOrThreshold[k]!;
      else if (v !== v) goLeft = (flags & 1) === 1;
      else if (flags >= 2) goLeft = this.categoryLeft[k]![v] === 1;
      else goLeft = v <= leafOrThreshold[k]!;
      k = links[3 * k + 1]! + (goLeft ? 0 : 1);
      f = links[3 * k]!;
    }
    return leafOrThreshold[k]!;
  }

  get size(): number {
    return this.packed.length >> 2;
  }
}

function membership(codes: readonly number[]): Uint8Array {
  const m = new Uint8Array(256);
  for (const c of codes) m[c] = 1;
  return m;
}

/** A node while growing; `feature` −1 marks a leaf. */
interface BuildNode {
  feature: number;
  threshold: number;
  categories: number[] | undefined;
  defaultLeft: boolean;
  left: number;
  right: number;
  value: number;
}

interface Split {
  gain: number;
  feature: number;
  /** Numeric: bins 1..bin go left. */
  bin: number;
  /** Categorical: membership by bin. */
  leftBins: Uint8Array | undefined;
  missingLeft: boolean;
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  split: Split | undefined;
}

/**
 * Grows one tree over `sample` (row indices into the binned data; repeats allowed, as in a
 * bootstrap) and returns it with leaf values −G/(H + l2) · `scale`.
 */
export function growTree(data: BinnedData, g: Float64Array, h: Float64Array, sample: Uint32Array, growth: TreeGrowth, random: Random, scale = 1): Tree {
  const order = Uint32Array.from(sample);
  const nodes: BuildNode[] = [];
  const features = data.bins.length;
  const featureIds = Array.from({ length: features }, (_, j) => j);
  const work = new HistogramWork();

  const leaf = (G: number, H: number): BuildNode => ({ feature: -1, threshold: 0, categories: undefined, defaultLeft: false, left: -1, right: -1, value: (-G / (H + growth.l2)) * scale });
  const evaluate = (p: Pending): void => {
    p.split = p.depth >= growth.maxDepth ? undefined : bestSplit(data, g, h, order, p, growth, pickFeatures(featureIds, growth.featuresPerSplit, random), work);
  };

  let G0 = 0;
  let H0 = 0;
  for (let k = 0; k < order.length; k++) {
    G0 += g[order[k]!]!;
    H0 += h[order[k]!]!;
  }
  nodes.push(leaf(G0, H0));
  const open: Pending[] = [{ node: 0, start: 0, end: order.length, depth: 0, G: G0, H: H0, split: undefined }];
  evaluate(open[0]!);
  let leaves = 1;
  const bestFirst = Number.isFinite(growth.maxLeaves);

  while (open.length > 0 && leaves < growth.maxLeaves) {
    // Best-first when the leaf budget is limited; otherwise any order gives the same tree.
    let pick = open.length - 1;
    if (bestFirst) for (let k = 0; k < open.length; k++) if ((open[k]!.split?.gain ?? -1) > (open[pick]!.split?.gain ?? -1)) pick = k;
    const p = open[pick]!;
    open.splice(pick, 1);
    const s = p.split;
    if (!s) continue;
    const mid = partition(data, order, p.start, p.end, s);
    let GL = 0;
    let HL = 0;
    for (let k = p.start; k < mid; k++) {
      GL += g[order[k]!]!;
      HL += h[order[k]!]!;
    }
    const node = nodes[p.node]!;
    node.feature = s.feature;
    node.defaultLeft = s.missingLeft;
    if (s.leftBins) {
      node.categories = [];
      for (let b = 1; b < s.leftBins.length; b++) if (s.leftBins[b]) node.categories.push(b - 1);
    } else node.threshold = data.cuts[s.feature]![s.bin - 1]!;
    node.left = nodes.length;
    nodes.push(leaf(GL, HL));
    node.right = nodes.length;
    nodes.push(leaf(p.G - GL, p.H - HL));
    leaves++;
    const l: Pending = { node: node.left, start: p.start, end: mid, depth: p.depth + 1, G: GL, H: HL, split: undefined };
    const r: Pending = { node: node.right, start: mid, end: p.end, depth: p.depth + 1, G: p.G - GL, H: p.H - HL, split: undefined };
    evaluate(l);
    evaluate(r);
    if (l.split) open.push(l);
    if (r.split) open.push(r);
  }
  return Tree.fromNodes(nodes);
}

function pickFeatures(ids: number[], count: number, random: Random): readonly number[] {
  if (count >= ids.length) return ids;
  // Partial Fisher–Yates: the first `count` entries become a uniform sample without replacement.
  for (let i = 0; i < count; i++) {
    const j = i + random.int(ids.length - i);
    const t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
  }
  return ids.slice(0, count);
}

/** Reusable histogram buffers: sums per bin, and the list of bins a node actually touches. */
class HistogramWork {
  readonly G = new Float64Array(256);
  readonly H = new Float64Array(256);
  readonly N = new Float64Array(256);
  readonly touched = new Int32Array(256);
  readonly key = new Float64Array(256);
  readonly sorted = new Int32Array(256);
}

function bestSplit(data: BinnedData, g: Float64Array, h: Float64Array, order: Uint32Array, p: Pending, growth: TreeGrowth, features: readonly number[], w: HistogramWork): Split | undefined {
  const count = p.end - p.start;
  if (count < 2 * growth.minSamplesLeaf) return undefined;
  const { l2, minSamplesLeaf, minHessianLeaf } = growth;
  const parentScore = (p.G * p.G) / (p.H + l2);
  const totalG = p.G;
  const totalH = p.H;
  // The best split so far, in scalars: this loop is the learner's hot spot, so it allocates nothing.
  let bestGain = growth.minGain;
  let bestFeature = -1;
  let bestIndex = -1;
  let bestMissingLeft = false;
  let bestCategorical = false;
  let bestBin = 0;
  let bestOrder: Int32Array | undefined;
  const { G, H, N, touched, sorted } = w;
  for (const f of features) {
    const bins = data.bins[f]!;
    let t = 0;
    for (let k = p.start; k < p.end; k++) {
      const i = order[k]!;
      const b = bins[i]!;
      if (N[b] === 0) touched[t++] = b;
      G[b] += g[i]!;
      H[b] += h[i]!;
      N[b] = N[b]! + 1;
    }
    const Gm = G[0]!;
    const Hm = H[0]!;
    const Nm = N[0]!;
    const categorical = data.categorical[f]!;
    const binCount = data.binCount[f]!;
    // Candidate bins (non-missing) in scan order: by bin for numbers, by G/H for categories.
    let m = 0;
    if (!categorical && t * 8 > binCount) {
      // Dense node: walking the bins in order is cheaper than sorting the touched ones.
      for (let b = 1; b < binCount; b++) if (N[b] !== 0) sorted[m++] = b;
    } else {
      for (let k = 0; k < t; k++) if (touched[k] !== 0) sorted[m++] = touched[k]!;
      if (categorical) {
        for (let k = 0; k < m; k++) w.key[sorted[k]!] = G[sorted[k]!]! / (H[sorted[k]!]! + l2 + 1e-12);
        Array.prototype.sort.call(sorted.subarray(0, m), (a: number, b: number) => w.key[a]! - w.key[b]! || a - b);
      } else sorted.subarray(0, m).sort();
    }
    let GL = 0;
    let HL = 0;
    let NL = 0;
    let improved = false;
    for (let k = 0; k + 1 < m; k++) {
      const b = sorted[k]!;
      GL += G[b]!;
      HL += H[b]!;
      NL += N[b]!;
      // Missing rows on the left, then on the right (only when there are any).
      for (let side = 0; side < (Nm === 0 ? 1 : 2); side++) {
        const gl = side === 0 ? GL + Gm : GL;
        const hl = side === 0 ? HL + Hm : HL;
        const nl = side === 0 ? NL + Nm : NL;
        const hr = totalH - hl;
        const nr = count - nl;
        if (nl < minSamplesLeaf || nr < minSamplesLeaf || hl < minHessianLeaf || hr < minHessianLeaf) continue;
        const gr = totalG - gl;
        const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestIndex = k;
          bestBin = b;
          bestCategorical = categorical;
          // With no missing rows here, missing values at prediction follow the heavier child.
          bestMissingLeft = Nm === 0 ? HL >= totalH - HL : side === 0;
          improved = true;
        }
      }
    }
    if (improved && categorical) bestOrder = sorted.slice(0, bestIndex + 1);
    for (let k = 0; k < t; k++) {
      const b = touched[k]!;
      G[b] = 0;
      H[b] = 0;
      N[b] = 0;
    }
  }
  if (bestFeature < 0) return undefined;
  let leftBins: Uint8Array | undefined;
  if (bestCategorical && bestOrder) {
    leftBins = new Uint8Array(data.binCount[bestFeature]!);
    for (const b of bestOrder) leftBins[b] = 1;
  }
  return { gain: bestGain, feature: bestFeature, bin: bestBin, leftBins, missingLeft: bestMissingLeft };
}

/** Reorders order[start, end) so the rows going left come first; returns the boundary. */
function partition(data: BinnedData, order: Uint32Array, start: number, end: number, s: Split): number {
  const bins = data.bins[s.feature]!;
  let i = start;
  let j = end - 1;
  const goesLeft = (row: number): boolean => {
    const b = bins[row]!;
    if (b === 0) return s.missingLeft;
    return s.leftBins ? s.leftBins[b] === 1 : b <= s.bin;
  };
  while (i <= j) {
    if (goesLeft(order[i]!)) i++;
    else {
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
      j--;
    }
  }
  return i;
}
