/**
 * A small Nelder–Mead simplex minimiser: the ETS and Theta likelihoods have 1–4 smoothing
 * parameters, are cheap to evaluate and not differentiable in closed form, so a derivative-free
 * search with a capped number of evaluations is the right tool (and keeps a forecast < 50 ms).
 */
export function nelderMead(f: (x: Float64Array) => number, start: Float64Array, maxEvals = 200, step = 0.5): Float64Array {
  const dim = start.length;
  const points: Float64Array[] = [];
  const values: number[] = [];
  for (let i = 0; i <= dim; i++) {
    const p = Float64Array.from(start);
    if (i > 0) p[i - 1]! += step;
    points.push(p);
    values.push(f(p));
  }
  let evals = dim + 1;
  const centroid = new Float64Array(dim);
  const trial = (from: Float64Array, towards: Float64Array, t: number): Float64Array => {
    const out = new Float64Array(dim);
    for (let j = 0; j < dim; j++) out[j] = from[j]! + t * (towards[j]! - from[j]!);
    return out;
  };
  while (evals < maxEvals) {
    // Order best → worst (dim ≤ 4: an insertion sort is plenty).
    for (let i = 1; i <= dim; i++) {
      for (let k = i; k > 0 && values[k]! < values[k - 1]!; k--) {
        [values[k], values[k - 1]] = [values[k - 1]!, values[k]!];
        [points[k], points[k - 1]] = [points[k - 1]!, points[k]!];
      }
    }
    if (Math.abs(values[dim]! - values[0]!) <= 1e-8 * (Math.abs(values[0]!) + 1e-12)) break;
    centroid.fill(0);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j]! += points[i]![j]! / dim;
    const worst = points[dim]!;
    const reflected = trial(centroid, worst, -1);
    const fr = f(reflected);
    evals++;
    if (fr < values[0]!) {
      const expanded = trial(centroid, worst, -2);
      const fe = f(expanded);
      evals++;
      if (fe < fr) {
        points[dim] = expanded;
        values[dim] = fe;
      } else {
        points[dim] = reflected;
        values[dim] = fr;
      }
    } else if (fr < values[dim - 1]!) {
      points[dim] = reflected;
      values[dim] = fr;
    } else {
      const contracted = fr < values[dim]! ? trial(centroid, worst, -0.5) : trial(centroid, worst, 0.5);
      const fc = f(contracted);
      evals++;
      if (fc < Math.min(fr, values[dim]!)) {
        points[dim] = contracted;
        values[dim] = fc;
      } else {
        // Shrink towards the best point.
        for (let i = 1; i <= dim; i++) {
          points[i] = trial(points[0]!, points[i]!, 0.5);
          values[i] = f(points[i]!);
          evals++;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= dim; i++) if (values[i]! < values[best]!) best = i;
  return points[best]!;
}
