import { DOUBLE, type DuckDBInstance, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { StoredEvent } from '@sightline/protocol';
import type { EventStore, ResolvedEvent, Row, StoredBatch } from '../types.js';
import { ConnectionPool } from './connection-pool.js';
import { EventWriter } from './event-writer.js';
import { toPlainValue } from './values.js';

/** The embedded tier's event store: one DuckDB file, group-committed writes, pooled reads. */
export class DuckDbEventStore implements EventStore {
  readonly dialectName = 'duckdb';

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: EventWriter,
    private readonly readers: ConnectionPool,
  ) {}

  static async open(instance: DuckDBInstance, readConnections = 2): Promise<DuckDbEventStore> {
    return new DuckDbEventStore(instance, await EventWriter.open(instance), await ConnectionPool.open(instance, readConnections));
  }

  append(events: readonly ResolvedEvent[]): Promise<StoredBatch> {
    return this.writer.append(events);
  }

  query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.readers.use(async (connection) => {
      // The query engine binds only strings, numbers, booleans and null, all of them DuckDB values.
      const reader = await connection.runAndReadAll(sql, params as DuckDBValue[], parameterTypes(params));
      return reader.getRowsJS().map((row) => row.map(toPlainValue));
    });
  }

  async *eventsOfActor(actors: readonly string[], sources?: readonly string[]): AsyncIterable<StoredEvent[]> {
    const where = actorFilter(actors, sources);
    if (!where) return;
    // A connection of its own: a long export to a slow client must not hold one of the pooled
    // readers that dashboards share. DuckDB streams the result chunk by chunk (2048 rows each), and
    // the next chunk is fetched only when the consumer asks for it.
    const connection = await this.instance.connect();
    try {
      const result = await connection.stream(
        `SELECT id, source, name, epoch_ms(ts), actor, value, props::VARCHAR FROM events WHERE ${where.sql} ORDER BY ts, seq`,
        where.params,
      );
      for await (const rows of result.yieldRowsJs()) yield rows.map(toStoredEvent);
    } finally {
      // Also reached when the consumer stops early (a client that went away).
      connection.closeSync();
    }
  }

  eraseActor(actors: readonly string[], sources?: readonly string[]): Promise<number> {
    const where = actorFilter(actors, sources);
    if (!where) return Promise.resolve(0);
    return this.readers.use(async (connection) => Number((await connection.run(`DELETE FROM events WHERE ${where.sql}`, where.params)).rowsChanged));
  }

  async sourcesOfActor(actors: readonly string[]): Promise<string[]> {
    const where = actorFilter(actors);
    if (!where) return [];
    return (await this.query(`SELECT DISTINCT source FROM events WHERE ${where.sql} ORDER BY source`, where.params)).map((row) => String(row[0]));
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.readers.close();
  }
}

/** `actor IN ($1, …) [AND source IN (…)]`, every value bound; undefined when it can match nothing. */
function actorFilter(actors: readonly string[], sources?: readonly string[]): { sql: string; params: string[] } | undefined {
  if (actors.length === 0 || sources?.length === 0) return undefined;
  const list = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
  let sql = `actor IN (${list(1, actors.length)})`;
  if (sources) sql += ` AND source IN (${list(actors.length + 1, sources.length)})`;
  return { sql, params: [...actors, ...(sources ?? [])] };
}

function toStoredEvent(row: unknown[]): StoredEvent {
  const [id, source, name, ts, actor, value, props] = row.map(toPlainValue);
  return {
    id: String(id),
    source: String(source),
    name: String(name),
    ts: Number(ts),
    actor: actor === null ? null : String(actor),
    value: value === null ? null : Number(value),
    props: props === null ? null : (JSON.parse(String(props)) as Record<string, unknown>),
  };
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
