import { DOUBLE, type DuckDBConnection, type DuckDBInstance, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { StoredEvent } from '@sightline/protocol';
import {
  duckdbDialect,
  ROLLUP_TABLE,
  rollupCompactStatements,
  rollupRebuildStatements,
  rollupRepairStatements,
  type RollupLayout,
} from '@sightline/query';
import { actorFilter, toStoredEvent } from '../rows.js';
import type { EventStore, ResolvedEvent, Row, StoredBatch } from '../types.js';
import { ConnectionPool } from './connection-pool.js';
import { EventWriter } from './event-writer.js';
import { toPlainValue } from './values.js';

/** The embedded tier's event store: one DuckDB file, group-committed writes, pooled reads. */
export class DuckDbEventStore implements EventStore {
  readonly dialectName = 'duckdb';

  /** Declared rollup dimensions; replaced (never mutated) on a change, so the writer sees a new object. */
  private layout: RollupLayout;
  /** Serialises rollup maintenance (rebuild, repair, compaction): two of them would delete the same rows. */
  private maintenance: Promise<unknown> = Promise.resolve();
  private writer!: EventWriter;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly readers: ConnectionPool,
    layout: RollupLayout,
  ) {
    this.layout = layout;
  }

  static async open(instance: DuckDBInstance, readConnections = 2): Promise<DuckDbEventStore> {
    const readers = await ConnectionPool.open(instance, readConnections);
    const store = new DuckDbEventStore(instance, readers, await readLayout(readers));
    store.writer = await EventWriter.open(instance, () => store.layout);
    return store;
  }

  rollupLayout(): RollupLayout {
    return this.layout;
  }

  reloadRollupLayout(): Promise<void> {
    // Serialised with the rebuilds, which set the layout themselves: a read never overtakes one.
    return this.serially(async () => {
      this.layout = await readLayout(this.readers);
    });
  }

  setRollupDimensions(source: string, fields: readonly string[]): Promise<void> {
    // No group may commit deltas written for the old layout after the rebuild read the events.
    return this.serially(() =>
      this.writer.exclusive(async () => {
        const next = new Map(this.layout);
        if (fields.length > 0) next.set(source, [...fields]);
        else next.delete(source);
        await this.transaction(async (c) => {
          await c.run('UPDATE sources SET rollup_dimensions = $1::JSON WHERE name = $2', [JSON.stringify(fields), source]);
          for (const s of rollupRebuildStatements(duckdbDialect, next, source)) await c.run(s.sql, s.params as DuckDBValue[]);
        });
        this.layout = next;
      }),
    );
  }

  compactRollups(): Promise<number> {
    // Concurrent ingest is fine: DuckDB's snapshot keeps rows appended meanwhile out of the merge.
    return this.serially(() =>
      this.transaction(async (c) => {
        const before = await rollupRowCount(c);
        for (const sql of rollupCompactStatements(duckdbDialect)) await c.run(sql);
        return before - (await rollupRowCount(c));
      }),
    );
  }

  deleteOlderThan(source: string, beforeMs: number): Promise<number> {
    return this.deleteRepairing('source = $1 AND ts < make_timestamptz($2::BIGINT * 1000)', [source, beforeMs]);
  }

  /**
   * Deletes the events matching `where` and rebuilds the rollups of every source-day they fell in
   * from the events that remain, in one transaction.
   */
  private deleteRepairing(where: string, params: DuckDBValue[]): Promise<number> {
    return this.serially(() =>
      this.transaction(async (c) => {
        await c.run(
          `CREATE OR REPLACE TEMP TABLE rollup_affected AS SELECT DISTINCT source, CAST(fdiv(epoch_ms(ts), 86400000) AS BIGINT) * 86400000 AS bucket FROM events WHERE ${where}`,
          params,
        );
        const deleted = Number((await c.run(`DELETE FROM events WHERE ${where}`, params)).rowsChanged);
        if (deleted > 0) for (const sql of rollupRepairStatements(duckdbDialect, this.layout, 'rollup_affected')) await c.run(sql);
        await c.run('DROP TABLE rollup_affected');
        return deleted;
      }),
    );
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(operation, operation);
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  private transaction<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.readers.use(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        const result = await work(c);
        await c.run('COMMIT');
        return result;
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
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
      for await (const rows of result.yieldRowsJs()) yield rows.map((row) => toStoredEvent(row.map(toPlainValue)));
    } finally {
      // Also reached when the consumer stops early (a client that went away).
      connection.closeSync();
    }
  }

  eraseActor(actors: readonly string[], sources?: readonly string[]): Promise<number> {
    const where = actorFilter(actors, sources);
    if (!where) return Promise.resolve(0);
    return this.deleteRepairing(where.sql, where.params);
  }

  async sourcesOfActor(actors: readonly string[]): Promise<string[]> {
    const where = actorFilter(actors);
    if (!where) return [];
    return (await this.query(`SELECT DISTINCT source FROM events WHERE ${where.sql} ORDER BY source`, where.params)).map((row) => String(row[0]));
  }

  /** The writer hands seqs out in this process, in order; what it handed out is stored or failed. */
  highestSeq(): Promise<number> {
    return this.writer.drain().then(() => this.writer.seqHighWater);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.readers.close();
  }
}

async function rollupRowCount(c: DuckDBConnection): Promise<number> {
  const counts = Object.values(ROLLUP_TABLE).map((t) => `(SELECT count(*) FROM ${t})`);
  return Number((await c.runAndReadAll(`SELECT ${counts.join(' + ')}`)).getRows()[0]![0]);
}

/** Declared rollup dimensions per source, from `sources.rollup_dimensions`. */
async function readLayout(readers: ConnectionPool): Promise<RollupLayout> {
  const rows = await readers.use(async (c) => (await c.runAndReadAll('SELECT name, rollup_dimensions::VARCHAR FROM sources')).getRowsJS());
  const layout = new Map<string, string[]>();
  for (const [name, dims] of rows) {
    const fields = dims === null ? [] : (JSON.parse(String(dims)) as string[]);
    if (fields.length > 0) layout.set(String(name), fields);
  }
  return layout;
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
