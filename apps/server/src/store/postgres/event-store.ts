import type { StoredEvent } from '@sightline/protocol';
import {
  ROLLUP_LOCK,
  postgresDialect,
  rollupCompactStatements,
  rollupRebuildStatements,
  rollupRepairStatements,
  type RollupLayout,
} from '@sightline/query';
import type pg from 'pg';
import { AppError } from '../../errors.js';
import { actorFilter, toStoredEvent } from '../rows.js';
import type { EventStore, ResolvedEvent, Row, StoredBatch } from '../types.js';
import { checkout, type Checkout } from './database.js';
import { PgEventWriter, type GroupCommitted } from './event-writer.js';
import type { Partitions } from './partitions.js';
import { INGEST_LOCK } from './schema.js';
import { asUnavailable } from './unavailable.js';

const DAY_MS = 86_400_000;
/** Rows a cursor fetch brings: a chunk of eventsOfActor. */
const FETCH_ROWS = 2048;
/** How often an instance re-reads the rollup layout (another instance may have changed it). */
const LAYOUT_REFRESH_MS = 10_000;
/**
 * ANALYZE policy. Autovacuum never analyzes a partitioned table itself (only its partitions), and
 * the planner's group estimates for time buckets come from the parent's statistics (schema.ts): the
 * store runs `ANALYZE events` in the background once this instance has added 10 % of the rows
 * there were at the last ANALYZE, and at least MIN_ANALYZE_ROWS.
 */
const MIN_ANALYZE_ROWS = 50_000;

const ROLLUP_TABLES = ['rollup_minute', 'rollup_hour', 'rollup_day'] as const;

/**
 * The production tier's event store: events in a month-partitioned PostgreSQL table, written by the
 * group-commit writer, read through a pool. Errors that say PostgreSQL is unreachable come out as
 * `database_unavailable` (503); the pool replaces broken connections, so the store recovers by
 * itself when PostgreSQL is back.
 */
