import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { postgresDialect, rollupDeltaStatements, type RollupLayout } from '@sightline/query';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppError } from '../../errors.js';
import type { ResolvedEvent, StoredBatch } from '../types.js';
import { checkout } from './database.js';
import type { Partitions } from './partitions.js';
import { INGEST_LOCK } from './schema.js';
import { asUnavailable } from './unavailable.js';

interface PendingRequest {
  events: readonly ResolvedEvent[];
  resolve: (result: StoredBatch) => void;
  reject: (error: unknown) => void;
}

/** What a committed group tells the store (for its ANALYZE policy and rollup layout). */
export interface GroupCommitted {
  accepted: number;
  layout: RollupLayout;
}

/**
 * Temp tables of a writer connection, emptied at every commit. `staging` receives the group by COPY;
 * `new_keys` the (source, id) pairs event_ids did not hold yet; `fresh` the group's new events,
 * numbered, in the shape rollupDeltaStatements reads.
 */
const TEMP_TABLES = `CREATE TEMP TABLE IF NOT EXISTS staging (
    ord BIGINT NOT NULL, source TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, name TEXT NOT NULL,
    ts_ms DOUBLE PRECISION NOT NULL, actor TEXT, value DOUBLE PRECISION, props TEXT
  ) ON COMMIT DELETE ROWS;
  CREATE TEMP TABLE IF NOT EXISTS new_keys (source TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL) ON COMMIT DELETE ROWS;
  CREATE TEMP TABLE IF NOT EXISTS fresh (
    seq BIGINT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL,
    actor TEXT, value DOUBLE PRECISION, props JSONB
  ) ON COMMIT DELETE ROWS`;

/**
 * event_ids takes every staged (source, id) it does not hold yet — ON CONFLICT DO NOTHING, so an id
 * another instance committed meanwhile is seen, not an error — and says which it took. Staging holds
 * each (source, id) once (copyGroup drops a repeat within the group: the first occurrence wins, as
 * on DuckDB).
 */
const CLAIM_IDS = `WITH claimed AS (INSERT INTO event_ids (source, id) SELECT source, id FROM staging ON CONFLICT DO NOTHING RETURNING source, id)
  INSERT INTO new_keys SELECT source, id FROM claimed`;

/** The staged rows as events; `$1`: the seq before the group (each event's seq is base + ord). */
const FRESH_COLUMNS = `$1::bigint + s.ord, s.source, s.id, s.name, to_timestamp(s.ts_ms / 1000), s.actor, s.value, s.props::jsonb`;
/** Every staged event was new (the common case): no join. */
const FRESH_ALL = `INSERT INTO fresh SELECT ${FRESH_COLUMNS} FROM staging s`;
/**
 * Some were known: only the claimed ones. ANALYZE first: without statistics the planner guessed
 * sizes of temp tables and picked sort-merge joins spilling to disk (1.4 s for 100 k rows, not 0.2 s).
 */
const FRESH_CLAIMED = `ANALYZE staging, new_keys;
  INSERT INTO fresh SELECT ${FRESH_COLUMNS.replaceAll('$1::bigint', '%BASE%')} FROM staging s JOIN new_keys n ON n.source = s.source AND n.id = s.id`;

const INSERT_EVENTS = `INSERT INTO events (seq, source, id, name, ts, actor, value, props, received_at)
  SELECT seq, source, id, name, ts, actor, value, props, now() FROM fresh`;

/**
 * Group commit on PostgreSQL, after the DuckDB writer (store/duckdb/event-writer.ts): requests that
 * arrive in the same turn of the event loop join one group, and one transaction stores the group:
 *
 *   COPY into a temp staging table (no lock held yet) → pg_advisory_xact_lock(INGEST_LOCK) → read
 *   the sequence and the rollup layout → new ids into event_ids, new events into `fresh` → events
 *   → rollup deltas → setval → COMMIT (synchronous_commit on: durable when it returns).
 *
 * Only then is each request answered. Every event of a request takes a seq (duplicates too, as on
 * DuckDB: a batch holds seqs lastSeq − n + 1 … lastSeq), allocated under the lock, so seq order is
 * commit order across instances: once a batch is reported, every event up to its lastSeq is stored.
 *
 * When anything fails (PostgreSQL restarted mid-group, among others) the transaction is rolled
 * back and every request of the group is refused: `database_unavailable` (503) when the database
 * went away. A failed COMMIT whose outcome is unknown may still have stored the group; the client
 * retries and event_ids recognises the duplicates. Never is a request answered before COMMIT.
 * One group at a time per instance: groups would only queue on the advisory lock anyway.
 */
