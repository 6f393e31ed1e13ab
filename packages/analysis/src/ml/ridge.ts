/**
 * Ridge regression in closed form on standardised columns: numeric features (missing values
 * imputed with the training mean, plus a missing-indicator column when training had any), and
 * categorical features one-hot encoded (missing and unseen categories are all zeros). The intercept
 * is not penalised. With `lambda: 'auto'` (the default) λ is chosen by exact leave-one-out error
 * over a grid, cheap through one eigendecomposition of ZᵀZ; λ = 0 is ordinary least squares (a
 * pseudo-inverse, so collinear columns are fine). Classification fits L2-penalised logistic
 * regression by Newton steps (IRLS), each a ridge solve.
 */
import { AnalysisError } from '../errors.js';
import { choleskySolve, symmetricEigen } from './linear-algebra.js';
import { sigmoid } from './loss.js';
import { checkModelJSON, checkTask, type Model } from './model.js';
import { checkTable, checkTarget, Encoder, type Cell, type EncoderJSON, type Table, type Task } from './table.js';

export interface RidgeOptions {
  task?: Task;
  /** Penalty on standardised coefficients, or 'auto' (leave-one-out over a grid; 1 for classification). */
  lambda?: number | 'auto';
}

/** One column of the design matrix: where it comes from, how it is standardised, its coefficient. */
export interface DesignColumn {
  readonly feature: number;
  readonly role: 'value' | 'missing' | 'category';
  /** The category code, for role 'category'. */
  readonly code: number;
  /** Imputation value for role 'value' (the training mean). */
  readonly fill: number;
  readonly mean: number;
  readonly scale: number;
  readonly coef: number;
}

export interface RidgeJSON {
  readonly kind: 'ridge';
  readonly version: 1;
  readonly task: Task;
  readonly encoder: EncoderJSON;
  readonly lambda: number;
  readonly intercept: number;
  readonly design: readonly DesignColumn[];
}

export class RidgeModel implements Model {
  readonly kind = 'ridge' as const;
  private readonly scratch: Float64Array;

  constructor(
    readonly task: Task,
    readonly encoder: Encoder,
    readonly lambda: number,
    readonly intercept: number,
    readonly design: readonly DesignColumn[],
  ) {
    this.scratch = new Float64Array(encoder.width);
  }

  static fromJSON(json: unknown): RidgeModel {
    const o = checkModelJSON(json, 'ridge') as unknown as RidgeJSON;
    if (!Number.isFinite(o.intercept) || !Array.isArray(o.design)) throw new AnalysisError('invalid_model', '/model', 'is not a ridge model');
    const encoder = Encoder.fromJSON(o.encoder);
    o.design.forEach((d, k) => {
      if (!d || !Number.isInteger(d.feature) || d.feature < 0 || d.feature >= encoder.width || !(d.scale > 0) || !Number.isFinite(d.coef)) {
        throw new AnalysisError('invalid_model', `/model/design/${k}`, 'is malformed');
      }
    });
    return new RidgeModel(o.task, encoder, o.lambda, o.intercept, o.design.map((d) => ({ ...d })));
  }

  toJSON(): RidgeJSON {
    return { kind: this.kind, version: 1, task: this.task, encoder: this.encoder.toJSON(), lambda: this.lambda, intercept: this.intercept, design: this.design.map((d) => ({ ...d })) };
  }

  predict(table: Table): Float64Array {
    const columns = this.encoder.encodeColumns(table);
    const out = new Float64Array(table.rows.length);
    const x = new Float64Array(this.encoder.width);
    for (let i = 0; i < out.length; i++) {
      for (let j = 0; j < x.length; j++) x[j] = columns[j]![i]!;
      out[i] = this.score(x);
    }
    return out;
  }

  predictRow(row: readonly Cell[]): number {
    return this.score(this.encoder.encodeRow(row, this.scratch));
  }

  /** Prediction for a row already encoded by this model's encoder. */
  predictEncoded(x: Float64Array): number {
    return this.score(x);
  }