export class PgEventStore implements EventStore {
  readonly dialectName = 'postgres';
  private readonly writer: PgEventWriter;
  private layout: RollupLayout = new Map();
  /** Bumped whenever this instance sets the layout: a reload that read before must not overwrite it. */
  private layoutVersion = 0;
  /** Reloads run one after the other, so the last one read last. */
  private layoutReload: Promise<void> = Promise.resolve();
  private readonly layoutTimer: NodeJS.Timeout;
  private addedSinceAnalyze = 0;
  private rowsAtAnalyze = 0;
  private analyzing: Promise<void> | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    writerPool: pg.Pool,
    partitions: Partitions,
  ) {
    this.writer = new PgEventWriter(writerPool, partitions, (group) => this.groupCommitted(group));
    this.layoutTimer = setInterval(() => void this.reloadRollupLayout().catch(() => undefined), LAYOUT_REFRESH_MS);
    this.layoutTimer.unref();
  }

  /** `pool` serves reads and maintenance; `writerPool` the ingest groups (their temp tables live on its connections). */
  static async open(pool: pg.Pool, writerPool: pg.Pool, partitions: Partitions): Promise<PgEventStore> {
    const store = new PgEventStore(pool, writerPool, partitions);
    await store.reloadRollupLayout();
    const estimate = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
    );
    store.rowsAtAnalyze = Number(estimate.rows[0]?.n ?? 0);
    return store;
  }

  append(events: readonly ResolvedEvent[]): Promise<StoredBatch> {
    return this.writer.append(events);
  }

  async query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    // PostgreSQL cannot even receive text holding U+0000: a clear refusal rather than a 500.
    if (params.some((p) => typeof p === 'string' && p.includes('\u0000'))) {
      throw new AppError('invalid_query', { detail: 'The PostgreSQL store cannot compare text holding the character U+0000 (NUL)' });
    }
    try {
      const result = await this.pool.query<unknown[]>({ text: sql, values: params as unknown[], rowMode: 'array' });
      return result.rows;
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  async *eventsOfActor(actors: readonly string[], sources?: readonly string[]): AsyncIterable<StoredEvent[]> {
    const where = actorFilter(actors, sources);
    if (!where) return;
    // A cursor in a read-only transaction on a connection of its own, fetched chunk by chunk only as
    // the consumer asks: memory stays flat and a slow export holds one connection, not the pool.
    const held = await this.connect();
    const client = held.client;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN READ ONLY');
      await client.query({
        text: `DECLARE actor_events NO SCROLL CURSOR FOR SELECT id, source, name, ${postgresDialect.epochMs('ts')}, actor, value, props::text
          FROM events WHERE ${where.sql} ORDER BY ts, seq`,
        values: where.params,
      });
      for (;;) {
        const chunk = await client.query<unknown[]>({ text: `FETCH ${FETCH_ROWS} FROM actor_events`, rowMode: 'array' });
        if (chunk.rows.length === 0) break;
        yield chunk.rows.map(toStoredEvent);
      }
      await client.query('COMMIT');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw asUnavailable(error);
    } finally {
      // Also reached when the consumer stops early: the transaction (and its cursor) must not leak.
      if (broken === undefined) await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      held.release(broken);
    }
  }

  async eraseActor(actors: readonly string[], sources?: readonly string[]): Promise<number> {
    const where = actorFilter(actors, sources);
    if (!where) return 0;
    return this.deleteRepairing(where.sql, where.params);
  }

  async sourcesOfActor(actors: readonly string[]): Promise<string[]> {
    const where = actorFilter(actors);
    if (!where) return [];
    return (await this.query(`SELECT DISTINCT source FROM events WHERE ${where.sql} ORDER BY source`, where.params)).map((row) => String(row[0]));
  }

  rollupLayout(): RollupLayout {
    return this.layout;
  }

  async setRollupDimensions(source: string, fields: readonly string[]): Promise<void> {
    // The ingest lock too: a group committing meanwhile would append deltas in the old layout.
    const layout = await this.maintain([ROLLUP_LOCK, INGEST_LOCK], async (client) => {
      await client.query('UPDATE sources SET rollup_dimensions = $2::jsonb WHERE name = $1', [source, JSON.stringify(fields)]);
      const next = new Map(this.layout);
      if (fields.length > 0) next.set(source, [...fields]);
      else next.delete(source);
      for (const s of rollupRebuildStatements(postgresDialect, next, source)) await client.query(s.sql, s.params);
      return next;
    });
    this.layout = layout;
    this.layoutVersion++;
  }

  reloadRollupLayout(): Promise<void> {
    const run = this.layoutReload.then(() => this.refreshLayout());
    this.layoutReload = run.catch(() => undefined);
    return run;
  }

  async compactRollups(): Promise<number> {
    return this.maintain([ROLLUP_LOCK], async (client) => {
      const count = async () => Number((await client.query<{ n: number }>(`SELECT (${ROLLUP_TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')}) AS n`)).rows[0]!.n);
      const before = await count();
      for (const sql of rollupCompactStatements(postgresDialect)) await client.query(sql);
      return before - (await count());
    });
  }

  async deleteOlderThan(source: string, beforeMs: number): Promise<number> {
    return this.deleteRepairing(`source = $1 AND ts < ${postgresDialect.instantFromMs('$2')}`, [source, beforeMs]);
  }

  /**
   * The sequence's value under the ingest lock: groups take seqs and commit while holding it, so
   * once it is ours every seq handed out is committed (or was rolled back, a gap nothing fills).
   * Cheaper than max(seq), which reads every month partition (no index on seq: ingest pays for one).
   */
  async highestSeq(): Promise<number> {
    // One simple-protocol query string runs as one implicit transaction: the lock is held for both
    // statements and released at its end.
    let results: pg.QueryResult[];
    try {
      results = (await this.pool.query(`SELECT pg_advisory_xact_lock(${INGEST_LOCK}); SELECT last_value, is_called FROM events_seq`)) as unknown as pg.QueryResult[];
    } catch (error) {
      throw asUnavailable(error);
    }
    const row = results[1]!.rows[0] as { last_value: number | string; is_called: boolean };
    return row.is_called ? Number(row.last_value) : Number(row.last_value) - 1;
  }

  /** A connection of our own (see database.ts `checkout`); an unreachable database is a 503. */
  private async connect(): Promise<Checkout> {
    try {
      return await checkout(this.pool);
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    clearInterval(this.layoutTimer);
    await this.writer.close();
    await this.analyzing;
  }

  /**
   * Deletes the events matching `where` with their event_ids rows and repairs the rollups of the
   * days they fell in, in one transaction (see maintain for its isolation).
   */
  private deleteRepairing(where: string, params: readonly unknown[]): Promise<number> {
    return this.maintain([ROLLUP_LOCK], async (client) => {
      const day = postgresDialect.floorDiv(postgresDialect.epochMs('ts'), DAY_MS, false);
      await client.query('CREATE TEMP TABLE rollup_affected (source TEXT, bucket BIGINT) ON COMMIT DROP');
      await client.query({
        text: `INSERT INTO rollup_affected SELECT DISTINCT source, ${day} * ${DAY_MS} FROM events WHERE ${where}`,
        values: params as unknown[],
      });
      const deleted = await client.query({
        text: `WITH gone AS (DELETE FROM events WHERE ${where} RETURNING source, id)
          DELETE FROM event_ids USING gone WHERE event_ids.source = gone.source AND event_ids.id = gone.id`,
        values: params as unknown[],
      });
      for (const sql of rollupRepairStatements(postgresDialect, this.layout, 'rollup_affected')) await client.query(sql);
      return deleted.rowCount ?? 0;
    });
  }

  /**
   * Rollup maintenance (compaction, repair, rebuild) in one REPEATABLE READ transaction: it reads
   * and rewrites one snapshot, so delta rows appended meanwhile by ingest are left alone, never
   * double counted. The advisory locks are session-level and taken before BEGIN, since in
   * REPEATABLE READ the first statement fixes the snapshot: taken inside, a compaction that committed
   * while we waited would be invisible to us and its rows rewritten twice.
   */
  private async maintain<T>(locks: readonly number[], work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const held = await this.connect();
    const client = held.client;
    let broken: Error | undefined;
    try {
      for (const lock of locks) await client.query('SELECT pg_advisory_lock($1)', [lock]);
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        try {
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      } finally {
        for (const lock of [...locks].reverse()) await client.query('SELECT pg_advisory_unlock($1)', [lock]);
      }
    } catch (error) {
      // The session may still hold a lock: never hand it back.
      broken = error instanceof Error ? error : new Error(String(error));
      throw asUnavailable(error);
    } finally {
      held.release(broken);
    }
  }

  /**
   * Reads the layout. A read that overlapped a change of the layout on this instance (a commit of
   * ours, which read it under the ingest lock) may be older than that: it is read again, a few
   * times at most — under steady ingest every committed group brings the current layout anyway.
   */
  private async refreshLayout(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const version = this.layoutVersion;
      const result = await this.pool.query<{ name: string; dims: string }>(
        `SELECT name, rollup_dimensions::text AS dims FROM sources WHERE rollup_dimensions <> '[]'::jsonb`,
      );
      if (version !== this.layoutVersion) continue;
      const layout = new Map<string, readonly string[]>();
      for (const row of result.rows) {
        const dims = JSON.parse(row.dims) as unknown;
        if (Array.isArray(dims) && dims.length > 0) layout.set(row.name, dims.map(String));
      }
      this.layout = layout;
      return;
    }
  }

  private groupCommitted(group: GroupCommitted): void {
    this.layout = group.layout;
    this.layoutVersion++;
    this.addedSinceAnalyze += group.accepted;
    if (this.analyzing || this.addedSinceAnalyze < Math.max(MIN_ANALYZE_ROWS, this.rowsAtAnalyze * 0.1)) return;
    const added = this.addedSinceAnalyze;
    this.addedSinceAnalyze = 0;
    this.analyzing = this.pool
      .query('ANALYZE events')
      .then(() => {
        this.rowsAtAnalyze += added;
      })
      .catch(() => {
        // Statistics are an optimisation: try again after the next threshold.
      })
      .finally(() => (this.analyzing = undefined));
  }
}
