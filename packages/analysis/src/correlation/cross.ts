/**
 * Lagged cross-correlation: the correlation of x[i] with y[i + lag] for every lag in
 * [−maxLag, maxLag], each over its own complete pairs (so gaps cost only the pairs they touch),
 * and the lag where |r| peaks. A positive best lag means x leads y: y follows x by that many steps.
 *
 * Each lag's r is a full Pearson (or Spearman) correlation of the overlapping pairs, with their
 * own means and variances, rather than the classic sample cross-correlation that divides every
 * lag by the whole series' variance and so shrinks far lags towards zero; the overlap is what a
 * reader of "r at lag k" expects, and gaps make the classic normalisation wrong anyway.
 */
import { AnalysisError } from '../errors.js';
import { checkInteger } from '../validate.js';
import { CorrelationError, completePairs, countCompletePairs, isConstant, MIN_PAIRS, readConfidence, readPair, type SeriesWithGaps } from './input.js';
import { correlationInference, pearsonOfComplete, standardErrorFactor, type CorrelationMethod, type CorrelationResult } from './pearson.js';
import { averageRanks } from './ranks.js';

export interface CrossCorrelationOptions {
  /** Largest lag tried either way (default min(⌊10 log10 n⌋, n − 4), as R's ccf). */
  maxLag?: number;
  /** 'pearson' (default) or 'spearman'. */
  method?: CorrelationMethod;
  /**
   * Fewest complete pairs a lag needs to get an r (default: half the most any lag has, at least
   * 4), so that a far lag's handful of pairs cannot win by chance.
   */
  minPairs?: number;
  /**
   * Correlate first differences instead of levels (default false). Two trending series correlate
   * strongly at every lag; differencing leaves the co-movement the trend was hiding.
   */
  difference?: boolean;
  /** Confidence level of the best lag's interval (default 0.95). */
  confidence?: number;
}

export interface LagCorrelation {
  lag: number;
  /** r at this lag; null when the lag has fewer than minPairs complete pairs or a side is constant. */
  r: number | null;
  /** Complete pairs at this lag. */
  n: number;
}

export interface CrossCorrelationResult {
  method: CorrelationMethod;
  maxLag: number;
  minPairs: number;
  difference: boolean;
  /** Every lag from −maxLag to maxLag, in order. */
  lags: LagCorrelation[];
  /**
   * The lag with the largest |r| (ties: the smallest |lag|), with its interval and p-value, and
   * that p-value Bonferroni-adjusted for the number of lags searched. Both treat the pairs as
   * independent: autocorrelated series make them optimistic.
   */
  best: CorrelationResult & { lag: number; adjustedPValue: number };
}

/** First differences; a difference is missing when either neighbour is. */
function differences(values: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(0, values.length - 1));
  for (let i = 1; i < values.length; i++) out[i - 1] = values[i]! - values[i - 1]!;
  return out;
}

function checkOptions(options: CrossCorrelationOptions): void {
  if (options === null || typeof options !== 'object') throw new AnalysisError('invalid_option', '/options', 'must be an object');
  if (options.method !== undefined && options.method !== 'pearson' && options.method !== 'spearman') {
    throw new AnalysisError('invalid_option', '/options/method', 'must be "pearson" or "spearman"');
  }
  if (options.difference !== undefined && typeof options.difference !== 'boolean') {
    throw new AnalysisError('invalid_option', '/options/difference', 'must be true or false');
  }
}

/** Cross-correlation of two aligned series (same length, same time step; NaN or null = missing). */
export function crossCorrelation(x: SeriesWithGaps, y: SeriesWithGaps, options: CrossCorrelationOptions = {}): CrossCorrelationResult {
  checkOptions(options);
  const method = options.method ?? 'pearson';
  const difference = options.difference ?? false;
  const confidence = readConfidence(options.confidence);
  const pair = readPair(x, y);
  const xs = difference ? differences(pair.x) : pair.x;
  const ys = difference ? differences(pair.y) : pair.y;
  const length = xs.length;
  if (length < MIN_PAIRS) {
    throw new CorrelationError('too_few_pairs', 'too_short', '/x', `has ${length} ${difference ? 'differences' : 'values'}; at least ${MIN_PAIRS} are needed`);
  }
  const maxLag = options.maxLag ?? Math.max(0, Math.min(Math.floor(10 * Math.log10(length)), length - MIN_PAIRS));
  checkInteger(maxLag, '/options/maxLag', 0, length - 1);

  // Count first (the default minPairs depends on the best-covered lag), then build each lag's
  // pairs one at a time: holding every lag's copies at once would cost 2(2·maxLag + 1) series.
  const counts: number[] = [];
  // Lags as k − maxLag (not a loop from −maxLag): with maxLag = 0 that would be −0.
  for (let k = 0; k <= 2 * maxLag; k++) counts.push(countCompletePairs(xs, ys, k - maxLag));
  const mostPairs = Math.max(...counts);
  const minPairs = options.minPairs ?? Math.max(MIN_PAIRS, Math.ceil(mostPairs / 2));
  checkInteger(minPairs, '/options/minPairs', MIN_PAIRS, Number.MAX_SAFE_INTEGER);

  const lags: LagCorrelation[] = [];
  let sawConstant = false;
  for (let k = 0; k <= 2 * maxLag; k++) {
    const lag = k - maxLag;
    const n = counts[k]!;
    let r: number | null = null;
    if (n >= minPairs) {
      const p = completePairs(xs, ys, lag);
      if (isConstant(p.x) || isConstant(p.y)) sawConstant = true;
      else r = method === 'spearman' ? pearsonOfComplete(averageRanks(p.x), averageRanks(p.y)) : pearsonOfComplete(p.x, p.y);
    }
    lags.push({ lag, r, n });
  }

  // Best lag: largest |r|; among (near-)equal ones the smallest |lag|, then the negative one.
  const byDistance = lags.filter((l) => l.r !== null).sort((a, b) => Math.abs(a.lag) - Math.abs(b.lag) || a.lag - b.lag);
  if (byDistance.length === 0) {
    if (sawConstant) throw new CorrelationError('constant_series', 'too_short', '/x', 'x or y is constant over the complete pairs of every lag: no correlation is defined');
    throw new CorrelationError('too_few_pairs', 'too_short', '/x', `no lag has ${minPairs} complete pairs (the most is ${mostPairs})`);
  }
  let best = byDistance[0]!;
  for (const l of byDistance) if (Math.abs(l.r!) > Math.abs(best.r!) + 1e-12) best = l;
  const inference = correlationInference(method, best.r!, best.n, confidence, standardErrorFactor(method));
  const adjustedPValue = Math.min(1, inference.pValue * byDistance.length);
  return { method, maxLag, minPairs, difference, lags, best: { ...inference, lag: best.lag, adjustedPValue } };
}