  private score(x: Float64Array): number {
    let s = this.intercept;
    for (const d of this.design) s += ((designValue(d, x[d.feature]!) - d.mean) / d.scale) * d.coef;
    return this.task === 'classification' ? sigmoid(s) : s;
  }
}

function designValue(d: Pick<DesignColumn, 'role' | 'code' | 'fill'>, v: number): number {
  if (d.role === 'value') return v !== v ? d.fill : v;
  if (d.role === 'missing') return v !== v ? 1 : 0;
  return v === d.code ? 1 : 0;
}

export function trainRidge(table: Table, target: readonly number[], options: RidgeOptions = {}): RidgeModel {
  if (options === null || typeof options !== 'object') throw new AnalysisError('invalid_option', '/options', 'must be an object');
  const task = options.task === undefined ? 'regression' : checkTask(options.task);
  const lambdaOption = options.lambda ?? 'auto';
  if (lambdaOption !== 'auto' && (typeof lambdaOption !== 'number' || !Number.isFinite(lambdaOption) || lambdaOption < 0)) {
    throw new AnalysisError('invalid_option', '/options/lambda', "must be 'auto' or a number ≥ 0");
  }
  checkTable(table);
  checkTarget(target, table.rows.length, task);
  const encoder = Encoder.fit(table);
  const columns = encoder.encodeColumns(table);
  const n = table.rows.length;

  // Build the standardised design matrix Z (n × p, row-major), dropping constant columns.
  const specs: { feature: number; role: DesignColumn['role']; code: number; fill: number }[] = [];
  columns.forEach((col, j) => {
    if (encoder.isCategorical(j)) {
      for (let c = 0; c < encoder.categoryCount(j); c++) specs.push({ feature: j, role: 'category', code: c, fill: 0 });
      return;
    }
    let s = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(col[i]!)) continue;
      s += col[i]!;
      m++;
    }
    specs.push({ feature: j, role: 'value', code: 0, fill: m > 0 ? s / m : 0 });
    if (m < n) specs.push({ feature: j, role: 'missing', code: 0, fill: 0 });
  });
  const kept: (typeof specs)[number][] = [];
  const means: number[] = [];
  const scales: number[] = [];
  const raw: Float64Array[] = [];
  for (const spec of specs) {
    const col = columns[spec.feature]!;
    const z = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) s += z[i] = designValue(spec, col[i]!);
    const mean = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (z[i]! - mean) ** 2;
    const scale = Math.sqrt(ss / n);
    if (!(scale > 1e-12 * Math.max(1, Math.abs(mean)))) continue;
    for (let i = 0; i < n; i++) z[i] = (z[i]! - mean) / scale;
    kept.push(spec);
    means.push(mean);
    scales.push(scale);
    raw.push(z);
  }
  const p = kept.length;
  const Z = new Float64Array(n * p);
  for (let k = 0; k < p; k++) for (let i = 0; i < n; i++) Z[i * p + k] = raw[k]![i]!;

  let coef: Float64Array;
  let intercept: number;
  let lambda: number;
  if (task === 'regression') {
    const yMean = target.reduce((a, b) => a + b, 0) / n;
    const y = Float64Array.from(target, (v) => v - yMean);
    ({ coef, lambda } = solveRidge(Z, y, n, p, lambdaOption));
    intercept = yMean;
  } else {
    lambda = lambdaOption === 'auto' ? 1 : lambdaOption;
    ({ coef, intercept } = logisticRidge(Z, target, n, p, lambda));
  }
  const design: DesignColumn[] = kept.map((s, k) => ({ ...s, mean: means[k]!, scale: scales[k]!, coef: coef[k]! }));
  return new RidgeModel(task, encoder, lambda, intercept, design);
}

