import type { Filter, LiveClientMessage, Query } from '@sightline/protocol';
import type { SightlineError } from './errors.js';
import type { LiveCallback, LiveUpdate, SubscribeOptions, Subscription } from './live-types.js';

/**
 * JSON with object keys sorted, so that `{a,b}` and `{b,a}` name the same channel. (The server
 * hashes a normalized query for its id; this only has to avoid opening two channels for what the
 * caller wrote twice.)
 */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface Listener {
  callback: LiveCallback<unknown>;
  options: SubscribeOptions;
  closed: boolean;
}

/**
 * - idle: not subscribed on the server (socket down, or not yet sent)
 * - pending: a subscribe was sent (or is queued) on the current socket
 * - active: the server confirmed it
 */
export type ChannelState = 'idle' | 'pending' | 'active';

/**
 * One server-side subscription, shared by every local subscriber of the same query or topic
 * (the server's updates name only the topic, so two server subscriptions to one topic could not
 * be told apart anyway).
 */
export class Channel {
  readonly listeners = new Set<Listener>();
  state: ChannelState = 'idle';
  /** The topic: given for topic channels, learned from `subscribed` for query channels. */
  topic: string | undefined;
  /** JSON of the last result delivered, so a poll that finds nothing new stays quiet. */
  lastResult: string | undefined;
  /** Refusals with `rate_limited` so far; past a few the refusal is final. */
  rateLimitedTries = 0;
  /** The last query result delivered, handed at once to a subscriber who joins later. */
  last: LiveUpdate<unknown> | undefined;

  constructor(
    readonly key: string,
    readonly query: Query | undefined,
    topic: string | undefined,
    readonly filters: Filter[] | undefined,
  ) {
    this.topic = topic;
  }

  static keyOf(target: { query: Query } | { topic: string }): string {
    return 'query' in target ? `query ${stableStringify(target.query)}` : `topic ${target.topic}`;
  }

  subscribeMessage(): LiveClientMessage {
    if (this.query !== undefined) {
      // Query is a plain JSON object; the protocol types it as a record of unknowns.
      return { type: 'subscribe', query: this.query as unknown as Record<string, unknown> };
    }
    return this.filters === undefined ? { type: 'subscribe', topic: this.topic! } : { type: 'subscribe', topic: this.topic!, filters: this.filters };
  }

  /** Delivers to every listener; a throwing callback is reported and does not stop the others. */
  deliver(update: LiveUpdate<unknown>, report: (error: unknown) => void): void {
    if (this.query !== undefined) {
      this.lastResult = resultKey(update.data);
      this.last = update;
    }
    for (const l of [...this.listeners]) deliverTo(l, update, report);
  }

  /** Whether a polled result differs from what was delivered last. */
  isNewResult(data: unknown): boolean {
    return resultKey(data) !== this.lastResult;
  }

  /** Ends every listener with `error` (a refusal by the server). */
  fail(error: SightlineError, fallback: (error: SightlineError) => void): void {
    for (const l of [...this.listeners]) {
      l.closed = true;
      if (l.options.onError !== undefined) l.options.onError(error);
      else fallback(error);
    }
    this.listeners.clear();
  }

  confirmed(topic: string, report: (error: unknown) => void): void {
    for (const l of [...this.listeners]) {
      if (l.closed) continue;
      try {
        l.options.onSubscribed?.(topic);
      } catch (error) {
        report(error);
      }
    }
  }
}

/** Calls one listener; a throwing callback is reported and does not stop the caller's loop. */
export function deliverTo(listener: Listener, update: LiveUpdate<unknown>, report: (error: unknown) => void): void {
  if (listener.closed) return;
  try {
    listener.callback(update.data, update);
  } catch (error) {
    report(error);
  }
}

/** A query result's identity for change detection: its columns and rows, not `meta` (took_ms varies). */
function resultKey(data: unknown): string {
  if (typeof data === 'object' && data !== null && 'rows' in data) {
    const { columns, rows } = data as { columns?: unknown; rows?: unknown };
    return JSON.stringify([columns, rows]);
  }
  return JSON.stringify(data) ?? '';
}

/** The handle given to a subscriber. */
export class ChannelSubscription implements Subscription {
  constructor(
    private readonly channel: Channel | undefined,
    private readonly listener: Listener,
    private readonly onUnsubscribe: (channel: Channel, listener: Listener) => void,
  ) {}

  get topic(): string | undefined {
    return this.channel?.topic;
  }

  get closed(): boolean {
    return this.listener.closed;
  }

  unsubscribe(): void {
    if (this.listener.closed) return;
    this.listener.closed = true;
    if (this.channel !== undefined) this.onUnsubscribe(this.channel, this.listener);
  }
}
