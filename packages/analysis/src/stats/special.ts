/**
 * Special functions behind the distribution functions: log Γ and the regularized incomplete beta
 * function, to near double precision. Written here (no dependencies): the p-values and intervals
 * of every analysis method rest on them.
 */
import { AnalysisError } from '../errors.js';

// Lanczos approximation, g = 7, n = 9: relative error below 1e-15 for positive arguments.
const LANCZOS_G = 7;
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.9189385332046728;

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new AnalysisError('invalid_option', '/x', 'must be a positive finite number');
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range: Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * Stirling's correction δ(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], for x ≥ 10 (the series'
 * first omitted term is below 1e-12 there, and below 1e-22 from x = 100).
 */
function stirlingCorrection(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). When one argument is large (a t distribution with
 * many degrees of freedom), ln Γ(big) − ln Γ(big + small) would cancel catastrophically; it is
 * computed instead as −(big − ½) ln(1 + small/big) − small·ln(big + small) + small + δ(big) −
 * δ(big + small).
 */
export function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 100) return logGamma(a) + logGamma(b) - logGamma(a + b);
  const difference =
    -(big - 0.5) * Math.log1p(small / big) - small * Math.log(big + small) + small + stirlingCorrection(big) - stirlingCorrection(big + small);
  return logGamma(small) + difference;
}

const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;

/**
 * Continued fraction for I_x(a, b) (modified Lentz), converging fast for x < (a + 1)/(a + b + 2);
 * the caller uses the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) for the rest.
 */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h;
}

function checkBetaArguments(x: number, a: number, b: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) throw new AnalysisError('invalid_option', '/x', 'must be a number from 0 to 1');
  if (typeof a !== 'number' || !Number.isFinite(a) || a <= 0) throw new AnalysisError('invalid_option', '/a', 'must be a positive finite number');
  if (typeof b !== 'number' || !Number.isFinite(b) || b <= 0) throw new AnalysisError('invalid_option', '/b', 'must be a positive finite number');
}

/** The regularized incomplete beta function I_x(a, b), for x in [0, 1] and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  checkBetaArguments(x, a, b);
  return Math.exp(incompleteBetaLog(x, 1 - x, a, b));
}

/**
 * ln I_x(a, b): finite where I_x(a, b) itself underflows (far tails of the t distribution), so
 * that quantiles can be solved for probabilities down to the smallest double.
 */
export function logRegularizedIncompleteBeta(x: number, a: number, b: number): number {
  checkBetaArguments(x, a, b);
  return incompleteBetaLog(x, 1 - x, a, b);
}

/**
 * ln I_x(a, b) with y = 1 − x supplied by the caller, who can often compute it more precisely
 * than 1 − x (for the t distribution, x = df/(df + t²) and y = t²/(df + t²): when t² ≪ df,
 * 1 − x would keep only a few digits of y). Arguments are not checked.
 */
export function incompleteBetaLog(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return -Infinity;
  if (y <= 0) return 0;
  const logFront = a * Math.log(x) + b * Math.log(y) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return logFront + Math.log(betaContinuedFraction(x, a, b)) - Math.log(a);
  return Math.log1p(-(Math.exp(logFront) * betaContinuedFraction(y, b, a)) / b);
}
