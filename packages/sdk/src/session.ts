import type { TokenAnswer } from '@sightline/protocol';
import { HttpClient } from './http.js';
import type { FetchLike } from './options.js';

export interface SessionRequestOptions {
  /** The server's base URL. */
  url: string;
  fetch?: FetchLike;
  requestTimeoutMs?: number;
}

function anonymousClient(options: SessionRequestOptions): HttpClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  return new HttpClient({
    url: options.url.replace(/\/+$/, ''),
    fetch: fetchImpl,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    getToken: () => Promise.reject(new Error('no credentials on a log-in request')),
  });
}

/** POST /v1/auth/login: a user's tokens. Rejects with a SightlineError (401 on bad credentials, 429 when locked out). */
export function login(options: SessionRequestOptions & { email: string; password: string }): Promise<TokenAnswer & { password_change_required?: boolean }> {
  return anonymousClient(options).request('POST', '/v1/auth/login', { email: options.email, password: options.password }, undefined, true);
}

/** POST /v1/auth/refresh: a new access token and the next refresh token (each refresh token works once). */
export function refreshSession(options: SessionRequestOptions & { refreshToken: string }): Promise<TokenAnswer> {
  return anonymousClient(options).request('POST', '/v1/auth/refresh', { refresh_token: options.refreshToken }, undefined, true);
}
