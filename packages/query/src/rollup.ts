/**
 * Rollups: pre-aggregated event counts and value statistics per (source, name, UTC bucket, declared
 * dimensions) at three grains. This module writes the SQL that maintains them (pure, dialect-aware,
 * no I/O); rollup-plan.ts answers trend statements from them. See docs/rollups.md.
 *
 * Rows are append-only deltas: each ingest group appends its own aggregated rows in the transaction
 * that inserts its events, and compaction later merges rows of the same key. Every reader
 * re-aggregates (sum of events, min of value_min, …), so deltas are exact at any time.
 *
 * A dimension slot holds exactly the text `dialect.propText` gives for the declared field, so a
 * rollup grouped or filtered by it is byte-identical to the raw query.
 */
import type { CompiledStatement } from './compile.js';
import type { Dialect } from './dialect.js';
import { DAY_MS, parseField } from './grammar.js';

export type RollupGrain = 'minute' | 'hour' | 'day';
export const ROLLUP_GRAINS: readonly RollupGrain[] = ['minute', 'hour', 'day'];
export const ROLLUP_TABLE: Record<RollupGrain, string> = { minute: 'rollup_minute', hour: 'rollup_hour', day: 'rollup_day' };
export const ROLLUP_GRAIN_MS: Record<RollupGrain, number> = { minute: 60_000, hour: 3_600_000, day: DAY_MS };
/** At most this many declared dimensions per source (slots d1..d3). */
export const ROLLUP_MAX_DIMENSIONS = 3;
/** Advisory lock key (PostgreSQL) serialising compaction, repair and rebuild: "Roll" in ASCII. */
export const ROLLUP_LOCK = 0x526f6c6c;

/** Declared dimensions per source: `props.<path>` fields, at most 3, in slot order d1..d3. */
export type RollupLayout = ReadonlyMap<string, readonly string[]>;

/** The key columns and the aggregate columns of every rollup table, in table order. */
export const ROLLUP_KEY_COLUMNS = ['source', 'name', 'bucket', 'd1', 'd2', 'd3'] as const;
export const ROLLUP_VALUE_COLUMNS = ['events', 'value_count', 'value_sum', 'value_min', 'value_max'] as const;

/**
 * CREATE statements of the three rollup tables and their (source, bucket) indexes, valid on DuckDB and
 * PostgreSQL alike (TEXT and DOUBLE PRECISION are both spellings DuckDB accepts). Idempotent.
 * `textType`: PostgreSQL wants `TEXT COLLATE "C"`, so that text comparisons on these columns order
 * by code point as they do on the events table's columns and on `propText`.
 */
export function rollupCreateStatements(options: { index?: boolean; textType?: string } = {}): string[] {
  const text = options.textType ?? 'TEXT';
  return ROLLUP_GRAINS.flatMap((g) => {
    const t = ROLLUP_TABLE[g];
    const table =
      `CREATE TABLE IF NOT EXISTS ${t} (source ${text} NOT NULL, name ${text} NOT NULL, bucket BIGINT NOT NULL, ` +
      `d1 ${text}, d2 ${text}, d3 ${text}, events BIGINT NOT NULL, value_count BIGINT NOT NULL, ` +
      `value_sum DOUBLE PRECISION, value_min DOUBLE PRECISION, value_max DOUBLE PRECISION)`;
    return options.index === false ? [table] : [table, `CREATE INDEX IF NOT EXISTS ${t}_source_bucket ON ${t} (source, bucket)`];
  });
}

/**
 * Why a declared dimension list is refused, or undefined when it is valid: at most 3 distinct
 * `props.<path>` fields of the query language's grammar. Reported per index for problem details.
 */
