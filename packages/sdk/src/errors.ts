import type { ErrorCode, ErrorDetail, EventInput, Problem } from '@sightline/protocol';

/**
 * Codes the SDK uses for failures that did not come from the server. Server codes (HTTP and live
 * channel alike) are the registry's `ErrorCode`.
 */
export type ClientErrorCode =
  /** The request never got an answer: DNS, refused or reset connection, CORS. */
  | 'network_error'
  /** No answer within `requestTimeoutMs`. */
  | 'timeout'
  /** An answer that was neither the expected JSON nor problem+json. */
  | 'invalid_response'
  /** `maxQueuedEvents` was reached and the oldest events were dropped. */
  | 'queue_overflow'
  /** The client was closed before the work was done. */
  | 'closed'
  /** The live socket closed or misbehaved in a way that is worth telling (policy close, no ready). */
  | 'live_error';

/** `(string & {})` keeps the known codes in autocompletion while admitting codes a newer server sends. */
export type SightlineErrorCode = ErrorCode | ClientErrorCode | (string & {});

export interface SightlineErrorInit {
  code: SightlineErrorCode;
  /** HTTP status; 0 when there was no HTTP answer (network, live channel, local). */
  status?: number;
  detail?: string;
  errors?: ErrorDetail[];
  problem?: Problem;
  /** Whether trying again later may succeed (network errors, 5xx, 429). */
  retryable?: boolean;
  /** The server's Retry-After, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  /** For ingest failures: the events that were not stored because of this error. */
  events?: EventInput[];
  cause?: unknown;
}

/** Every failure the SDK reports (thrown, rejected or passed to `onError`) is one of these. */
export class SightlineError extends Error {
  readonly code: SightlineErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  /** What was wrong, each located by a JSON Pointer into the request body. Empty when not given. */
  readonly errors: ErrorDetail[];
  /** The problem+json body as the server sent it, when there was one. */
  readonly problem: Problem | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly events: EventInput[] | undefined;

  constructor(message: string, init: SightlineErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'SightlineError';
    this.code = init.code;
    this.status = init.status ?? 0;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.problem = init.problem;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.events = init.events;
  }

  /** A copy carrying the events an ingest failure concerns. */
  withEvents(events: EventInput[]): SightlineError {
    return new SightlineError(this.message, { ...this.initOf(), events });
  }

  private initOf(): SightlineErrorInit {
    return {
      code: this.code,
      status: this.status,
      detail: this.detail,
      errors: this.errors,
      problem: this.problem,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      events: this.events,
      cause: this.cause,
    };
  }
}

export function isSightlineError(value: unknown): value is SightlineError {
  return value instanceof SightlineError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function detailsOf(value: unknown): ErrorDetail[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter(isRecord)
    .map((e) => ({ path: typeof e.path === 'string' ? e.path : '', message: typeof e.message === 'string' ? e.message : '' }));
}

/** Whether an HTTP status means "the same request may succeed later". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * The error of a non-2xx answer. `body` is the parsed JSON body, if any; a Sightline server
 * always sends problem+json, but a proxy in between may send HTML or nothing.
 */
export function errorFromResponse(status: number, body: unknown, retryAfterMs: number | undefined): SightlineError {
  const retryable = isRetryableStatus(status);
  if (isRecord(body) && typeof body.code === 'string') {
    const detail = typeof body.detail === 'string' ? body.detail : undefined;
    const title = typeof body.title === 'string' ? body.title : body.code;
    return new SightlineError(detail === undefined ? title : `${title}: ${detail}`, {
      code: body.code,
      status,
      detail,
      errors: detailsOf(body.errors),
      // The fields were checked one by one above; the rest of the object is kept as the server sent it.
      problem: body as unknown as Problem,
      retryable,
      retryAfterMs,
    });
  }
  return new SightlineError(`HTTP ${status}`, { code: status >= 500 ? 'internal' : 'invalid_response', status, retryable, retryAfterMs });
}

/** The error of a live-channel `{"type":"error"}` message. */
export function errorFromLiveMessage(message: { code?: unknown; detail?: unknown; errors?: unknown; topic?: unknown }): SightlineError {
  const code = typeof message.code === 'string' ? message.code : 'live_error';
  const detail = typeof message.detail === 'string' ? message.detail : undefined;
  const topic = typeof message.topic === 'string' ? ` (${message.topic})` : '';
  return new SightlineError(`live: ${code}${topic}${detail === undefined ? '' : `: ${detail}`}`, {
    code,
    detail,
    errors: detailsOf(message.errors),
    retryable: code === 'rate_limited',
  });
}
