/**
 * The normal distribution: density, CDF (Hart's double-precision algorithm as given by West 2005
 * near the centre, the incomplete gamma continued fraction in the tails: relative error about
 * 1e-14 everywhere) and quantile (Wichura's AS241, relative error about 1e-16).
 */
import { AnalysisError } from '../errors.js';

const SQRT_TWO_PI = 2.5066282746310002;

function checkFinite(value: number, path: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AnalysisError('invalid_option', path, 'must be a finite number');
}

function checkScale(mu: number, sigma: number): void {
  checkFinite(mu, '/mu');
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) throw new AnalysisError('invalid_option', '/sigma', 'must be a positive finite number');
}

/** Density of N(mu, sigma²) at x. */
export function normalPdf(x: number, mu = 0, sigma = 1): number {
  checkFinite(x, '/x');
  checkScale(mu, sigma);
  const z = (x - mu) / sigma;
  return Math.exp(-0.5 * z * z) / (SQRT_TWO_PI * sigma);
}

/**
 * Upper tail of the standard normal for x ≥ 3 through the incomplete gamma function,
 * Φ(−x) = Q(1/2, x²/2)/2, whose continued fraction (modified Lentz) converges in a few dozen
 * terms there and keeps full relative precision deep into the tail, where Hart's rational
 * approximation is only absolutely accurate.
 */
function farTail(x: number): number {
  const u = 0.5 * x * x;
  const a = 0.5;
  const tiny = 1e-300;
  let b = u + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  // Q(a, u) = e^(−u) u^a / Γ(a) · h, with Γ(1/2) = √π.
  return (0.5 * Math.exp(-u) * Math.sqrt(u) * h) / Math.sqrt(Math.PI);
}

/** Lower tail of the standard normal, Φ(z); accurate in both tails (no 1 − small cancellation). */
function standardNormalCdf(z: number): number {
  const x = Math.abs(z);
  let tail: number;
  if (x > 38.5) {
    tail = 0; // below the smallest double
  } else if (x >= 3) {
    tail = farTail(x);
  } else {
    const e = Math.exp(-0.5 * x * x);
    let num = 0.0352624965998911 * x + 0.700383064443688;
    num = num * x + 6.37396220353165;
    num = num * x + 33.912866078383;
    num = num * x + 112.079291497871;
    num = num * x + 221.213596169931;
    num = num * x + 220.206867912376;
    let den = 0.0883883476483184 * x + 1.75566716318264;
    den = den * x + 16.064177579207;
    den = den * x + 86.7807322029461;
    den = den * x + 296.564248779674;
    den = den * x + 637.333633378831;
    den = den * x + 793.826512519948;
    den = den * x + 440.413735824752;
    tail = (e * num) / den;
  }
  return z > 0 ? 1 - tail : tail;
}

/** P(X ≤ x) for X ~ N(mu, sigma²). */
export function normalCdf(x: number, mu = 0, sigma = 1): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  checkFinite(x, '/x');
  checkScale(mu, sigma);
  return standardNormalCdf((x - mu) / sigma);
}

/** The x with P(X ≤ x) = p for X ~ N(mu, sigma²); p in (0, 1) (0 and 1 give ∓Infinity). */
export function normalQuantile(p: number, mu = 0, sigma = 1): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) throw new AnalysisError('invalid_option', '/p', 'must be a number from 0 to 1');
  checkScale(mu, sigma);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  let z: number;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    const num =
      (((((((2509.0809287301227 * r + 33430.57558358813) * r + 67265.7709270087) * r + 45921.95393154987) * r +
        13731.69376550946) * r + 1971.5909503065513) * r + 133.14166789178438) * r + 3.3871328727963665) * q;
    const den =
      ((((((5226.495278852854 * r + 28729.085735721943) * r + 39307.89580009271) * r + 21213.794301586597) * r +
        5394.196021424751) * r + 687.1870074920579) * r + 42.31333070160091) * r + 1;
    z = num / den;
  } else {
    let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
    let num: number;
    let den: number;
    if (r <= 5) {
      r -= 1.6;
      num =
        ((((((0.0007745450142783414 * r + 0.022723844989269184) * r + 0.2417807251774506) * r + 1.2704582524523684) * r +
          3.6478483247632045) * r + 5.769497221460691) * r + 4.630337846156546) * r + 1.4234371107496835;
      den =
        ((((((1.0507500716444169e-9 * r + 0.0005475938084995345) * r + 0.015198666563616457) * r + 0.14810397642748008) * r +
          0.6897673349851) * r + 1.6763848301838038) * r + 2.053191626637759) * r + 1;
    } else {
      r -= 5;
      num =
        ((((((2.0103343992922881e-7 * r + 2.7115555687434876e-5) * r + 0.0012426609473880784) * r + 0.026532189526576124) * r +
          0.29656057182850487) * r + 1.7848265399172913) * r + 5.463784911164114) * r + 6.657904643501103;
      den =
        ((((((2.0442631033899397e-15 * r + 1.421511758316446e-7) * r + 1.8463183175100548e-5) * r + 0.0007868691311456133) * r +
          0.014875361290850615) * r + 0.1369298809227358) * r + 0.599832206555888) * r + 1;
    }
    z = num / den;
    if (q < 0) z = -z;
  }
  return mu + sigma * z;
}
