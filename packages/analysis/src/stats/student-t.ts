/**
 * Student's t distribution: density, CDF (through the regularized incomplete beta function) and
 * quantile. Degrees of freedom may be fractional (Welch-style) or Infinity (the normal).
 *
 * The quantile has closed forms for 1 and 2 degrees of freedom; otherwise it solves
 * ln P(T > x) = ln q for x by Newton steps in (ln x, ln P) — where the tail is nearly a straight
 * line for heavy tails and a gentle curve for light ones — kept inside a bracket that bisects when
 * a step leaves it. That stays accurate from p = 0.5 down to the smallest double.
 */
import { AnalysisError } from '../errors.js';
import { normalCdf, normalQuantile } from './normal.js';
import { incompleteBetaLog, logBeta } from './special.js';

function checkDf(df: number): void {
  if (typeof df !== 'number' || Number.isNaN(df) || df <= 0) throw new AnalysisError('invalid_option', '/df', 'must be a positive number');
}

/** Density of t with df degrees of freedom. */
export function tPdf(t: number, df: number): number {
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new AnalysisError('invalid_option', '/t', 'must be a finite number');
  checkDf(df);
  if (df === Infinity) return Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  return Math.exp(logPdf(t, df));
}

function logPdf(t: number, df: number): number {
  return -0.5 * (df + 1) * Math.log1p((t * t) / df) - 0.5 * Math.log(df) - logBeta(0.5, df / 2);
}

/**
 * ln P(T > x) for x ≥ 0 (finite df). The beta argument df/(df + x²) is computed directly below
 * x = 1e100; beyond, x² would overflow and the tail is its leading asymptotic term,
 * I_y(a, ½) ≈ y^a / (a B(a, ½)) with y = df/x², whose next term is smaller by a factor of df/x².
 */
function logUpperTail(x: number, df: number): number {
  const a = df / 2;
  if (x > 1e100) return Math.log(0.5) + a * (Math.log(df) - 2 * Math.log(x)) - Math.log(a) - logBeta(a, 0.5);
  const x2 = x * x;
  // Both df/(df + x²) and its complement x²/(df + x²) computed directly: neither as 1 − the other.
  return Math.log(0.5) + incompleteBetaLog(df / (df + x2), x2 / (df + x2), a, 0.5);
}

/** P(T > x) for x ≥ 0 (finite df); tiny tails keep their precision. */
function upperTail(x: number, df: number): number {
  return Math.exp(logUpperTail(x, df));
}

/** P(T ≤ t) for T ~ t(df). */
export function tCdf(t: number, df: number): number {
  checkDf(df);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (typeof t !== 'number' || Number.isNaN(t)) throw new AnalysisError('invalid_option', '/t', 'must be a number');
  if (df === Infinity) return normalCdf(t);
  const tail = upperTail(Math.abs(t), df);
  return t > 0 ? 1 - tail : tail;
}

/** Two-sided p-value P(|T| ≥ |t|). */
export function tTwoSidedPValue(t: number, df: number): number {
  checkDf(df);
  if (typeof t !== 'number' || Number.isNaN(t)) throw new AnalysisError('invalid_option', '/t', 'must be a number');
  if (!Number.isFinite(t)) return 0;
  if (df === Infinity) return 2 * normalCdf(-Math.abs(t));
  return Math.min(1, 2 * upperTail(Math.abs(t), df));
}

/** The t with P(T ≤ t) = p for T ~ t(df); p in [0, 1] (0 and 1 give ∓Infinity). */
export function tQuantile(p: number, df: number): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) throw new AnalysisError('invalid_option', '/p', 'must be a number from 0 to 1');
  checkDf(df);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (df === Infinity) return normalQuantile(p);
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p; // exact for p ≥ 0.5 (Sterbenz)
  let x: number;
  if (df === 1) x = 1 / Math.tan(Math.PI * tail); // Cauchy: cot(πq), accurate for tiny q
  else if (df === 2) x = (1 - 2 * tail) / Math.sqrt(2 * tail * (1 - tail));
  else x = solveUpperTail(tail, df);
  return upper ? x : -x;
}

/** The x ≥ 0 with P(T > x) = q, for 0 < q < 0.5. */
function solveUpperTail(q: number, df: number): number {
  const logQ = Math.log(q);
  // Start: the Cornish–Fisher expansion around the normal quantile, good for df ≥ 3 and moderate
  // q; the bracket and the log scale take care of the rest.
  const z = -normalQuantile(q);
  const z2 = z * z;
  const cornishFisher =
    z + (z * (z2 + 1)) / (4 * df) + (z * (5 * z2 * z2 + 16 * z2 + 3)) / (96 * df * df) + (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / (384 * df * df * df);
  let u = Math.log(Number.isFinite(cornishFisher) && cornishFisher > z ? cornishFisher : z);
  // Bracket in u = ln x: the tail decreases in u, from ½ at u = −∞ to 0 at u = +∞.
  let lo = -Infinity;
  let hi = Math.log(Number.MAX_VALUE);
  if (logUpperTail(Number.MAX_VALUE, df) > logQ) return Infinity; // beyond the largest double
  for (let i = 0; i < 400; i++) {
    const x = Math.exp(u);
    const logTail = logUpperTail(x, df);
    const f = logTail - logQ;
    if (f === 0) return x;
    if (f > 0) lo = u;
    else hi = u;
    // d ln P(T > e^u) / du = −x · pdf(x) / P(T > x)
    const slope = -Math.exp(Math.log(x) + logPdf(x, df) - logTail);
    let next = u - f / slope;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = lo === -Infinity ? u - 2 : (lo + hi) / 2;
    if (Math.abs(next - u) <= 1e-15) return Math.exp(next);
    u = next;
  }
  return Math.exp(u);
}
