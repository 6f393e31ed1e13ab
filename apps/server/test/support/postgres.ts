import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TEST_PG_URL } from './services.js';

/** The URL of `database` on the server of `base`. */
export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Terminates its connections and drops it. */
  drop(): Promise<void>;
}

async function admin<T>(base: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, uniquely named database (`sl_test_<random>`) on the shared test server (or `base`):
 * tests never touch the server's other databases, and drop theirs afterwards.
 */
export async function createTestDatabase(base = TEST_PG_URL, options: { key?: string } = {}): Promise<TestDatabase> {
  // With a key (a test app's data dir), the same key finds the same database: a test that restarts
  // its app on the same data dir finds its data again, on either tier.
  const suffix = options.key === undefined ? randomBytes(6).toString('hex') : createHash('sha256').update(options.key).digest('hex').slice(0, 16);
  const name = `sl_test_${suffix}`;
  await admin(base, async (c) => {
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } catch (error) {
      // 42P04 duplicate_database: the key's database is there already.
      if (options.key === undefined || (error as { code?: string }).code !== '42P04') throw error;
    }
  });
  return {
    name,
    url: databaseUrl(base, name),
    // WITH (FORCE) terminates the connections still open on it (a server that did not close cleanly).
    drop: () => admin(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL cluster, for tests that stop or restart the server (design.md "Private
// instances"). PostgreSQL refuses to run as root, so the cluster runs as the `postgres` user.

const PG_BIN = (() => {
  const versions = existsSync('/usr/lib/postgresql') ? spawnSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).stdout.trim().split('\n') : [];
  const latest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  return latest ? `/usr/lib/postgresql/${latest}/bin` : '';
})();

/** Whether a private cluster can be made here (initdb present, and a `postgres` user to run it). */
export function privatePostgresPossible(): boolean {
  return PG_BIN !== '' && existsSync(path.join(PG_BIN, 'initdb')) && spawnSync('id', ['-u', 'postgres']).status === 0;
}

const command = (args: string[]): [string, string[]] => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0]!, args.slice(1)]);

function asPostgres(args: string[]): { status: number | null; output: string } {
  const [cmd, rest] = command(args);
  const run = spawnSync(cmd, rest, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

/** As asPostgres, without blocking the event loop (a server in this process keeps answering meanwhile). */
function asPostgresAsync(args: string[]): Promise<void> {
  const [cmd, rest] = command(args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} failed (${code}): ${output}`))));
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back when this resolves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data dir. */
  destroy(): void;
}

/** initdb into a temp dir and start it on a random free port in 20000–29999. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sightline-pg-'));
  chmodSync(dir, 0o700);
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  chownSync(dir, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  const init = asPostgres([path.join(PG_BIN, 'initdb'), '-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.output}`);
  let port = 0;
  for (let attempt = 0; attempt < 20 && port === 0; attempt++) {
    const candidate = 20000 + Math.floor(Math.random() * 10000);
    if (await portFree(candidate)) port = candidate;
  }
  if (port === 0) throw new Error('no free port for a private PostgreSQL');
  const ctl = (action: string, extra: string[] = []) => asPostgresAsync([path.join(PG_BIN, 'pg_ctl'), '-D', dir, '-l', path.join(dir, 'server.log'), ...extra, '-w', action]);
  const options = ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`];
  await ctl('start', options);
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('restart', [...options, '-m', 'fast']),
    stop: () => ctl('stop', ['-m', 'fast']),
    start: () => ctl('start', options),
    destroy() {
      asPostgres([path.join(PG_BIN, 'pg_ctl'), '-D', dir, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
