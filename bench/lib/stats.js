// Figures from timings: nearest-rank percentiles of a sorted list, and rounding for the JSON line.
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
export const round = (x) => Math.round(x * 100) / 100;
