import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config, type RateLimits } from '../../src/config.js';
import { createTestDatabase } from './postgres.js';
import { pgAvailable } from './services.js';

/** Where a test app keeps its data: the embedded DuckDB file, or a PostgreSQL database of its own. */
export type Tier = 'duckdb' | 'postgres';

/**
 * The tiers a suite runs on: DuckDB always, PostgreSQL when it answers (a failure instead of a skip
 * when SIGHTLINE_TEST_REQUIRE names `pg`). Top-level await in a suite: `describe.each(await testTiers())`.
 */
export async function testTiers(): Promise<Tier[]> {
  return (await pgAvailable()) ? ['duckdb', 'postgres'] : ['duckdb'];
}

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
 * Builds an app on a fresh store (embedded in a temp dir, or with `tier: 'postgres'` a database
 * `sl_test_<hash of the data dir>` on the test server), with a first admin. `now` pins the clock
 * (event-time defaults, relative query ranges). `close()` shuts the app and removes the data dir
 * unless `keep` is set.
 */
export async function startTestApp(
  opts: { now?: number; config?: Partial<Config>; dataDir?: string; keep?: boolean; tier?: Tier } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? makeDataDir();
  // The PostgreSQL tier: a database of its own on the shared server, named after the data dir (a
  // restart on the same data dir finds its data again), dropped at close unless `keep`.
  // SIGHTLINE_TEST_TIER=postgres runs every suite that does not choose a tier on PostgreSQL.
  const tier = opts.tier ?? (process.env.SIGHTLINE_TEST_TIER === 'postgres' ? 'postgres' : 'duckdb');
  const database = tier === 'postgres' && opts.config?.databaseUrl === undefined ? await createTestDatabase(undefined, { key: dataDir }) : undefined;
  const config = loadConfig(
    {},
    {
      dataDir,
      logLevel: 'silent',
      adminEmail: ADMIN.email,
      adminPassword: ADMIN.password,
      rateLimits: GENEROUS_LIMITS,
      ...(database ? { databaseUrl: database.url } : {}),
      ...opts.config,
    },
  );
  const now = opts.now;
  let app: FastifyInstance;
  try {
    app = await buildApp(config, now === undefined ? {} : { clock: () => now });
    await app.ready();
  } catch (error) {
    if (!opts.keep) await database?.drop();
    throw error;
  }
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
      try {
        await app.close();
      } finally {
        if (!opts.keep) {
          rmSync(dataDir, { recursive: true, force: true });
          await database?.drop();
        }
      }
    },
  };
}
