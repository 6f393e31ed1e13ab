import net from 'node:net';

/** A service a suite may need beside DuckDB: a headless browser, PostgreSQL or Redis. */
export type ServiceName = 'browser' | 'pg' | 'redis' | (string & {});

/**
 * May a suite that needs `name` (`browser`, `pg`, `redis`, …) run? True when the service is
 * available. When it is not: false (the suite skips, with a note on stderr) unless
 * SIGHTLINE_TEST_REQUIRE (comma-separated names; CI sets it) names it, in which case this throws,
 * so that a suite never skips silently where it must run.
 */
export function requireService(name: ServiceName, available: boolean, why = `${name} is not available`): boolean {
  if (available) return true;
  const required = (process.env.SIGHTLINE_TEST_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (required.includes(name)) {
    throw new Error(`SIGHTLINE_TEST_REQUIRE includes "${name}", but ${why}. Install it (see .ci/run) or remove "${name}" from SIGHTLINE_TEST_REQUIRE.`);
  }
  process.stderr.write(`skipping the ${name} suite: ${why} (set SIGHTLINE_TEST_REQUIRE=${name} to make this a failure)\n`);
  return false;
}

/**
 * The shared PostgreSQL of the test machine (ENVIRONMENT.md), or SIGHTLINE_TEST_PG_URL. Tests never
 * use its databases: they create their own (support/postgres.ts) and drop them afterwards.
 */
export const TEST_PG_URL = process.env.SIGHTLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The shared Redis of the test machine, or SIGHTLINE_TEST_REDIS_URL. Tests use their own key prefix. */
export const TEST_REDIS_URL = process.env.SIGHTLINE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether something accepts TCP connections at the URL's host and port (within `timeoutMs`). */
export function reachable(url: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether PostgreSQL suites can run here; throws when they must but cannot (see requireService). */
export async function pgAvailable(): Promise<boolean> {
  return requireService('pg', await reachable(TEST_PG_URL, 5432), `nothing answers at ${new URL(TEST_PG_URL).host} (SIGHTLINE_TEST_PG_URL)`);
}

/** Whether Redis suites can run here; throws when they must but cannot (see requireService). */
export async function redisAvailable(): Promise<boolean> {
  return requireService('redis', await reachable(TEST_REDIS_URL, 6379), `nothing answers at ${new URL(TEST_REDIS_URL).host} (SIGHTLINE_TEST_REDIS_URL)`);
}