export class PgEventWriter {
  private pending: PendingRequest[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  /** The highest seq this instance saw allocated (an empty batch reports it). */
  private highWater = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: Partitions,
    private readonly committed: (group: GroupCommitted) => void,
  ) {}

  append(events: readonly ResolvedEvent[]): Promise<StoredBatch> {
    if (this.closed) return Promise.reject(new Error('event writer is closed'));
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0, lastSeq: this.highWater });
    // PostgreSQL text and jsonb cannot hold U+0000: such a request is refused alone, before it could
    // fail the whole group.
    if (events.some(holdsNul)) {
      return Promise.reject(new AppError('invalid_events', { detail: 'The PostgreSQL store cannot hold the character U+0000 (NUL) in a string' }));
    }
    const done = new Promise<StoredBatch>((resolve, reject) => this.pending.push({ events, resolve, reject }));
    this.schedule();
    return done;
  }

  /** Waits until everything appended so far is answered. */
  async drain(): Promise<void> {
    while (this.flushing || this.pending.length > 0) {
      if (this.flushing) await this.flushing;
      else await this.flush();
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate, not a microtask: requests parsed in the same turn of the event loop join the group.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    const requests = this.pending;
    this.pending = [];
    this.flushing = this.store(requests).finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.schedule();
    });
    return this.flushing;
  }

  private async store(requests: PendingRequest[]): Promise<void> {
    try {
      const { base, accepted, layout } = await this.commitGroup(requests);
      let end = 0;
      let total = 0;
      requests.forEach((request, i) => {
        end += request.events.length;
        total += accepted[i]!;
        request.resolve({ accepted: accepted[i]!, duplicates: request.events.length - accepted[i]!, lastSeq: base + end });
      });
      this.highWater = Math.max(this.highWater, base + end);
      this.committed({ accepted: total, layout });
    } catch (error) {
      const answer = asUnavailable(error);
      for (const request of requests) request.reject(answer);
    }
  }

  /** One transaction for the group; returns the seq before it and the accepted count per request. */
  private async commitGroup(requests: readonly PendingRequest[]): Promise<{ base: number; accepted: number[]; layout: RollupLayout }> {
    await this.partitions.ensureFor(instants(requests));
    const total = requests.reduce((n, r) => n + r.events.length, 0);
    const held = await checkout(this.pool);
    const client = held.client;
    let broken: Error | undefined;
    try {
      await client.query(`BEGIN; ${TEMP_TABLES}`);
      const staged = await copyGroup(client, requests);
      const stagedTotal = staged.reduce((a, b) => a + b, 0);
      // Lock, then read what the lock protects, in one round trip (simple protocol, no parameters).
      const [, seqResult, layoutResult] = (await client.query(
        `SELECT pg_advisory_xact_lock(${INGEST_LOCK});
         SELECT last_value, is_called FROM events_seq;
         SELECT name, rollup_dimensions::text AS dims FROM sources WHERE rollup_dimensions <> '[]'::jsonb`,
      )) as unknown as pg.QueryResult[];
      const seqRow = seqResult!.rows[0] as { last_value: number; is_called: boolean };
      const base = seqRow.is_called ? Number(seqRow.last_value) : Number(seqRow.last_value) - 1;
      const layout = layoutOf(layoutResult!.rows as { name: string; dims: string }[]);
      const claimed = (await client.query(CLAIM_IDS)).rowCount ?? 0;
      let accepted = staged;
      if (claimed === stagedTotal) await client.query(FRESH_ALL, [base]);
      else {
        // base is an integer computed here; a multi-statement query takes no parameters.
        await client.query(FRESH_CLAIMED.replace('%BASE%', String(base)));
        accepted = await acceptedPerRequest(client, requests, base);
      }
      // Integers computed here, inlined so that the rest goes in one round trip.
      const rest = [INSERT_EVENTS, ...rollupDeltaStatements(postgresDialect, layout, 'fresh'), `SELECT setval('events_seq', ${base + total})`];
      await client.query(rest.join(';\n'));
      await client.query('COMMIT');
      return { base, accepted, layout };
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      // A connection that failed is not handed back for reuse.
      if (broken === undefined && asUnavailable(error) !== error) broken = error as Error;
      throw error;
    } finally {
      held.release(broken);
    }
  }
}

