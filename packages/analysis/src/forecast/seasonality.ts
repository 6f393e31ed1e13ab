/**
 * Seasonality detection and classical decomposition. The test is the one the M4 benchmarks use
 * (autocorrelation at lag m beyond its 90 % limit under the Bartlett variance), so "seasonal"
 * means the same here as in the published Naive2/Theta figures we compare against.
 */

/** Autocorrelations at lags 1..maxLag. */
export function autocorrelation(y: ArrayLike<number>, maxLag: number): Float64Array {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += (y[i]! - mean) ** 2;
  const out = new Float64Array(maxLag);
  if (c0 === 0) return out;
  for (let k = 1; k <= maxLag; k++) {
    let c = 0;
    for (let t = 0; t + k < n; t++) c += (y[t]! - mean) * (y[t + k]! - mean);
    out[k - 1] = c / c0;
  }
  return out;
}

/**
 * Strength of seasonality at period m: the autocorrelation at lag m divided by its 90 % limit
 * (> 1 means seasonal). Zero when the series is too short to tell (fewer than three seasons).
 */
export function seasonalStrength(y: ArrayLike<number>, m: number): number {
  const n = y.length;
  if (m < 2 || n < 3 * m) return 0;
  const r = autocorrelation(y, m);
  let sum = 0;
  for (let k = 0; k < m - 1; k++) sum += r[k]! ** 2;
  const limit = (1.645 / Math.sqrt(n)) * Math.sqrt(1 + 2 * sum);
  return r[m - 1]! / limit;
}

/**
 * Seasonal indices of period m by classical decomposition (centred moving average), multiplicative
 * (ratios, mean 1) or additive (differences, mean 0). Index i belongs to positions t ≡ i (mod m).
 */
export function seasonalIndices(y: ArrayLike<number>, m: number, multiplicative: boolean): Float64Array {
  const n = y.length;
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  // Running window sum for the centred moving average.
  for (let t = half; t < n - half; t++) {
    let trend = 0;
    if (even) {
      trend = 0.5 * y[t - half]! + 0.5 * y[t + half]!;
      for (let j = t - half + 1; j < t + half; j++) trend += y[j]!;
    } else {
      for (let j = t - half; j <= t + half; j++) trend += y[j]!;
    }
    trend /= m;
    const ratio = multiplicative ? y[t]! / trend : y[t]! - trend;
    sums[t % m]! += ratio;
    counts[t % m]! += 1;
  }
  const out = new Float64Array(m);
  let mean = 0;
  for (let i = 0; i < m; i++) {
    out[i] = counts[i]! > 0 ? sums[i]! / counts[i]! : multiplicative ? 1 : 0;
    mean += out[i]! / m;
  }
  for (let i = 0; i < m; i++) out[i] = multiplicative ? out[i]! / mean : out[i]! - mean;
  return out;
}
