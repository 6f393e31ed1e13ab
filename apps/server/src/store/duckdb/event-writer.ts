import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { IngestResult } from '@sightline/protocol';
import type { ResolvedEvent } from '../types.js';
import { SELECT_STAGED, STAGING_TABLE } from './schema.js';

interface PendingRequest {
  /** The first seq of this request; its events hold seqStart … seqStart + count − 1. */
  seqStart: number;
  count: number;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

/** One connection with its own temp staging table and appender. */
interface Lane {
  connection: DuckDBConnection;
  appender: DuckDBAppender;
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

/**
 * Group commit with two lanes. Requests append their (already validated) events straight into the
 * filling lane's in-memory staging table, so that work is spread over the requests; one flush at a
 * time moves a lane's whole group into `events` with a single INSERT … ON CONFLICT DO NOTHING, whose
 * commit is durable in DuckDB's write-ahead log, and only then are the requests answered. While one
 * lane flushes (on DuckDB's threads), the other fills. Why not a PRIMARY KEY-free table with our own
 * dedup: see docs/adr/0002-group-commit-and-dedup.md.
 */
export class EventWriter {
  private nextSeq: number;
  private filling: Lane;
  private spare: Lane;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;

  private constructor(lanes: [Lane, Lane], nextSeq: number) {
    this.filling = lanes[0];
    this.spare = lanes[1];
    this.nextSeq = nextSeq;
  }

  static async open(instance: DuckDBInstance): Promise<EventWriter> {
    const lanes = (await Promise.all([openLane(instance), openLane(instance)])) as [Lane, Lane];
    const reader = await lanes[0].connection.runAndReadAll('SELECT coalesce(max(seq), 0) FROM events');
    return new EventWriter(lanes, Number(reader.getRows()[0]![0]) + 1);
  }

  /** The seq the next accepted event will get. */
  get seqHighWater(): number {
    return this.nextSeq - 1;
  }

  append(events: readonly ResolvedEvent[]): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new Error('event writer is closed'));
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    const lane = this.filling;
    const seqStart = this.nextSeq;
    const receivedAt = Date.now();
    try {
      appendRows(lane.appender, events, seqStart, receivedAt);
    } catch (error) {
      lane.failure ??= error;
    }
    this.nextSeq += events.length;
    lane.rows += events.length;
    const done = new Promise<IngestResult>((resolve, reject) => {
      lane.requests.push({ seqStart, count: events.length, resolve, reject });
    });
    this.schedule();
    return done;
  }

  /** Waits until everything appended so far is durable. */
  async drain(): Promise<void> {
    while (this.flushing || this.filling.rows > 0) {
      if (this.flushing) await this.flushing;
      else await this.flush();
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    for (const lane of [this.filling, this.spare]) {
      lane.appender.closeSync();
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
    if (this.filling.rows === 0) return Promise.resolve();
    const lane = this.filling;
    this.filling = this.spare;
    this.spare = lane;
    this.flushing = this.flushLane(lane).finally(() => {
      this.flushing = undefined;
      if (this.filling.rows > 0) this.schedule();
    });
    return this.flushing;
  }

  private async flushLane(lane: Lane): Promise<void> {
    const requests = lane.requests;
    const total = lane.rows;
    lane.requests = [];
    lane.rows = 0;
    try {
      if (lane.failure !== undefined) throw lane.failure;
      lane.appender.closeSync(); // moves the buffered rows into the in-memory staging table
      const counts = await insertGroup(lane.connection, requests, total);
      requests.forEach((request, i) => {
        const accepted = counts ? counts[i]! : request.count;
        request.resolve({ accepted, duplicates: request.count - accepted });
      });
    } catch (error) {
      for (const request of requests) request.reject(error);
    } finally {
      await resetLane(lane);
    }
  }
}

async function openLane(instance: DuckDBInstance): Promise<Lane> {
  const connection = await instance.connect();
  await connection.run(STAGING_TABLE);
  return { connection, appender: await connection.createAppender('staging', 'main', 'temp'), requests: [], rows: 0 };
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
 * Moves the staged group into `events` in one durable statement. Returns the inserted count per
 * request, or undefined when every event was new.
 */
async function insertGroup(connection: DuckDBConnection, requests: readonly PendingRequest[], total: number): Promise<number[] | undefined> {
  try {
    await connection.run(INSERT_GROUP);
    return undefined;
  } catch (error) {
    // A failed statement changes nothing; anything but a key conflict is a real failure.
    if (!isDuplicateKeyError(error)) throw error;
  }
  const reader = await connection.runAndReadAll(INSERT_GROUP_SKIPPING_DUPLICATES);
  if (reader.currentRowCount === total) return undefined;
  return insertedPerRequest(requests, reader.getColumns()[0] ?? []);
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
