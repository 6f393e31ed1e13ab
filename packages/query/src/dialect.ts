/**
 * What differs between SQL databases. The compiler (compile.ts, funnel.ts) writes standard SQL and
 * asks the dialect only for these pieces; a dialect never sees a query, only SQL fragments the
 * compiler made and placeholders for bound values.
 *
 * A fragment passed in may contain placeholders, so a hook must write it exactly once (positional
 * placeholders would otherwise go out of step with the bound values), except where noted.
 */
export interface Dialect {
  readonly name: string;
  /** The placeholder of the `index`-th bound value (1-based). */
  placeholder(index: number): string;
  /** A constant instant from a placeholder bound to epoch milliseconds (exact to the millisecond). */
  instantFromMs(param: string): string;
  /** A placeholder bound to a JS number, read as a 64-bit integer. */
  bigint(param: string): string;
  /** Epoch milliseconds (integer) of a timestamp column. */
  epochMs(column: string): string;
  /** `instant + ms` where `param` is bound to a number of milliseconds. */
  addMs(instant: string, param: string): string;
  /**
   * The text of a JSON value at a path inside a JSON column (strings unquoted, numbers and
   * booleans as their JSON text, JSON null and missing as NULL). Segments match
   * [A-Za-z_][A-Za-z0-9_]{0,63}; the dialect may inline them (see its comment).
   */
  propText(column: string, path: readonly string[]): string;
  /** A JSON number at the path as a double; NULL for anything else (strings included). */
  propNumber(column: string, path: readonly string[]): string;
  /** The shortest decimal text of a double (`10`, `1.5`), as JSON would write it. `expr` is a column (may repeat). */
  numberText(expr: string): string;
  /** Integer division rounding down; `nonNegative` tells the dividend is never negative. */
  floorDiv(dividend: string, divisor: number, nonNegative: boolean): string;
  /** year × 12 + month − 1 of a wall-clock time given as epoch milliseconds. */
  monthIndex(localMs: string): string;
  /** Continuous percentile (linear interpolation), `fraction` one of 0.5, 0.9, 0.95, 0.99. */
  percentile(expr: string, fraction: number): string;
  countDistinct(expr: string): string;
  /**
   * A join clause attaching to each left row the earliest right row of the same actor at or after
   * `leftTs` (NULLs when none): `right` is a relation with columns `actor` and `ts`, aliased `alias`.
   */
  nextAtOrAfterJoin(right: string, alias: string, leftActor: string, leftTs: string): string;
}
