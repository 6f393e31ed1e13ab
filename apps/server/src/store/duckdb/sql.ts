import type { DuckDBValue } from '@duckdb/node-api';
import type { Param, SelectDialect } from '../rows.js';
import type { ConnectionPool } from './connection-pool.js';
import { toPlainValue } from './values.js';

export type { Param };

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

/** How the embedded tier reads times and JSON columns for the shared row mappers (store/rows.ts). */
export const DIALECT: SelectDialect = {
  epochMs: (column) => `epoch_ms(${column})`,
  jsonAsText: (column) => `${column}::VARCHAR`,
};
