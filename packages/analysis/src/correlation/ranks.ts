/**
 * Ranks for Spearman's correlation: 1-based, ties get the average of the ranks they span (so
 * that tied values count the same whichever comes first). One argsort (an index array sorted by
 * value: measured faster than sorting a copy and binary-searching each value), then one pass
 * over the runs of equal values.
 */
export function averageRanks(values: Float64Array): Float64Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    const rank = (i + 1 + j) / 2; // mean of the ranks i+1 … j
    for (let k = i; k < j; k++) ranks[order[k]!] = rank;
    i = j;
  }
  return ranks;
}
