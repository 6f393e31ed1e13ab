import type { BackoffOptions, RandomSource } from './backoff.js';
import type { SightlineError } from './errors.js';
import type { WebSocketConstructor } from './websocket.js';

/** An access token, or a function that returns a current one (called before each request and each live (re)connect). */
export type TokenSource = string | (() => string | Promise<string>);

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt; 0 sends once. */
  retries: number;
}

export interface SightlineOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  url: string;
  /** An API key (`sl_…`). Give this or `token`. */
  apiKey?: string;
  /** A user's access token, or a function returning a fresh one. Give this or `apiKey`. */
  token?: TokenSource;
  /** Events per ingest request. Default 100. */
  batchSize?: number;
  /** How long a tracked event may wait for its batch to fill. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Past this many queued events, `track` drops the oldest and reports `queue_overflow`. Default 10 000. */
  maxQueuedEvents?: number;
  /** Retry of ingest requests on network errors, 5xx and 429. Default `{ retries: 6, baseMs: 500, maxMs: 30_000 }`. */
  retry?: Partial<RetryOptions>;
  /** Live channel reconnect backoff (full jitter). Default `{ baseMs: 500, maxMs: 30_000 }`. */
  reconnect?: Partial<BackoffOptions>;
  /** While the live socket is down, query subscriptions are polled this often. Default 5000 ms. */
  pollIntervalMs?: number;
  /** App-level ping on the live socket. Default 25 000 ms. */
  pingIntervalMs?: number;
  /** A live socket that answers no ping, and no `auth`, within this time is dead. Default 10 000 ms. */
  pongTimeoutMs?: number;
  /** Each HTTP request is abandoned (and, for ingest, retried) after this long. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Default `globalThis.WebSocket`, or the `ws` package on Node versions without one. */
  WebSocket?: WebSocketConstructor;
  /** Failures that have no caller to reject: dropped batches, queue overflow, live errors without a handler. */
  onError?: (error: SightlineError) => void;
  /** For tests: the jitter source. Default Math.random. */
  random?: RandomSource;
}

export interface ResolvedOptions {
  url: string;
  getToken: () => Promise<string>;
  batchSize: number;
  flushIntervalMs: number;
  maxQueuedEvents: number;
  retry: RetryOptions;
  reconnect: BackoffOptions;
  pollIntervalMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  requestTimeoutMs: number;
  fetch: FetchLike;
  WebSocket: WebSocketConstructor | undefined;
  onError: (error: SightlineError) => void;
  random: RandomSource;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) throw new TypeError(`Sightline: ${name} must be a number >= ${min}, got ${String(value)}`);
  return Math.floor(v);
}

function defaultOnError(error: SightlineError): void {
  // Nobody asked to hear about it; a silent drop would be worse than a console line.
  console.warn(`[sightline] ${error.message}`);
}

/** Fills in the defaults and checks the values once, so the rest of the SDK can trust them. */
export function resolveOptions(options: SightlineOptions): ResolvedOptions {
  if (typeof options.url !== 'string' || !/^https?:\/\//i.test(options.url)) {
    throw new TypeError('Sightline: url must be an http(s) URL such as http://127.0.0.1:8080');
  }
  const { apiKey, token } = options;
  if ((apiKey === undefined) === (token === undefined)) throw new TypeError('Sightline: give exactly one of apiKey and token');
  const getToken = async (): Promise<string> => {
    const value = apiKey ?? (typeof token === 'function' ? await token() : token);
    if (typeof value !== 'string' || value.length === 0) throw new TypeError('Sightline: the token function returned no token');
    return value;
  };
  const fetchImpl = options.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
  if (fetchImpl === undefined) throw new TypeError('Sightline: no fetch available; pass options.fetch');
  return {
    url: options.url.replace(/\/+$/, ''),
    getToken,
    batchSize: positiveInt('batchSize', options.batchSize, 100),
    flushIntervalMs: positiveInt('flushIntervalMs', options.flushIntervalMs, 1000, 0),
    maxQueuedEvents: positiveInt('maxQueuedEvents', options.maxQueuedEvents, 10_000),
    retry: {
      retries: positiveInt('retry.retries', options.retry?.retries, 6, 0),
      baseMs: positiveInt('retry.baseMs', options.retry?.baseMs, 500, 0),
      maxMs: positiveInt('retry.maxMs', options.retry?.maxMs, 30_000, 0),
    },
    reconnect: {
      baseMs: positiveInt('reconnect.baseMs', options.reconnect?.baseMs, 500, 0),
      maxMs: positiveInt('reconnect.maxMs', options.reconnect?.maxMs, 30_000, 0),
    },
    pollIntervalMs: positiveInt('pollIntervalMs', options.pollIntervalMs, 5000),
    pingIntervalMs: positiveInt('pingIntervalMs', options.pingIntervalMs, 25_000),
    pongTimeoutMs: positiveInt('pongTimeoutMs', options.pongTimeoutMs, 10_000),
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    fetch: fetchImpl,
    WebSocket: options.WebSocket,
    onError: options.onError ?? defaultOnError,
    random: options.random ?? Math.random,
  };
}
