/** Scores of predictions against the truth: regression (R², RMSE, MAE, MAPE, share within ±10 %) and classification. */
import { AnalysisError } from '../errors.js';
import { checkSameLength, checkSeries } from '../validate.js';

export interface RegressionMetrics {
  readonly r2: number;
  readonly rmse: number;
  readonly mae: number;
  /** Mean absolute percentage error in %, over rows with a non-zero truth; null when there are none. */
  readonly mape: number | null;
  /** Share (0–1) of predictions within ±10 % of a non-zero truth (exact hits count for a zero truth). */
  readonly within10: number;
}

export interface ClassificationMetrics {
  /** Share correct at threshold 0.5. */
  readonly accuracy: number;
  readonly logLoss: number;
  /** Area under the ROC curve (ties count half); null when only one class is present. */
  readonly auc: number | null;
}

export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  const y = Array.from(truth);
  const f = Array.from(predicted);
  checkSeries(y, '/truth');
  checkSeries(f, '/predicted');
  checkSameLength(y, f, '/predicted');
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  let sse = 0;
  let sst = 0;
  let sae = 0;
  let ape = 0;
  let nonZero = 0;
  let within = 0;
  for (let i = 0; i < n; i++) {
    const e = f[i]! - y[i]!;
    sse += e * e;
    sst += (y[i]! - mean) ** 2;
    sae += Math.abs(e);
    if (y[i] !== 0) {
      ape += Math.abs(e / y[i]!);
      nonZero++;
    }
    if (Math.abs(e) <= 0.1 * Math.abs(y[i]!)) within++;
  }
  return {
    // A constant truth has no variance to explain: R² is 1 for a perfect fit, else 0.
    r2: sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0,
    rmse: Math.sqrt(sse / n),
    mae: sae / n,
    mape: nonZero > 0 ? (100 * ape) / nonZero : null,
    within10: within / n,
  };
}

export function classificationMetrics(truth: ArrayLike<number>, probability: ArrayLike<number>): ClassificationMetrics {
  const y = Array.from(truth);
  const p = Array.from(probability);
  checkSeries(y, '/truth');
  checkSeries(p, '/probability');
  checkSameLength(y, p, '/probability');
  y.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw new AnalysisError('invalid_option', `/truth/${i}`, 'must be 0 or 1');
  });
  p.forEach((v, i) => {
    if (v < 0 || v > 1) throw new AnalysisError('invalid_option', `/probability/${i}`, 'must be in [0, 1]');
  });
  const n = y.length;
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    if ((p[i]! >= 0.5 ? 1 : 0) === y[i]) correct++;
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    loss -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return { accuracy: correct / n, logLoss: loss / n, auc: rocAuc(y, p) };
}

/** AUC as the Mann–Whitney statistic on ranks (average ranks for ties). */
function rocAuc(y: number[], p: number[]): number | null {
  const n = y.length;
  const positives = y.filter((v) => v === 1).length;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[order[j + 1]!] === p[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
