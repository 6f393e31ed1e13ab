import { DOUBLE, type DuckDBInstance, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { IngestResult } from '@sightline/protocol';
import type { EventStore, ResolvedEvent, Row } from '../types.js';
import { ConnectionPool } from './connection-pool.js';
import { EventWriter } from './event-writer.js';
import { toPlainValue } from './values.js';

/** The embedded tier's event store: one DuckDB file, group-committed writes, pooled reads. */
export class DuckDbEventStore implements EventStore {
  readonly dialectName = 'duckdb';

  private constructor(
    private readonly writer: EventWriter,
    private readonly readers: ConnectionPool,
  ) {}

  static async open(instance: DuckDBInstance, readConnections = 2): Promise<DuckDbEventStore> {
    return new DuckDbEventStore(await EventWriter.open(instance), await ConnectionPool.open(instance, readConnections));
  }

  append(events: readonly ResolvedEvent[]): Promise<IngestResult> {
    return this.writer.append(events);
  }

  query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.readers.use(async (connection) => {
      // The query engine binds only strings, numbers, booleans and null, all of them DuckDB values.
      const reader = await connection.runAndReadAll(sql, params as DuckDBValue[], parameterTypes(params));
      return reader.getRowsJS().map((row) => row.map(toPlainValue));
    });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.readers.close();
  }
}

/**
 * The client binds a whole JS number as a 64-bit integer, which fails past 2^63 (a filter on
 * `value > 1e21`): numbers that are not safe integers are bound as DOUBLE, the rest inferred.
 */
function parameterTypes(params: readonly unknown[]): DuckDBType[] | undefined {
  let types: (DuckDBType | undefined)[] | undefined;
  params.forEach((p, i) => {
    if (typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p)) (types ??= [])[i] = DOUBLE;
  });
  if (types) types.length = params.length;
  // A hole means "infer from the value" (the client binds `types[i]` as given, undefined included).
  return types as DuckDBType[] | undefined;
}
