import { createHash } from 'node:crypto';
import { QUERY_TOPIC_PREFIX, type LiveServerMessage } from '@sightline/protocol';
import type { QueryScope } from '@sightline/query';
import type { FastifyBaseLogger } from 'fastify';
import type { Access } from '../auth/permissions.js';
import type { QueryService } from '../query/service.js';
import type { LiveConnection } from './connection.js';

/**
 * How often a query with a `{"last": …}` range is recomputed without new events: its range slides
 * with the clock, so old buckets leave it even on a quiet source. (Only sent when the result changed.)
 */
const SLIDE_EVERY_MS = 60_000;

/** Where and when a batch of new events landed: per source, its earliest and latest event time. */
export type BatchSpan = ReadonlyMap<string, { min: number; max: number }>;

interface LiveQuery {
  topic: string;
  body: unknown;
  scope: QueryScope;
  listeners: Set<LiveConnection>;
  /** The latest result, framed as an update (what a new listener gets first). */
  frame: Buffer | undefined;
  /** The latest result's columns and rows: a recomputation that changes nothing sends nothing. */
  answer: string | undefined;
  dirty: boolean;
  running: boolean;
  lastRunAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Queries kept live. A query registered by a subscribe message gets a topic derived from its
 * canonical text, so identical queries share one topic and one computation however many clients
 * listen. When a batch of events lands inside a query's sources and time span, the query is marked
 * dirty and recomputed — at once if it has not run in the last 1/rate seconds, else when that much
 * time has passed — so a query runs at most `rate` times a second however fast events arrive.
 */
export class LiveQueries {
  private readonly queries = new Map<string, LiveQuery>();
  private readonly minIntervalMs: number;
  private readonly slider: NodeJS.Timeout;

  constructor(
    private readonly deps: { query: QueryService; clock: () => number; log: FastifyBaseLogger },
    updatesPerSecond: number,
  ) {
    this.minIntervalMs = 1000 / updatesPerSecond;
    this.slider = setInterval(() => {
      for (const entry of this.queries.values()) if (entry.scope.relative) this.schedule(entry);
    }, SLIDE_EVERY_MS);
    this.slider.unref();
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
   * returns its topic, computing the first result when the query is new.
   */
  async register(body: unknown, access: Access): Promise<{ topic: string; sources: readonly string[] }> {
    const topic = LiveQueries.topicOf(body);
    const known = this.queries.get(topic);
    const scope = await this.deps.query.scope(body, access);
    if (known) return { topic, sources: known.scope.sources };
    const entry: LiveQuery = { topic, body, scope, listeners: new Set(), frame: undefined, answer: undefined, dirty: false, running: false, lastRunAt: 0, timer: undefined };
    this.queries.set(topic, entry);
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

  /** Marks the queries a batch of new events touches, and schedules their recomputation. */
  touched(span: BatchSpan): void {
    const now = this.deps.clock();
    for (const entry of this.queries.values()) {
      if (covers(entry.scope, span, now)) this.schedule(entry);
    }
  }

  close(): void {
    clearInterval(this.slider);
    for (const entry of this.queries.values()) clearTimeout(entry.timer);
    this.queries.clear();
  }

  private schedule(entry: LiveQuery): void {
    entry.dirty = true;
    if (entry.running || entry.timer) return; // it will look at `dirty` when it finishes
    const wait = entry.lastRunAt + this.minIntervalMs - performance.now();
    if (wait <= 0) void this.run(entry);
    else entry.timer = setTimeout(() => void this.run(entry), wait);
  }

  private async run(entry: LiveQuery): Promise<void> {
    entry.timer = undefined;
    if (!this.queries.has(entry.topic)) return;
    entry.dirty = false;
    entry.running = true;
    entry.lastRunAt = performance.now();
    try {
      const result = await this.deps.query.run(entry.body);
      const answer = JSON.stringify([result.columns, result.rows]);
      if (answer === entry.answer) return;
      entry.answer = answer;
      const message: LiveServerMessage = { type: 'update', topic: entry.topic, data: result };
      // Framed once, written to every listener (ENVIRONMENT: ≈ 40 % faster than per-socket JSON).
      entry.frame = Buffer.from(JSON.stringify(message));
      for (const listener of entry.listeners) listener.sendResult(entry.topic, entry.frame);
    } catch (error) {
      this.deps.log.warn({ err: error, topic: entry.topic }, 'a live query failed to recompute');
    } finally {
      entry.running = false;
      if (entry.dirty && this.queries.has(entry.topic)) {
        entry.dirty = false;
        this.schedule(entry);
      }
    }
  }
}

/** Whether new events of these sources and times can change a query of this scope. */
function covers(scope: QueryScope, span: BatchSpan, now: number): boolean {
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
