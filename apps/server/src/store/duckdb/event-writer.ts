import type { DuckDBAppender, DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { duckdbDialect, rollupDeltaStatements, type RollupLayout } from '@sightline/query';
import type { ResolvedEvent, StoredBatch } from '../types.js';
import { RollupAppenders } from './rollup-appender.js';
import { SELECT_STAGED, STAGING_TABLE } from './schema.js';

interface PendingRequest {
  /** The first seq of this request; its events hold seqStart … seqStart + count − 1. */
  seqStart: number;
  count: number;
  resolve: (result: StoredBatch) => void;
  reject: (error: unknown) => void;
}

/** One connection with its own temp staging table and appender. */
interface Lane {
  connection: DuckDBConnection;
  appender: DuckDBAppender;
  /** INSERT_GROUP prepared once: a small group's flush is mostly fixed costs, planning among them. */
  insert: DuckDBPreparedStatement;
  /**
   * For one layout (the store swaps the object on a change): the sources that declare dimensions and
   * the rollup delta INSERTs of their staged events, prepared once.
   */
  deltas?: { layout: RollupLayout; declared: ReadonlySet<string>; statements: DuckDBPreparedStatement[] };
  /** Rollup deltas of the sources without dimensions, appended in the group's transaction. */
  rollups: RollupAppenders;
  /** The group's events, for those deltas. */
  batches: (readonly ResolvedEvent[])[];
  requests: PendingRequest[];
  rows: number;
  /** Set when an append failed half-way: the lane's whole group is then refused and discarded. */
  failure?: unknown;
}

/** The common case, a group without duplicates: a plain INSERT, which the primary key keeps honest. */
const INSERT_GROUP = `INSERT INTO events ${SELECT_STAGED}`;

/**
 * The group has a duplicate (of a stored event or within itself): insert what is new and say which.
 * DuckDB's ON CONFLICT path costs several times the plain INSERT on a large table, so it is only the
 * fallback.
 */
const INSERT_GROUP_SKIPPING_DUPLICATES = `INSERT INTO events ${SELECT_STAGED} ON CONFLICT DO NOTHING RETURNING seq`;

/** Lanes per writer: one filling, one flushing, and one being reset for reuse meanwhile. */
const LANES = 3;

/**
 * Group commit through lanes. Requests append their (already validated) events straight into the
 * filling lane's in-memory staging table, so that work is spread over the requests; one flush at a
 * time moves a lane's whole group into `events` with a single INSERT, whose commit is durable in
 * DuckDB's write-ahead log, and only then are that group's requests answered. While one lane's
 * INSERT runs on DuckDB's threads, the next group fills on the event loop, and the lane flushed
 * before is emptied on its own connection: the next flush waits for neither. (With only two lanes,
 * every flush waited for the previous lane's reset, which waits behind the event loop's turn that
 * answers the previous group: the answered clients then all landed in one group, and parsing and
 * inserting never overlapped.) Why not a PRIMARY KEY-free table with our own dedup: see
 * docs/adr/0002-group-commit-and-dedup.md.
 */
export class EventWriter {
  private nextSeq: number;
  private filling: Lane;
  /** Empty lanes ready to fill. */
  private readonly ready: Lane[];
  /** Lanes being emptied after a flush; they return to `ready`. */
  private readonly resetting = new Set<Promise<void>>();
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private broken: unknown;
  /** Set while an exclusive operation (a rollup rebuild, repair or compaction) holds off flushes. */
  private gate: Promise<void> | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    lanes: Lane[],
    nextSeq: number,
    private readonly layout: () => RollupLayout,
  ) {
    this.filling = lanes[0]!;
    this.ready = lanes.slice(1);
    this.nextSeq = nextSeq;
  }

  /** `layout`: the current declared rollup dimensions, read at every flush. */
  static async open(instance: DuckDBInstance, layout: () => RollupLayout): Promise<EventWriter> {
    const lanes = await Promise.all(Array.from({ length: LANES }, () => openLane(instance)));
    const reader = await lanes[0]!.connection.runAndReadAll('SELECT coalesce(max(seq), 0) FROM events');
    return new EventWriter(instance, lanes, Number(reader.getRows()[0]![0]) + 1, layout);
  }

  /**
   * Runs `operation` while no group is being inserted: it waits for the flush under way and holds
   * later ones (appends still queue up) until it ends. Rollup rebuilds need it so that no group
   * commits deltas written for the layout they replace.
   */
  async exclusive<T>(operation: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    let release = () => {};
    this.gate = new Promise<void>((resolve) => (release = resolve));
    try {
      while (this.flushing) await this.flushing;
      return await operation();
    } finally {
      this.gate = undefined;
      release();
      if (this.filling.rows > 0) this.schedule();
    }
  }

  /** The seq the next accepted event will get. */
  get seqHighWater(): number {
    return this.nextSeq - 1;
  }

  append(events: readonly ResolvedEvent[]): Promise<StoredBatch> {
    if (this.closed) return Promise.reject(new Error('event writer is closed'));
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0, lastSeq: this.nextSeq - 1 });
    const lane = this.filling;
    const seqStart = this.nextSeq;
    const receivedAt = Date.now();
    try {
      appendRows(lane.appender, events, seqStart, receivedAt);
      lane.batches.push(events);
    } catch (error) {
      lane.failure ??= error;
    }
    this.nextSeq += events.length;
    lane.rows += events.length;
    const done = new Promise<StoredBatch>((resolve, reject) => {
      lane.requests.push({ seqStart, count: events.length, resolve, reject });
    });
    this.schedule();
    return done;
  }

  /** Waits until everything appended so far is durable. */
  async drain(): Promise<void> {
    while (this.flushing || this.filling.rows > 0) {
      if (this.flushing) await this.flushing;
      else if (this.ready.length === 0) await Promise.race(this.resetting);
      else await this.flush();
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    await Promise.all(this.resetting);
    for (const lane of [this.filling, ...this.ready]) {
      lane.appender.closeSync();
      lane.insert.destroySync();
      for (const d of lane.deltas?.statements ?? []) d.destroySync();
      lane.rollups.close();
      lane.connection.closeSync();
    }
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
    // exclusive() schedules the flush when it ends.
    if (this.gate) return this.gate;
    // No empty lane to switch to yet: keep filling; the reset that ends schedules the flush.
    if (this.filling.rows === 0 || this.ready.length === 0) return Promise.resolve();
    const lane = this.filling;
    this.filling = this.ready.pop()!;
    this.flushing = this.flushLane(lane).finally(() => {
      this.flushing = undefined;
      if (this.filling.rows > 0) this.schedule();
    });
    return this.flushing;
  }

  private async flushLane(lane: Lane): Promise<void> {
    const requests = lane.requests;
    const batches = lane.batches;
    const total = lane.rows;
    lane.batches = [];
    lane.requests = [];
    lane.rows = 0;
    try {
      if (lane.failure !== undefined) throw lane.failure;
      lane.appender.closeSync(); // moves the buffered rows into the in-memory staging table
      const counts = await insertGroup(lane, requests, total, this.layout(), batches);
      requests.forEach((request, i) => {
        const accepted = counts ? counts[i]! : request.count;
        request.resolve({ accepted, duplicates: request.count - accepted, lastSeq: request.seqStart + request.count - 1 });
      });
    } catch (error) {
      for (const request of requests) request.reject(error);
    }
    const reset = this.recycle(lane).finally(() => {
      this.resetting.delete(reset);
      if (this.filling.rows > 0) this.schedule();
    });
    this.resetting.add(reset);
  }

  /** Empties a flushed lane for reuse; a lane that cannot be emptied is replaced by a new one. */
  private async recycle(lane: Lane): Promise<void> {
    try {
      await resetLane(lane);
      this.ready.push(lane);
      return;
    } catch {
      try {
        lane.rollups.close();
      } catch {
        // The connection is going away anyway.
      }
      lane.connection.closeSync();
    }
    try {
      this.ready.push(await openLane(this.instance));
    } catch (error) {
      // The database itself is failing: refuse what waits for a lane and every later write.
      this.broken = error;
      const stranded = this.filling;
      for (const request of stranded.requests) request.reject(error);
      stranded.requests = [];
      stranded.batches = [];
      stranded.rows = 0;
    }
  }
}

