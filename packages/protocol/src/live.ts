import { Type, type Static } from 'typebox';
import type { ErrorCode, ErrorDetail } from './errors.js';
import type { QueryAnswer } from './query.js';
import type { SubjectEvent } from './sources.js';

// The live channel (SPEC.md §4, docs/live.md): JSON messages with a `type`, over a WebSocket at
// LIVE_PATH. Incoming messages are schemas (the server validates each by its `type`, unknown
// fields refused); outgoing ones are plain types.

export const LIVE_PATH = '/v1/live';

/**
 * The subprotocol the server speaks. A client that authenticates in the handshake offers it
 * together with `bearer.<token>`; the server answers with this one, never echoing the token.
 */
export const LIVE_SUBPROTOCOL = 'sightline.v1';
export const LIVE_BEARER_PREFIX = 'bearer.';

/** Close codes the server uses, and what a client should make of them. */
export const LIVE_CLOSE = {
  /** The server is shutting down or restarting: reconnect. */
  goingAway: 1001,
  /** A policy was broken (flooding, no auth in time, a bad origin): reconnecting as before won't help. */
  policy: 1008,
  /** A message was larger than LIVE_LIMITS.maxMessageBytes. */
  tooBig: 1009,
  /** The server holds its maximum number of connections: reconnect later. */
  full: 1013,
  /** The credentials were refused, expired, or revoked (user disabled, key revoked, logged out). */
  unauthorized: 4401,
} as const;

export const LIVE_LIMITS = {
  maxMessageBytes: 64 * 1024,
  maxTopicLength: 300,
  maxTokenLength: 4096,
  maxFilters: 20,
} as const;

/** `events:<source>`: a tail of a source's new events. */
export const EVENTS_TOPIC_PREFIX = 'events:';
/** `query:<id>`: the result of a live query, pushed when new events change it. */
export const QUERY_TOPIC_PREFIX = 'query:';
export const ALERTS_TOPIC = 'alerts';
/** `jobs:<id>`: progress of an export, import or training job. */
export const JOBS_TOPIC_PREFIX = 'jobs:';

const Topic = Type.String({ minLength: 1, maxLength: LIVE_LIMITS.maxTopicLength });
const PingId = Type.Union([Type.String({ maxLength: 64 }), Type.Number()]);
/** A filter of the query language (docs/query-language.md), checked by the server's filter rules. */
const LiveFilter = Type.Object({ field: Type.String({ maxLength: 600 }), op: Type.String({ maxLength: 16 }), value: Type.Optional(Type.Unknown()) });

export const LiveClientMessages = {
  auth: Type.Object({ type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: LIVE_LIMITS.maxTokenLength }) }, { additionalProperties: false }),
  /**
   * Exactly one of `topic` (`events:<source>`, `query:<id>` of a query already live, `alerts`,
   * `jobs:<id>`) and `query` (a query of POST /v1/query, which becomes `query:<id>`). `filters`
   * narrow an `events:` tail.
   */
  subscribe: Type.Object(
    {
      type: Type.Literal('subscribe'),
      topic: Type.Optional(Topic),
      query: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      filters: Type.Optional(Type.Array(LiveFilter, { maxItems: LIVE_LIMITS.maxFilters })),
    },
    { additionalProperties: false },
  ),
  unsubscribe: Type.Object({ type: Type.Literal('unsubscribe'), topic: Topic }, { additionalProperties: false }),
  ping: Type.Object({ type: Type.Literal('ping'), id: Type.Optional(PingId) }, { additionalProperties: false }),
  pong: Type.Object({ type: Type.Literal('pong'), id: Type.Optional(PingId) }, { additionalProperties: false }),
} as const;

export type LiveClientMessageType = keyof typeof LiveClientMessages;
export const LiveClientMessage = Type.Union([
  LiveClientMessages.auth,
  LiveClientMessages.subscribe,
  LiveClientMessages.unsubscribe,
  LiveClientMessages.ping,
  LiveClientMessages.pong,
]);
export type LiveClientMessage = Static<typeof LiveClientMessage>;
export type LiveAuthMessage = Static<(typeof LiveClientMessages)['auth']>;
export type LiveSubscribeMessage = Static<(typeof LiveClientMessages)['subscribe']>;

/**
 * One event of an `events:` tail, as it was stored (after the source's PII rules): the same shape
 * as a line of a privacy export.
 */
export type LiveEvent = SubjectEvent;

export type LiveServerMessage =
  | { type: 'ready'; heartbeat_ms: number }
  | { type: 'subscribed'; topic: string }
  | { type: 'unsubscribed'; topic: string }
  /**
   * `data` is the query's new result (`query:`), the new events (`events:`), or what the topic
   * carries. `dropped`: events a slow reader missed since its last update (`events:` only).
   */
  | { type: 'update'; topic: string; data: unknown; dropped?: number }
  | { type: 'error'; topic?: string; code: ErrorCode; detail?: string; errors?: ErrorDetail[] }
  | { type: 'ping'; id?: string | number }
  | { type: 'pong'; id?: string | number };

/** What an update of a `query:` topic carries. */
export type LiveQueryResult = QueryAnswer & { meta: { took_ms: number; cached: boolean } };
