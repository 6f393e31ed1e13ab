/**
 * DuckDB hands back bigint for BIGINT/HUGEINT and Date for timestamps; the rest of Sightline speaks
 * plain JSON values. Counts never pass 2^53 in practice, so Number is exact where it matters.
 */
export function toPlainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return value;
}
