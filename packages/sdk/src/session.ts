import type { TokenAnswer } from '@sightline/protocol';
import { HttpClient } from './http.js';
import type { FetchLike } from './options.js';

export interface SessionRequestOptions {
  /** The server's base URL. */
  url: string;
  fetch?: FetchLike;
  requestTimeoutMs?: number;
}

function clientFor(options: SessionRequestOptions, accessToken?: string): HttpClient {
  return new HttpClient({
    url: options.url.replace(/\/+$/, ''),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    getToken: () => (accessToken === undefined ? Promise.reject(new Error('no credentials on a log-in request')) : Promise.resolve(accessToken)),
  });
}

/** POST /v1/auth/login: a user's tokens. Rejects with a SightlineError (401 on bad credentials, 429 when locked out). */
export function login(options: SessionRequestOptions & { email: string; password: string }): Promise<TokenAnswer & { password_change_required?: boolean }> {
  return clientFor(options).request('POST', '/v1/auth/login', { email: options.email, password: options.password }, undefined, true);
}

/** POST /v1/auth/refresh: a new access token and the next refresh token (each refresh token works once). */
export function refreshSession(options: SessionRequestOptions & { refreshToken: string }): Promise<TokenAnswer> {
  return clientFor(options).request('POST', '/v1/auth/refresh', { refresh_token: options.refreshToken }, undefined, true);
}

/**
 * POST /v1/auth/password with the access token of a sign-in: sets a new password (a one-time
 * password must be changed before anything else) and answers the tokens of a fresh session; every
 * other session of the user ends.
 */
export function changePassword(options: SessionRequestOptions & { accessToken: string; currentPassword: string; newPassword: string }): Promise<TokenAnswer> {
  return clientFor(options, options.accessToken).post('/v1/auth/password', { current_password: options.currentPassword, new_password: options.newPassword });
}
