import pg from 'pg';
import { MIGRATIONS, MIGRATION_LOCK } from './schema.js';

/**
 * Values as the rest of Sightline speaks them (store/types.ts `Row`): int8 and numeric as numbers
 * (counts never pass 2^53; pg would give strings), timestamps as epoch milliseconds. Set on our own
 * pools only, never on pg's global parsers, so other modules' pools are left alone.
 */
const parseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    switch (oid) {
      case pg.types.builtins.INT8:
      case pg.types.builtins.NUMERIC:
        return (text: string) => Number(text);
      case pg.types.builtins.TIMESTAMPTZ:
        return (text: string) => parseTimestamptz(text).getTime();
      default:
        return pg.types.getTypeParser(oid, (format ?? 'text') as 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long to wait for a connection before failing (default 5 s): a dead server must fail requests, not queue them forever. */
  connectionTimeoutMillis?: number;
}

/**
 * A pool on `url`. A connection that breaks (server restart) is dropped from the pool when it
 * errors, and the next checkout opens a new one: the pool recovers on its own once PostgreSQL is
 * back. Idle connections that die emit 'error' on the pool, which would crash the process if
 * nobody listened: they are only logged by the caller (onError).
 */
export function openPool(url: string, options: PoolOptions = {}, onError: (error: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: 30_000,
    // Writes are durable before ingest answers (the default, stated so that a server-wide change is overridden).
    options: '-c synchronous_commit=on',
    types: TYPES,
  });
  pool.on('error', onError);
  return pool;
}

export interface MigrationResult {
  /** The version before (0: an empty database). */
  from: number;
  /** The version after. */
  to: number;
}

/**
 * Applies the migrations not applied yet, each in its own transaction together with its
 * `schema_version` row: a migration that fails leaves the database as the previous one left it.
 * A session advisory lock makes a second instance starting at the same time wait, then find
 * nothing left to do.
 */
export async function migrate(pool: pg.Pool, migrations: readonly string[] = MIGRATIONS): Promise<MigrationResult> {
  const held = await checkout(pool);
  const client = held.client;
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const current = await schemaVersion(client);
      for (let version = current + 1; version <= migrations.length; version++) {
        await client.query('BEGIN');
        try {
          // Inside the transaction: a first migration that fails leaves no trace at all.
          await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
          // Without parameters pg uses the simple protocol, which runs a multi-statement script.
          await client.query(migrations[version - 1]!);
          await client.query('INSERT INTO schema_version VALUES ($1)', [version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return { from: current, to: Math.max(current, migrations.length) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A client whose session may still hold the lock or a transaction is not reused.
    held.release(broken);
  }
}

/** The applied version (0 for an empty database), without migrating. */
export async function schemaVersion(db: pg.Pool | pg.ClientBase): Promise<number> {
  const exists = await db.query<{ r: string | null }>("SELECT to_regclass('schema_version') AS r");
  if (exists.rows[0]?.r == null) return 0;
  const result = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
  return Number(result.rows[0]?.v ?? 0);
}

/** A pooled client that records a connection error instead of crashing the process. */
export interface Checkout {
  client: pg.PoolClient;
  /** The error the connection failed with while checked out, if any. */
  failed(): Error | undefined;
  /** Hands the client back, or destroys it when it failed or `error` says it is unusable. */
  release(error?: Error): void;
}

/**
 * pg-pool listens for errors of idle clients only: a checked-out client whose connection drops
 * between two queries (PostgreSQL restarting) emits 'error' with nobody listening, which would
 * crash the process. Every checkout of this tier listens while it holds the client.
 */
export async function checkout(pool: pg.Pool): Promise<Checkout> {
  const client = await pool.connect();
  let failure: Error | undefined;
  const onError = (error: Error) => (failure ??= error);
  client.on('error', onError);
  let released = false;
  return {
    client,
    failed: () => failure,
    release(error) {
      if (released) return;
      released = true;
      client.removeListener('error', onError);
      client.release(error ?? failure);
    },
  };
}