async function openLane(instance: DuckDBInstance): Promise<Lane> {
  const connection = await instance.connect();
  await connection.run(STAGING_TABLE);
  return {
    connection,
    appender: await connection.createAppender('staging', 'main', 'temp'),
    insert: await connection.prepare(INSERT_GROUP),
    rollups: await RollupAppenders.open(connection),
    batches: [],
    requests: [],
    rows: 0,
  };
}

async function resetLane(lane: Lane): Promise<void> {
  if (lane.failure !== undefined) {
    lane.appender.clear();
    lane.appender.closeSync();
    lane.failure = undefined;
  }
  await lane.connection.run('TRUNCATE staging');
  lane.appender = await lane.connection.createAppender('staging', 'main', 'temp');
}

/**
 * The delta relation of a group without duplicates: the staged rows themselves, as SELECT_STAGED
 * reads them into `events`. Reading the small in-memory staging table rather than `events` keeps
 * the cost of rollups proportional to the group, not to the table.
 */
const stagedRelation = (declared: ReadonlySet<string>) =>
  `(SELECT source, name, make_timestamptz(ts_ms::BIGINT * 1000) AS ts, value, props::JSON AS props FROM staging WHERE source IN (${[...declared]
    .map((s) => `'${s.replaceAll("'", "''")}'`)
    .join(', ')}))`;
/** With duplicates, what was inserted: only inserted rows carry seqs of the group's range (constants, so zone maps prune). */
const insertedRelation = (first: number, last: number) =>
  `(SELECT source, name, ts, value, props FROM events WHERE seq BETWEEN ${first} AND ${last})`;

/**
 * Moves the staged group into `events` and appends its rollup deltas, in one durable transaction:
 * a crash leaves both or neither. Returns the inserted count per request, or undefined when every
 * event was new.
 */
async function insertGroup(
  lane: Lane,
  requests: readonly PendingRequest[],
  total: number,
  layout: RollupLayout,
  batches: readonly (readonly ResolvedEvent[])[],
): Promise<number[] | undefined> {
  const connection = lane.connection;
  const first = requests[0]!.seqStart;
  const last = first + total - 1;
  await connection.run('BEGIN TRANSACTION');
  try {
    let counts: number[] | undefined;
    let duplicates = false;
    try {
      await lane.insert.run();
    } catch (error) {
      // A failed statement aborts the transaction; anything but a key conflict is a real failure.
      if (!isDuplicateKeyError(error)) throw error;
      duplicates = true;
      await connection.run('ROLLBACK');
      await connection.run('BEGIN TRANSACTION');
      const reader = await connection.runAndReadAll(INSERT_GROUP_SKIPPING_DUPLICATES);
      if (reader.currentRowCount !== total) counts = insertedPerRequest(requests, reader.getColumns()[0] ?? []);
    }
    if (duplicates) {
      for (const sql of rollupDeltaStatements(duckdbDialect, layout, insertedRelation(first, last))) await connection.run(sql);
    } else {
      // Sources without dimensions in JS (no statement to run); the others through SQL, if the group has any.
      const deltas = await deltaStatements(lane, layout);
      if (lane.rollups.append(batches, deltas.declared)) for (const statement of deltas.statements) await statement.run();
    }
    await connection.run('COMMIT');
    return counts;
  } catch (error) {
    lane.rollups.clear();
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function deltaStatements(lane: Lane, layout: RollupLayout): Promise<NonNullable<Lane['deltas']>> {
  if (lane.deltas?.layout === layout) return lane.deltas;
  for (const d of lane.deltas?.statements ?? []) d.destroySync();
  lane.deltas = undefined;
  const declared = new Set([...layout].filter(([, fields]) => fields.length > 0).map(([source]) => source));
  const statements =
    declared.size === 0 ? [] : await Promise.all(rollupDeltaStatements(duckdbDialect, layout, stagedRelation(declared)).map((sql) => lane.connection.prepare(sql)));
  lane.deltas = { layout, declared, statements };
  return lane.deltas;
}

function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof Error && /constraint/i.test(error.message) && /duplicate key/i.test(error.message);
}

/** Counts, per request, the seqs that were inserted (the rest were duplicates). */
function insertedPerRequest(requests: readonly PendingRequest[], insertedSeqs: readonly unknown[]): number[] {
  const counts = new Array<number>(requests.length).fill(0);
  for (const raw of insertedSeqs) {
    const seq = Number(raw);
    // Requests hold ascending, contiguous seq ranges: binary search for the owner.
    let lo = 0;
    let hi = requests.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (requests[mid]!.seqStart <= seq) lo = mid;
      else hi = mid - 1;
    }
    counts[lo]!++;
  }
  return counts;
}

function appendRows(
  appender: DuckDBAppender,
  events: readonly ResolvedEvent[],
  seqStart: number,
  receivedAt: number,
): void {
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    appender.appendDouble(seqStart + i);
    appender.appendVarchar(event.source);
    appender.appendVarchar(event.id);
    appender.appendVarchar(event.name);
    appender.appendDouble(event.ts);
    if (event.actor === null) appender.appendNull();
    else appender.appendVarchar(event.actor);
    if (event.value === null) appender.appendNull();
    else appender.appendDouble(event.value);
    if (event.props === null) appender.appendNull();
    else appender.appendVarchar(event.props);
    appender.appendDouble(receivedAt);
    appender.endRow();
  }
}
