import type { DuckDBValue } from '@duckdb/node-api';
import type { ConnectionPool } from './connection-pool.js';
import { toPlainValue } from './values.js';

/** A bound value: the metadata stores bind only these (times as epoch ms, JSON as text). */
export type Param = string | number | boolean | null;

/** Runs a statement and returns its rows as plain values (numbers, strings, booleans, null). */
export function readRows(pool: ConnectionPool, sql: string, params: readonly Param[] = []): Promise<unknown[][]> {
  return pool.use(async (connection) => {
    const reader = await connection.runAndReadAll(sql, params as DuckDBValue[]);
    return reader.getRowsJS().map((row) => row.map(toPlainValue));
  });
}

/** Runs a statement and returns how many rows it changed. */
export function execute(pool: ConnectionPool, sql: string, params: readonly Param[] = []): Promise<number> {
  return pool.use(async (connection) => Number((await connection.run(sql, params as DuckDBValue[])).rowsChanged));
}

/** SQL for a bound epoch-ms parameter as TIMESTAMPTZ (NULL stays NULL). */
export const tsParam = (n: number) => `make_timestamptz($${n}::BIGINT * 1000)`;

/** Reads a JSON column that was written as text. */
export function parseJson<T>(text: unknown): T {
  return JSON.parse(String(text)) as T;
}

export const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
