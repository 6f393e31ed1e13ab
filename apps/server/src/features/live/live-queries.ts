import { createHash } from 'node:crypto';
import { QUERY_TOPIC_PREFIX, type LiveServerMessage } from '@sightline/protocol';
import type { FoldState, QueryScope, TimedEvent } from '@sightline/query';
import type { FastifyBaseLogger } from 'fastify';
import type { Access } from '../auth/permissions.js';
import type { QueryService } from '../query/service.js';
import type { LiveConnection } from './connection.js';
import { TextFrame } from './frame.js';

/**
 * How often a query with a `{"last": …}` range is recomputed without new events: its range slides
 * with the clock, so old buckets leave it even on a quiet source. (Only sent when the result changed.)
 */
const SLIDE_EVERY_MS = 60_000;
/**
 * How long an incrementally kept query with a `{"last": …}` range goes without a full recomputation.
 * New events are folded in as they come; events sliding out of the range's old end are only
 * dropped by a full recomputation, so this bounds how stale that end can be.
 */
const FULL_EVERY_MS = 10_000;
/**
 * A range that ends "now" leaves out an event stamped this very millisecond (ranges are [from, to)).
 * An update for such an event waits until the clock has passed it — at most this long; events
 * stamped further ahead enter when their time comes (with the minute's slide).
 */
const CATCH_UP_MAX_MS = 1000;
/**
 * Under overload, live updates give way to ingest: an acknowledged event matters more than a
 * dashboard's refresh rate. Every ADAPT_EVERY_MS the event loop's utilisation is read; above
 * BUSY the interval between updates of a query grows by half (up to MAX_SLOWDOWN times the
 * configured one), below IDLE it shrinks back.
 */
const ADAPT_EVERY_MS = 500;
const BUSY = 0.9;
const IDLE = 0.6;
const MAX_SLOWDOWN = 8;

/** A batch of newly stored events. */
export interface LiveBatch {
  /** Per source, the earliest and latest event time. */
  span: ReadonlyMap<string, { min: number; max: number }>;
  /** The latest event time of the batch. */
  maxTs: number;
  /** The sequence number of the batch's last event (batches arrive in sequence order). */
  lastSeq: number;
  events: readonly TimedEvent[];
  /** False when some of the batch's events were duplicates (not stored, and not told apart). */
  exact: boolean;
}