/** Ridge on centred y through the eigendecomposition of ZᵀZ; λ by leave-one-out when 'auto'. */
function solveRidge(Z: Float64Array, y: Float64Array, n: number, p: number, lambdaOption: number | 'auto'): { coef: Float64Array; lambda: number } {
  if (p === 0) return { coef: new Float64Array(0), lambda: lambdaOption === 'auto' ? 0 : lambdaOption };
  const gram = new Float64Array(p * p);
  const zty = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let a = 0; a < p; a++) {
      const za = Z[row + a]!;
      zty[a] += za * y[i]!;
      for (let b = a; b < p; b++) gram[a * p + b] += za * Z[row + b]!;
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) gram[a * p + b] = gram[b * p + a]!;
  const { values, vectors } = symmetricEigen(gram, p);
  const maxValue = Math.max(...values);
  // U = Z V, and Vᵀ Zᵀ y: every λ then costs O(n p).
  const U = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) {
    let s = 0;
    for (let a = 0; a < p; a++) s += Z[i * p + a]! * vectors[a * p + k]!;
    U[i * p + k] = s;
  }
  const vty = new Float64Array(p);
  for (let k = 0; k < p; k++) for (let a = 0; a < p; a++) vty[k] += vectors[a * p + k]! * zty[a]!;
  const inverse = (lambda: number): Float64Array => {
    const w = new Float64Array(p);
    // Directions with (near-)zero variance are dropped: the pseudo-inverse when λ = 0.
    for (let k = 0; k < p; k++) w[k] = values[k]! + lambda > 1e-10 * maxValue ? 1 / (values[k]! + lambda) : 0;
    return w;
  };
  let lambda = lambdaOption === 'auto' ? 0 : lambdaOption;
  if (lambdaOption === 'auto') {
    let best = Infinity;
    for (const l of [0, ...Array.from({ length: 17 }, (_, k) => n * 10 ** (-6 + k / 2))]) {
      const w = inverse(l);
      let press = 0;
      for (let i = 0; i < n; i++) {
        let fit = 0;
        let hat = 0;
        for (let k = 0; k < p; k++) {
          const u = U[i * p + k]!;
          fit += u * w[k]! * vty[k]!;
          hat += u * u * w[k]!;
        }
        // The hat diagonal includes the intercept's 1/n.
        const e = (y[i]! - fit) / Math.max(1e-12, 1 - hat - 1 / n);
        press += e * e;
      }
      if (press < best) {
        best = press;
        lambda = l;
      }
    }
  }
  const w = inverse(lambda);
  const coef = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += vectors[a * p + k]! * w[k]! * vty[k]!;
    coef[a] = s;
  }
  return { coef, lambda };
}

/** L2-penalised logistic regression by Newton–Raphson; the intercept (last unknown) is not penalised. */
function logisticRidge(Z: Float64Array, y: readonly number[], n: number, p: number, lambda: number): { coef: Float64Array; intercept: number } {
  const q = p + 1;
  let beta = new Float64Array(q);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const base = Math.min(1 - 1e-6, Math.max(1e-6, mean));
  beta[p] = Math.log(base / (1 - base));
  for (let iter = 0; iter < 50; iter++) {
    const hess = new Float64Array(q * q);
    const grad = new Float64Array(q);
    for (let i = 0; i < n; i++) {
      let z = beta[p]!;
      for (let a = 0; a < p; a++) z += Z[i * p + a]! * beta[a]!;
      const pr = sigmoid(z);
      const w = Math.max(pr * (1 - pr), 1e-10);
      const r = pr - y[i]!;
      for (let a = 0; a < q; a++) {
        const za = a < p ? Z[i * p + a]! : 1;
        grad[a] += za * r;
        for (let b = a; b < q; b++) hess[a * q + b] += za * (b < p ? Z[i * p + b]! : 1) * w;
      }
    }
    for (let a = 0; a < p; a++) {
      grad[a] += lambda * beta[a]!;
      hess[a * q + a] += lambda;
    }
    for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) hess[a * q + b] = hess[b * q + a]!;
    const step = choleskySolve(hess, grad, q);
    let change = 0;
    const next = new Float64Array(q);
    for (let a = 0; a < q; a++) {
      next[a] = beta[a]! - step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (!next.every(Number.isFinite)) break;
    beta = next;
    if (change < 1e-9) break;
  }
  return { coef: beta.subarray(0, p), intercept: beta[p]! };
}
