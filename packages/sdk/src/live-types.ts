import type { Filter, LiveEvent, LiveQueryResult, Query } from '@sightline/protocol';
import type { SightlineError } from './errors.js';

/**
 * - `connecting`: the first connection attempt is under way.
 * - `live`: the socket is open and authenticated; updates are pushed.
 * - `polling`: the socket is down, but polling the query subscriptions over HTTP works.
 * - `offline`: neither (or nothing was started yet, or the client was closed).
 */
export type LiveStatus = 'connecting' | 'live' | 'polling' | 'offline';

/** What a subscription's callback gets beside the data. */
export interface LiveUpdate<T> {
  /** `query:<id>`, `events:<source>`, …; undefined for a polled query whose id the server never told us. */
  topic: string | undefined;
  data: T;
  /** `events:` topics: events this client missed because it read too slowly. */
  dropped?: number;
  /** Pushed over the socket, or fetched by polling while the socket was down. */
  via: 'live' | 'poll';
}

export type LiveCallback<T> = (data: T, update: LiveUpdate<T>) => void;

export interface SubscribeOptions {
  /**
   * The server refused the subscription (`forbidden`, `not_found`, `invalid_query`,
   * `too_many_subscriptions`, …). The subscription is over; it is not retried. Without this
   * handler the error goes to the client's `onError`.
   */
  onError?: (error: SightlineError) => void;
  /** The server confirmed the subscription; called again after each resubscription on reconnect. */
  onSubscribed?: (topic: string) => void;
}

export interface EventsSubscribeOptions extends SubscribeOptions {
  /** Narrow an `events:` tail (the query language's filters). */
  filters?: Filter[];
}

/** Subscribe to a query: its result is pushed now and whenever new events change it. */
export interface QueryTarget {
  query: Query;
}

/** Subscribe to a topic by name: `events:<source>`, `query:<id>`, `alerts`, `jobs:<id>`. */
export interface TopicTarget {
  topic: string;
  filters?: Filter[];
}

export interface Subscription {
  /** The topic, once known (a query's `query:<id>` is known after the server's first answer). */
  readonly topic: string | undefined;
  /** True after unsubscribe() or a refusal by the server. */
  readonly closed: boolean;
  /** Stops the callbacks at once and tells the server (when no other subscription shares the topic). */
  unsubscribe(): void;
}

export type { LiveEvent, LiveQueryResult };
