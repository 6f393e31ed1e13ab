/**
 * The two losses: squared error for regression, logistic loss for binary classification. Both give
 * a gradient and a hessian per row (the second-order statistics boosting fits trees to); the
 * logistic model works in log-odds and reports probabilities.
 */
import type { Task } from './table.js';

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The best constant raw score: the mean, or the log-odds of the base rate (clamped away from ±∞). */
export function baseScore(task: Task, y: ArrayLike<number>, index: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < index.length; k++) s += y[index[k]!]!;
  const mean = s / Math.max(1, index.length);
  if (task === 'regression') return mean;
  const p = Math.min(1 - 1e-6, Math.max(1e-6, mean));
  return Math.log(p / (1 - p));
}

/** Fills g and h for rows `index` given raw scores. */
export function gradients(task: Task, y: ArrayLike<number>, raw: Float64Array, index: ArrayLike<number>, g: Float64Array, h: Float64Array): void {
  for (let k = 0; k < index.length; k++) {
    const i = index[k]!;
    if (task === 'regression') {
      g[i] = raw[i]! - y[i]!;
      h[i] = 1;
    } else {
      const p = sigmoid(raw[i]!);
      g[i] = p - y[i]!;
      // A floor keeps leaf weights bounded when a node is (nearly) pure.
      h[i] = Math.max(p * (1 - p), 1e-6);
    }
  }
}

/** Mean loss over rows `index`: squared error, or log loss. */
export function meanLoss(task: Task, y: ArrayLike<number>, raw: Float64Array, index: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < index.length; k++) {
    const i = index[k]!;
    if (task === 'regression') {
      const e = raw[i]! - y[i]!;
      s += e * e;
    } else {
      const z = raw[i]!;
      // log(1 + e^z) − y·z, computed stably
      s += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y[i]! * z;
    }
  }
  return s / Math.max(1, index.length);
}