function* instants(requests: readonly PendingRequest[]): Iterable<number> {
  for (const r of requests) for (const e of r.events) yield e.ts;
}

function holdsNul(e: ResolvedEvent): boolean {
  // In props (JSON text) NUL is written \u0000 — unless that backslash is itself escaped.
  return (
    e.source.includes('\u0000') ||
    e.id.includes('\u0000') ||
    e.name.includes('\u0000') ||
    (e.actor?.includes('\u0000') ?? false) ||
    (e.props !== null && /(?:^|[^\\])(?:\\\\)*\\u0000/.test(e.props))
  );
}

/** Declared dimensions per source from `sources.rollup_dimensions` rows. */
function layoutOf(rows: readonly { name: string; dims: string }[]): RollupLayout {
  const layout = new Map<string, readonly string[]>();
  for (const row of rows) {
    const dims = JSON.parse(row.dims) as unknown;
    if (Array.isArray(dims) && dims.length > 0) layout.set(row.name, dims.map(String));
  }
  return layout;
}

/** Counts, per request, the events that were new (requests hold consecutive ord ranges from 1). */
async function acceptedPerRequest(client: pg.PoolClient, requests: readonly PendingRequest[], base: number): Promise<number[]> {
  const result = await client.query<{ ord: number }>('SELECT seq - $1::bigint AS ord FROM fresh', [base]);
  const ends: number[] = [];
  let end = 0;
  for (const r of requests) ends.push((end += r.events.length));
  const counts = new Array<number>(requests.length).fill(0);
  for (const { ord } of result.rows) {
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! >= Number(ord)) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]!++;
  }
  return counts;
}

/**
 * Streams the group into `staging` with COPY (text format), in request order (ord 1, 2, … over every
 * event, so each event's seq is base + ord). A (source, id) already seen in the group is not staged.
 * Returns how many events of each request were staged.
 */
async function copyGroup(client: pg.PoolClient, requests: readonly PendingRequest[]): Promise<number[]> {
  const staged = requests.map(() => 0);
  const stream = client.query(copyFrom('COPY staging (ord, source, id, name, ts_ms, actor, value, props) FROM STDIN'));
  await pipeline(Readable.from(copyLines(requests, staged)), stream);
  return staged;
}

/** COPY text lines, batched into chunks of about 64 KiB; counts the staged events per request into `staged`. */
function* copyLines(requests: readonly PendingRequest[], staged: number[]): Generator<string> {
  let chunk = '';
  let ord = 0;
  // NUL never occurs in a staged string (refused in append), so it separates source and id safely.
  const seen = new Set<string>();
  for (let r = 0; r < requests.length; r++) {
    for (const e of requests[r]!.events) {
      ++ord;
      const key = `${e.source}\u0000${e.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      staged[r]!++;
      chunk +=
        `${ord}\t${copyText(e.source)}\t${copyText(e.id)}\t${copyText(e.name)}\t${e.ts}\t` +
        `${e.actor === null ? '\\N' : copyText(e.actor)}\t${e.value === null ? '\\N' : e.value}\t${e.props === null ? '\\N' : copyText(e.props)}\n`;
      if (chunk.length >= 65_536) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk !== '') yield chunk;
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in COPY's text format: backslash, newline, carriage return and tab escaped. */
export function copyText(text: string): string {
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!) : text;
}
