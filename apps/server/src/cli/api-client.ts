import { userInfo } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { AccessTokens } from '../features/auth/access-tokens.js';
import { signingSecret } from '../features/auth/signing-secret.js';
import { serverAnswers, serverUrl } from './server-client.js';

export interface ApiResponse {
  status: number;
  body: unknown;
}

/**
 * The command line's way into Sightline: the HTTP API of the server running on the configured
 * address, or, when none answers, the same app built in this process on the data dir (DuckDB lets
 * one process write the file). Either way it acts as the local operator, with a short token it
 * signs itself: whoever can read the signing secret (the data dir, or SIGHTLINE_JWT_SECRET) owns
 * this Sightline already.
 */
export interface Api {
  via: 'server' | 'data-dir';
  /** The in-process app, when there is no server. */
  app: FastifyInstance | undefined;
  request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiResponse>;
  close(): Promise<void>;
}

function operatorName(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9._-]/g, '_') || 'operator';
  } catch {
    return 'operator';
  }
}

export async function openApi(config: Config): Promise<Api> {
  if (await serverAnswers(config)) {
    const token = await new AccessTokens(signingSecret(config), config.accessTokenSeconds).forCli(operatorName());
    return {
      via: 'server',
      app: undefined,
      async request(method, path, body) {
        const response = await fetch(`${serverUrl(config)}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text === '' ? null : JSON.parse(text) };
      },
      async close() {},
    };
  }
  const app = await buildApp({ ...config, logLevel: 'warn' }, { announce: (line) => process.stderr.write(`${line}\n`), runJobs: false });
  return { ...(await inProcessApi(app)), close: () => app.close() };
}

/** The API of an app running in this process, called as the local operator (closing it leaves the app running). */
export async function inProcessApi(app: FastifyInstance): Promise<Api> {
  const token = await app.accessTokens.forCli(operatorName());
  return {
    via: 'data-dir',
    app,
    async request(method, path, body) {
      const response = await app.inject({ method, url: path, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: response.statusCode, body: response.body === '' ? null : response.json() };
    },
    async close() {},
  };
}