export function rollupDimensionsProblems(fields: unknown): { index?: number; detail: string }[] {
  if (!Array.isArray(fields)) return [{ detail: 'must be an array of props.<path> fields' }];
  const problems: { index?: number; detail: string }[] = [];
  if (fields.length > ROLLUP_MAX_DIMENSIONS) problems.push({ detail: `at most ${ROLLUP_MAX_DIMENSIONS} dimensions` });
  const seen = new Set<string>();
  fields.forEach((f, index) => {
    const field = parseField(f);
    if (field?.kind !== 'prop') problems.push({ index, detail: 'must be props.<path> (1-8 segments of [A-Za-z_][A-Za-z0-9_]{0,63} joined by ".")' });
    else if (seen.has(f as string)) problems.push({ index, detail: 'is declared twice' });
    seen.add(f as string);
  });
  return problems;
}

/** The props path of a declared `props.<path>` field; throws on anything else (callers validate first). */
function declaredPath(field: string): readonly string[] {
  const parsed = parseField(field);
  if (parsed?.kind !== 'prop') throw new Error(`not a rollup dimension: ${field}`);
  return parsed.path;
}

/** A SQL string literal. Only source names (SOURCE_PATTERN) reach it; quotes are doubled anyway. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The text of dimension slot `slot` (0-based) of a row of `alias`: the declaring source's prop, else NULL. */
function slotSql(dialect: Dialect, layout: RollupLayout, slot: number, alias: string): string {
  const cases: string[] = [];
  for (const [source, fields] of [...layout.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (slot < fields.length) cases.push(`WHEN ${literal(source)} THEN ${dialect.propText(`${alias}.props`, declaredPath(fields[slot]))}`);
  }
  return cases.length === 0 ? 'CAST(NULL AS TEXT)' : `CASE ${alias}.source ${cases.join(' ')} END`;
}

/** The epoch-ms start of the UTC `grain` bucket holding `alias`.ts. */
function bucketSql(dialect: Dialect, grain: RollupGrain, alias: string): string {
  const ms = ROLLUP_GRAIN_MS[grain];
  return `CAST(${dialect.floorDiv(dialect.epochMs(`${alias}.ts`), ms, false)} AS BIGINT) * ${ms}`;
}

/**
 * INSERT … SELECT statements (one per grain, no placeholders) that append the aggregated deltas of
 * `relation` — any SQL relation (a table name or a parenthesised subquery, aliased or not) with the
 * columns source, name, ts (timestamptz), value (double), props (JSON/JSONB) — to the rollup tables.
 * Placeholders inside `relation` are kept (each statement writes it once).
 */
export function rollupDeltaStatements(dialect: Dialect, layout: RollupLayout, relation: string): string[] {
  // Re-selecting the five columns names the relation uniformly; PostgreSQL (before 16) wants an
  // alias on every subquery in FROM, so an unaliased one gets one.
  const input = relation.trim().endsWith(')') ? `${relation} AS rollup_in` : relation;
  const from = `(SELECT source, name, ts, value, props FROM ${input}) AS rollup_src`;
  const slots = [0, 1, 2].map((i) => slotSql(dialect, layout, i, 'rollup_src'));
  return ROLLUP_GRAINS.map(
    (grain) =>
      `INSERT INTO ${ROLLUP_TABLE[grain]} (${ROLLUP_KEY_COLUMNS.join(', ')}, ${ROLLUP_VALUE_COLUMNS.join(', ')}) ` +
      `SELECT rollup_src.source, rollup_src.name, ${bucketSql(dialect, grain, 'rollup_src')}, ${slots.join(', ')}, ` +
      `count(*), count(rollup_src.value), sum(rollup_src.value), min(rollup_src.value), max(rollup_src.value) ` +
      `FROM ${from} GROUP BY 1, 2, 3, 4, 5, 6`,
  );
}

/** DELETE every rollup row of `source`, then INSERT … SELECT them again from `events` (one transaction). */
export function rollupRebuildStatements(dialect: Dialect, layout: RollupLayout, source: string): CompiledStatement[] {
  const p = dialect.placeholder(1);
  const deletes = ROLLUP_GRAINS.map((g) => ({ sql: `DELETE FROM ${ROLLUP_TABLE[g]} WHERE source = ${p}`, params: [source] }));
  const inserts = rollupDeltaStatements(dialect, layout, `(SELECT source, name, ts, value, props FROM events WHERE source = ${p}) AS rollup_rebuild`).map(
    (sql) => ({ sql, params: [source] }),
  );
  return [...deletes, ...inserts];
}

/**
 * After events were deleted (privacy erasure, retention): `affected` is a relation with columns
 * (source TEXT, bucket BIGINT) holding the epoch-ms start of every *day* (UTC) the deleted events
 * fell in — fill it before the DELETE, e.g. a temp table. The statements delete the rollup rows of
 * those source-days at every grain and re-insert them from the events that remain. Same
 * transaction as the DELETE. No placeholders.
 */
export function rollupRepairStatements(dialect: Dialect, layout: RollupLayout, affected: string): string[] {
  const deletes = ROLLUP_GRAINS.map((g) => {
    const t = ROLLUP_TABLE[g];
    return (
      `DELETE FROM ${t} WHERE EXISTS (SELECT 1 FROM ${affected} rollup_aff ` +
      `WHERE rollup_aff.source = ${t}.source AND ${t}.bucket >= rollup_aff.bucket AND ${t}.bucket < rollup_aff.bucket + ${DAY_MS})`
    );
  });
  const remaining =
    `(SELECT e.source, e.name, e.ts, e.value, e.props FROM events e WHERE EXISTS (SELECT 1 FROM ${affected} rollup_aff ` +
    `WHERE rollup_aff.source = e.source AND e.ts >= ${dialect.instantFromMs('rollup_aff.bucket')} ` +
    `AND e.ts < ${dialect.instantFromMs(`rollup_aff.bucket + ${DAY_MS}`)})) AS rollup_remaining`;
  return [...deletes, ...rollupDeltaStatements(dialect, layout, remaining)];
}

/** The temp table compaction stages merged rows in (session-local; dropped by the last statement). */
const COMPACT_TEMP = 'rollup_compacted';

/**
 * Merges delta rows with the same key into one, per grain. Run in one transaction that sees a
 * snapshot (PostgreSQL: REPEATABLE READ) so rows appended meanwhile by ingest are left alone;
 * never concurrently with itself or a repair (PostgreSQL: take pg_advisory_xact_lock(ROLLUP_LOCK)).
 * No placeholders. Rows removed = rows before − rows after (the caller counts).
 */
export function rollupCompactStatements(dialect: Dialect): string[] {
  void dialect; // standard SQL only; kept for symmetry with the other builders
  const keys = ROLLUP_KEY_COLUMNS.join(', ');
  const match = (t: string) => ROLLUP_KEY_COLUMNS.map((c) => `${COMPACT_TEMP}.${c} IS NOT DISTINCT FROM ${t}.${c}`).join(' AND ');
  const out: string[] = [];
  for (const g of ROLLUP_GRAINS) {
    const t = ROLLUP_TABLE[g];
    out.push(
      `CREATE TEMP TABLE ${COMPACT_TEMP} AS SELECT ${keys}, CAST(sum(events) AS BIGINT) AS events, ` +
        `CAST(sum(value_count) AS BIGINT) AS value_count, sum(value_sum) AS value_sum, min(value_min) AS value_min, ` +
        `max(value_max) AS value_max FROM ${t} GROUP BY ${keys} HAVING count(*) > 1`,
      `DELETE FROM ${t} WHERE EXISTS (SELECT 1 FROM ${COMPACT_TEMP} WHERE ${match(t)})`,
      `INSERT INTO ${t} (${keys}, ${ROLLUP_VALUE_COLUMNS.join(', ')}) SELECT ${keys}, ${ROLLUP_VALUE_COLUMNS.join(', ')} FROM ${COMPACT_TEMP}`,
      `DROP TABLE ${COMPACT_TEMP}`,
    );
  }
  return out;
}
