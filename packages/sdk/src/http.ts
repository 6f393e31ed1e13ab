import { parseRetryAfter } from './backoff.js';
import { SightlineError, errorFromResponse } from './errors.js';
import type { ResolvedOptions } from './options.js';

export type HttpOptions = Pick<ResolvedOptions, 'url' | 'getToken' | 'fetch' | 'requestTimeoutMs'>;

/**
 * JSON over HTTP with the client's credentials. Every failure becomes a SightlineError whose
 * `retryable` says whether the same request may succeed later; retrying is the caller's choice.
 */
export class HttpClient {
  constructor(private readonly options: HttpOptions) {}

  /** POST `path` (under the base URL) with a JSON body; answers the parsed JSON body. */
  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('POST', path, body, signal);
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, signal);
  }

  /** `anonymous`: without credentials (log in, refresh). */
  async request<T>(method: string, path: string, body: unknown, signal?: AbortSignal, anonymous = false): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (!anonymous) headers.authorization = `Bearer ${await this.options.getToken()}`;
    if (body !== undefined) headers['content-type'] = 'application/json';

    // One controller for both the timeout and the caller's signal (AbortSignal.any is too new for
    // some browsers we still want to run in).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.requestTimeoutMs);
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      let response: Response;
      let text: string;
      try {
        response = await this.options.fetch(`${this.options.url}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
        // The body is read inside the same try: a connection can die between the headers and the body.
        text = await response.text();
      } catch (cause) {
        if (timedOut) {
          throw new SightlineError(`${method} ${path}: no answer within ${this.options.requestTimeoutMs} ms`, { code: 'timeout', retryable: true, cause });
        }
        if (signal?.aborted) throw new SightlineError(`${method} ${path}: cancelled`, { code: 'closed', cause });
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new SightlineError(`${method} ${path}: ${reason}`, { code: 'network_error', retryable: true, cause });
      }

      const parsed = parseJson(text);
      if (!response.ok) {
        throw errorFromResponse(response.status, parsed.ok ? parsed.value : undefined, parseRetryAfter(response.headers.get('retry-after')));
      }
      // 204 No Content (a delete, a logout) has no body to parse.
      if (response.status === 204) return undefined as T;
      if (!parsed.ok) {
        throw new SightlineError(`${method} ${path}: the answer is not JSON`, { code: 'invalid_response', status: response.status });
      }
      // The server's answer shapes are its contract (protocol types); we do not re-validate them.
      return parsed.value as T;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
