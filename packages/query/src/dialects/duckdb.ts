import type { Dialect } from '../dialect.js';

/**
 * DuckDB (1.5, ICU and JSON built in). Props paths are inlined as `'$.a.b'` literals rather than
 * bound: each segment has passed [A-Za-z_][A-Za-z0-9_]{0,63}, so no quote or JSONPath syntax can
 * occur, and a constant path lets DuckDB parse it once at bind time and lets the same dimension
 * expression in SELECT and GROUP BY be recognised as one (a bound path would be a different
 * parameter in each place). Quotes are still doubled, as a second line of defence.
 */
const jsonPath = (path: readonly string[]) => `'$.${path.join('.').replaceAll("'", "''")}'`;

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  placeholder: () => '?',
  instantFromMs: (p) => `make_timestamptz(CAST(${p} AS BIGINT) * 1000)`,
  bigint: (p) => `CAST(${p} AS BIGINT)`,
  epochMs: (c) => `epoch_ms(${c})`,
  addMs: (instant, p) => `${instant} + to_milliseconds(CAST(${p} AS BIGINT))`,
  propText: (c, path) => `(${c} ->> ${jsonPath(path)})`,
  propNumber: (c, path) =>
    `CASE WHEN json_type(${c}, ${jsonPath(path)}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST(${c} ->> ${jsonPath(path)} AS DOUBLE) END`,
  // DuckDB prints 10.0 for a whole double and 1e-05 for 0.00001; JS prints 10 and 0.00001. Its
  // JSON writer gives the shortest form, as `->>` does for a number in props (1e21 for JS's 1e+21).
  numberText: (e) =>
    `CASE WHEN ${e} = trunc(${e}) AND abs(${e}) < 1e21 THEN CAST(CAST(${e} AS HUGEINT) AS VARCHAR) ELSE CAST(to_json(${e}) AS VARCHAR) END`,
  // `//` truncates towards zero: exact (and fastest) for non-negative dividends; fdiv floors.
  floorDiv: (a, b, nonNegative) => (nonNegative ? `(${a}) // ${b}` : `fdiv(${a}, ${b})`),
  // Month boundaries crossed since 1970-01 (+ 1970 × 12): `ms` must appear once (it may hold placeholders).
  monthIndex: (ms) => `(datediff('month', TIMESTAMP '1970-01-01 00:00:00', make_timestamp((${ms}) * 1000)) + 23640)`,
  percentile: (e, f) => `quantile_cont(${e}, ${f})`,
  countDistinct: (e) => `count(DISTINCT ${e})`,
  // ASOF picks, per left row, the nearest right row with right.ts >= left ts: one sort-merge pass.
  nextAtOrAfterJoin: (right, alias, actor, ts) =>
    `ASOF LEFT JOIN ${right} ${alias} ON ${alias}.actor = ${actor} AND ${alias}.ts >= ${ts}`,
};
