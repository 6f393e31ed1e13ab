/** Orderings shared by trends and funnels: nulls last whatever the direction, strings by code point. */

/** Compares by Unicode code points, as DuckDB and PostgreSQL (C collation) order text. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates (astral characters) order differently by code unit and by code point.
    const cx = a.codePointAt(i) as number;
    const cy = b.codePointAt(i) as number;
    return cx < cy ? -1 : 1;
  }
  return a.length - b.length;
}

/** Ascending comparison of two cell values with nulls last; `desc` reverses all but the nulls. */
export function compareCells(a: unknown, b: unknown, desc = false): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') c = a < b ? -1 : a > b ? 1 : 0;
  else c = compareText(String(a), String(b));
  return desc ? -c : c;
}
