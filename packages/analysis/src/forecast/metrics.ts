/** The M4 accuracy measures, as in the competition's evaluation code. */

/** Symmetric MAPE in percent: mean of 200|y−f|/(|y|+|f|) (a pair of zeros counts as 0). */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const denom = Math.abs(actual[i]!) + Math.abs(forecast[i]!);
    sum += denom === 0 ? 0 : (200 * Math.abs(actual[i]! - forecast[i]!)) / denom;
  }
  return sum / actual.length;
}

/** In-sample mean absolute seasonal-naive error (the MASE scale); m = 1 for non-seasonal data. */
export function maseScale(history: ArrayLike<number>, m: number): number {
  const lag = history.length > m ? m : 1;
  let sum = 0;
  for (let t = lag; t < history.length; t++) sum += Math.abs(history[t]! - history[t - lag]!);
  return history.length > lag ? sum / (history.length - lag) : 0;
}

/** Mean absolute error scaled by `scale` (returns 0 when the scale is 0 and the errors are 0). */
export function mase(actual: ArrayLike<number>, forecast: ArrayLike<number>, scale: number): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - forecast[i]!);
  const mae = sum / actual.length;
  if (scale > 0) return mae / scale;
  return mae === 0 ? 0 : Infinity;
}
