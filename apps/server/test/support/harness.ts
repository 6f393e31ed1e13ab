import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config, type RateLimits } from '../../src/config.js';

/** The password of users made by `userToken`. */
export const USER_PASSWORD = 'long enough test password';

/** The first admin of every test app. */
export const ADMIN = { email: 'admin@example.com', password: 'a long test passphrase 42' } as const;

/** Limits no test reaches by accident; tests of the limits set their own. */
const generous = { ip: { points: 1_000_000, seconds: 1 }, user: { points: 1_000_000, seconds: 1 }, key: { points: 1_000_000, seconds: 1 } };
export const GENEROUS_LIMITS: RateLimits = { ingest: generous, query: generous, auth: generous, api: generous };

export interface TestApp {
  app: FastifyInstance;
  dataDir: string;
  config: Config;
  /** An access token of the first admin (logged in through the API). */
  adminToken: string;
  /**
   * app.inject with `Authorization: Bearer <token>`: the admin's by default, another principal's
   * token or key when given, none with `null`.
   */
  inject(options: InjectOptions | string, token?: string | null): Promise<LightMyRequestResponse>;
  /** Logs in through the API and returns the token answer. */
  login(email: string, password: string): Promise<{ access_token: string; refresh_token: string }>;
  /** Creates a user with this role (a random e-mail) and returns its access token. */
  userToken(role: string): Promise<string>;
  close(): Promise<void>;
}

/** A fresh data dir under the OS temp dir, removed by the caller. */
export function makeDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'sightline-test-'));
}

/**
 * Builds an app on a fresh embedded store in a temp dir, with a first admin. `now` pins the clock
 * (event-time defaults, relative query ranges). `close()` shuts the app and removes the data dir
 * unless `keep` is set.
 */
export async function startTestApp(
  opts: { now?: number; config?: Partial<Config>; dataDir?: string; keep?: boolean } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? makeDataDir();
  const config = loadConfig(
    {},
    { dataDir, logLevel: 'silent', adminEmail: ADMIN.email, adminPassword: ADMIN.password, rateLimits: GENEROUS_LIMITS, ...opts.config },
  );
  const now = opts.now;
  const app = await buildApp(config, now === undefined ? {} : { clock: () => now });
  await app.ready();
  const login = async (email: string, password: string) => {
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login of ${email} failed: ${res.statusCode} ${res.body}`);
    return res.json() as { access_token: string; refresh_token: string };
  };
  const adminToken = (await login(ADMIN.email, ADMIN.password)).access_token;
  return {
    app,
    dataDir,
    config,
    adminToken,
    login,
    async userToken(role) {
      const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
      const res = await app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: USER_PASSWORD, role }, headers: { authorization: `Bearer ${adminToken}` } });
      if (res.statusCode !== 201) throw new Error(`creating a ${role} failed: ${res.statusCode} ${res.body}`);
      return (await login(email, USER_PASSWORD)).access_token;
    },
    inject(options, token = adminToken) {
      const base: InjectOptions = typeof options === 'string' ? { method: 'GET', url: options } : options;
      const headers = { ...(base.headers ?? {}) };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      return app.inject({ ...base, headers });
    },
    async close() {
      await app.close();
      if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