interface LiveQuery {
  topic: string;
  body: unknown;
  scope: QueryScope;
  /** The plan can fold new events into its rows (count, sum, min, max trends). */
  incremental: boolean;
  listeners: Set<LiveConnection>;
  /** Statement rows kept up to date from new events (incremental queries, after a first computation). */
  state: FoldState | undefined;
  /**
   * The seq bound of the last full computation: batches up to it are in `state` already. A batch of
   * another instance can arrive after that computation read it from the database, and must not be
   * folded in a second time.
   */
  base: number | undefined;
  /** When the next full computation of a sliding range is due (performance.now() time). */
  fullDue: number;
  /**
   * New batches not yet folded, in sequence order: shared with every query they touch, never copied
   * per query (the fold skips the events of other sources).
   */
  pending: LiveBatch[];
  /** Something happened that folding cannot follow (duplicates, erasure): recompute in full. */
  stale: boolean;
  /** The latest result, framed as an update (what a new listener gets first). */
  frame: TextFrame | undefined;
  /** The latest result's columns and rows: a recomputation that changes nothing sends nothing. */
  answer: string | undefined;
  dirty: boolean;
  running: boolean;
  lastRunAt: number;
  /** The clock time (epoch ms) the next update should not come before: just after the latest event. */
  catchUpAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Queries kept live. A query registered by a subscribe message gets a topic derived from its
 * canonical text, so identical queries share one topic and one computation however many clients
 * listen. When a batch of events lands inside a query's sources and time span, the query is marked
 * dirty and updated — at once if it has not run in the last 1/rate seconds, else when that much
 * time has passed — so a query runs at most `rate` times a second however fast events arrive.
 *
 * Updating is cheap where it can be: a trend of count, sum, min and max keeps its statement's rows
 * and folds the new events into them in memory (the query engine's `incremental`), exactly, because
 * its full computation reads only events up to a known sequence number and every later event is
 * folded once. Other queries (uniq, percentiles, funnels, comparisons) run their SQL again.
 */
export class LiveQueries {
  private readonly queries = new Map<string, LiveQuery>();
  private readonly minIntervalMs: number;
  private readonly slider: NodeJS.Timeout;
  private readonly adapter: NodeJS.Timeout;
  private loopUse = performance.eventLoopUtilization();
  /** The factor the configured update interval is stretched by under load (1: not at all). */
  slowdown = 1;

  constructor(
    private readonly deps: {
      query: QueryService;
      clock: () => number;
      log: FastifyBaseLogger;
      /** Every event up to this sequence number is stored (undefined: no batch seen yet). */
      storedSeq: () => number | undefined;
    },
    updatesPerSecond: number,
  ) {
    this.minIntervalMs = 1000 / updatesPerSecond;
    this.slider = setInterval(() => {
      for (const entry of this.queries.values()) if (entry.scope.relative) this.schedule(entry);
    }, SLIDE_EVERY_MS);
    this.slider.unref();
    this.adapter = setInterval(() => this.adapt(), ADAPT_EVERY_MS);
    this.adapter.unref();
  }

  private adapt(): void {
    const use = performance.eventLoopUtilization(this.loopUse);
    this.loopUse = performance.eventLoopUtilization();
    if (use.utilization > BUSY) this.slowdown = Math.min(MAX_SLOWDOWN, this.slowdown * 1.5);
    else if (use.utilization < IDLE) this.slowdown = Math.max(1, this.slowdown / 1.5);
  }

  get size(): number {
    return this.queries.size;
  }

  /** The topic a query body would have. */
  static topicOf(body: unknown): string {
    return QUERY_TOPIC_PREFIX + createHash('sha256').update(canonicalJson(body)).digest('base64url').slice(0, 22);
  }

  /** The sources a live query reads (to check a subscriber may), or undefined when no such topic is live. */
  sourcesOf(topic: string): readonly string[] | undefined {
    return this.queries.get(topic)?.scope.sources;
  }

  /**
   * Checks the query (AppError invalid_query, or forbidden for a source `access` may not read) and
   * returns its topic, registering the query when it is new.
   */
  async register(body: unknown, access: Access): Promise<{ topic: string; sources: readonly string[] }> {
    const topic = LiveQueries.topicOf(body);
    const { incremental, ...scope } = await this.deps.query.scope(body, access);
    const known = this.queries.get(topic);
    if (known) return { topic, sources: known.scope.sources };
    this.queries.set(topic, {
      topic, body, scope, incremental, listeners: new Set(), state: undefined, base: undefined, fullDue: 0, pending: [], stale: false,
      frame: undefined, answer: undefined, dirty: false, running: false, lastRunAt: 0, catchUpAt: 0, timer: undefined,
    });
    return { topic, sources: scope.sources };
  }

  /** Adds a listener and sends it the current result (computing it if there is none yet). */
  listen(topic: string, connection: LiveConnection): void {
    const entry = this.queries.get(topic);
    if (!entry) return;
    entry.listeners.add(connection);
    if (entry.frame) connection.sendResult(topic, entry.frame);
    else if (!entry.running) this.schedule(entry); // a run under way sends to every listener when done
  }

  unlisten(topic: string, connection: LiveConnection): void {
    const entry = this.queries.get(topic);
    if (!entry) return;
    entry.listeners.delete(connection);
    if (entry.listeners.size === 0) {
      clearTimeout(entry.timer);
      this.queries.delete(topic);
    }
  }

  /** Takes a batch of new events to the queries it touches, and schedules their update. */
  stored(batch: LiveBatch): void {
    const now = this.deps.clock();
    for (const entry of this.queries.values()) {
      if (!covers(entry.scope, batch.span, now)) continue;
      if (entry.scope.relative) {
        for (const source of entry.scope.sources) {
          const latest = batch.span.get(source)?.max;
          if (latest !== undefined && latest >= now) entry.catchUpAt = Math.max(entry.catchUpAt, latest + 1);
        }
      }
      if (entry.incremental) {
        // Already read by the last full computation (a late batch of another instance): nothing to do.
        if (entry.state !== undefined && entry.base !== undefined && batch.lastSeq <= entry.base) continue;
        if (!batch.exact) entry.stale = true;
        else entry.pending.push(batch);
      }
      this.schedule(entry);
    }
  }

  /** Events were deleted: every query is recomputed in full. */
  removed(): void {
    for (const entry of this.queries.values()) {
      entry.stale = true;
      this.schedule(entry);
    }
  }

  close(): void {
    clearInterval(this.slider);
    clearInterval(this.adapter);
    for (const entry of this.queries.values()) clearTimeout(entry.timer);
    this.queries.clear();
  }

  private schedule(entry: LiveQuery): void {
    entry.dirty = true;
    if (entry.running || entry.timer) return; // it will look at `dirty` when it finishes
    let wait = entry.lastRunAt + this.minIntervalMs * this.slowdown - performance.now();
    const catchUp = entry.catchUpAt - this.deps.clock();
    if (catchUp > 0 && catchUp <= CATCH_UP_MAX_MS) wait = Math.max(wait, catchUp);
    if (wait <= 0) void this.run(entry);
    else entry.timer = setTimeout(() => void this.run(entry), wait);
  }

  private async run(entry: LiveQuery): Promise<void> {
    entry.timer = undefined;
    if (!this.queries.has(entry.topic)) return;
    entry.dirty = false;
    entry.running = true;
    const started = performance.now();
    entry.lastRunAt = started;
    try {
      const answer = await this.compute(entry, started);
      if (answer === undefined) return;
      const rowsText = JSON.stringify([answer.columns, answer.rows]);
      if (rowsText === entry.answer) return;
      entry.answer = rowsText;
      const data = { ...answer, meta: { took_ms: Math.round((performance.now() - started) * 100) / 100, cached: false } };
      const message: LiveServerMessage = { type: 'update', topic: entry.topic, data };
      // Framed once, written to every listener (ENVIRONMENT: ≈ 40 % faster than per-socket JSON).
      entry.frame = TextFrame.of(message);
      for (const listener of entry.listeners) listener.sendResult(entry.topic, entry.frame);
    } catch (error) {
      entry.state = undefined; // start again from a full computation
      this.deps.log.warn({ err: error, topic: entry.topic }, 'a live query failed to recompute');
    } finally {
      entry.running = false;
      if (entry.dirty && this.queries.has(entry.topic)) {
        entry.dirty = false;
        this.schedule(entry);
      }
    }
  }

  /** The query's current answer: folded from new events where it can be, else computed in full. */
  private async compute(entry: LiveQuery, now: number) {
    const { query } = this.deps;
    const full = !entry.incremental || entry.state === undefined || entry.stale || (entry.scope.relative && now >= entry.fullDue);
    if (!full) {
      const plan = await query.prepare(entry.body);
      for (const batch of entry.pending) plan.incremental!.fold(entry.state!, batch.events);
      this.keepAhead(entry, plan.scope.to);
      return plan.finish([entry.state!.rows]);
    }
    entry.stale = false;
    const upTo = this.deps.storedSeq();
    const plan = await query.prepare(entry.body, upTo === undefined ? {} : { maxSeq: upTo });
    const results = await query.execute(plan);
    if (!plan.incremental) return plan.finish(results);
    if (upTo === undefined && entry.pending.length > 0) {
      // No bound was known, and events arrived meanwhile: they may be in the rows already.
      entry.pending = [];
      entry.stale = true;
      entry.dirty = true;
      return undefined;
    }
    if (upTo !== undefined) entry.pending = entry.pending.filter((batch) => batch.lastSeq > upTo);
    entry.base = upTo;
    const state = plan.incremental.start(results[0]);
    for (const batch of entry.pending) plan.incremental.fold(state, batch.events);
    this.keepAhead(entry, plan.scope.to);
    entry.state = state;
    // Spread over ±25 %: queries registered together must not all fall due in the same instant.
    entry.fullDue = now + FULL_EVERY_MS * (0.75 + Math.random() / 2);
    return plan.finish([state.rows]);
  }

  /**
   * After a fold: the events stamped at or after the end of a sliding range (`to` was "now" when
   * it was planned) were left out, and belong in a later update, once the clock has passed them.
   * Those stamped more than CATCH_UP_MAX_MS ahead are left to a full computation.
   */
  private keepAhead(entry: LiveQuery, to: number): void {
    const horizon = this.deps.clock() + CATCH_UP_MAX_MS;
    const ahead: LiveBatch[] = [];
    if (entry.scope.relative) {
      for (const batch of entry.pending) {
        if (batch.maxTs < to) continue; // the common case: the whole batch was inside
        const events = batch.events.filter((e) => e.ts >= to && e.ts <= horizon);
        if (events.length > 0) ahead.push({ ...batch, events, maxTs: events.reduce((m, e) => Math.max(m, e.ts), to) });
      }
    }
    entry.pending = ahead;
    if (ahead.length === 0) return;
    for (const batch of ahead) if (batch.maxTs + 1 > entry.catchUpAt) entry.catchUpAt = batch.maxTs + 1;
    entry.dirty = true;
  }
}

/** Whether new events of these sources and times can change a query of this scope. */
function covers(scope: QueryScope, span: LiveBatch['span'], now: number): boolean {
  // A relative range ends at "now" when it is recomputed, whatever "now" was when it was planned.
  const from = scope.relative ? now - (scope.to - scope.from) : scope.from;
  const to = scope.relative ? Number.POSITIVE_INFINITY : scope.to;
  for (const source of scope.sources) {
    const landed = span.get(source);
    if (landed && landed.max >= from && landed.min < to) return true;
  }
  return false;
}

/** JSON with object keys sorted at every level, so that key order does not make two queries differ. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
