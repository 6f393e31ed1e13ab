import type { DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
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
      const reader = await connection.runAndReadAll(sql, params as DuckDBValue[]);
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
