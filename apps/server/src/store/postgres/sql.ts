import type { FieldDef, Pool, PoolClient } from 'pg';
import type { Param, SelectDialect } from '../rows.js';

export type { Param };

/** Where a statement runs: the pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = Pool | PoolClient;

/** PostgreSQL type oids whose values pg hands back as strings (unless a global parser says otherwise). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * The stores speak plain values (numbers, strings, booleans, null — never bigint, Date or numeric
 * strings). Conversions are keyed on the column's type, not the JS value, so that a text column that
 * happens to hold digits stays a string, and so that a global type parser set elsewhere changes nothing.
 */
function plainValue(value: unknown, field: FieldDef): unknown {
  if (value === null || value === undefined) return null;
  if (field.dataTypeID === INT8_OID || field.dataTypeID === NUMERIC_OID) return Number(value);
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return value;
}

/** Runs a statement and returns its rows as arrays of plain values. */
export async function readRows(db: Queryable, sql: string, params: readonly Param[] = []): Promise<unknown[][]> {
  const result = await db.query<unknown[]>({ text: sql, values: [...params], rowMode: 'array' });
  return result.rows.map((row) => row.map((value, i) => plainValue(value, result.fields[i]!)));
}

/** Runs a statement and returns how many rows it changed. */
export async function execute(db: Queryable, sql: string, params: readonly Param[] = []): Promise<number> {
  const result = await db.query({ text: sql, values: [...params] });
  return result.rowCount ?? 0;
}

/**
 * SQL for a bound epoch-ms parameter as TIMESTAMPTZ (NULL stays NULL). Integer arithmetic on an
 * interval, not `to_timestamp(ms / 1000.0)`, whose float division can land a microsecond off.
 */
export const tsParam = (n: number) => `(timestamptz 'epoch' + $${n}::float8 * interval '1 millisecond')`;

/**
 * SQL reading a TIMESTAMPTZ as epoch milliseconds (a float8, so pg returns a number; NULL stays NULL).
 * Truncated like DuckDB's epoch_ms, so both tiers report the same millisecond.
 */
export const epochMs = (expr: string) => `trunc(extract(epoch from ${expr}) * 1000)::float8`;

/** SQL for a bound JSON parameter (bound as its text: pg would turn a JS array into a PostgreSQL array). */
export const jsonParam = (n: number) => `$${n}::jsonb`;

/**
 * How this tier reads times and JSON columns for the shared row mappers (store/rows.ts). JSON is
 * selected as `col::text` and parsed there, not by pg's jsonb parser, which keeps the stores
 * independent of how another module configured pg's type parsers.
 */
export const DIALECT: SelectDialect = {
  epochMs,
  jsonAsText: (column) => `${column}::text`,
};

/** SQLSTATE of a unique-key violation. */
export const UNIQUE_VIOLATION = '23505';

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Runs `work` in one transaction on one pooled client: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A failed ROLLBACK (connection gone) must not hide the error that caused it; the client is
    // then destroyed rather than handed back to the pool mid-transaction.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
