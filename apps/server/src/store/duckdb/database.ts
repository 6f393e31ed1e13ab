import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MIGRATIONS } from './schema.js';

export const DATABASE_FILE = 'sightline.duckdb';

/**
 * Opens (creating if needed) the embedded database under `dataDir` and brings its schema up to date.
 * DuckDB lets one process write a file; a second process gets a lock error, which callers turn
 * into a clear message.
 */
export async function openDatabase(
  dataDir: string,
  /** The migration list; tests inject their own (a failing one among them). */
  migrations: readonly string[] = MIGRATIONS,
): Promise<{ instance: DuckDBInstance; created: boolean; from: number; to: number }> {
  mkdirSync(dataDir, { recursive: true });
  const instance = await DuckDBInstance.create(path.join(dataDir, DATABASE_FILE), {
    // json, parquet and icu are built in; anything else would try to download at run time.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  try {
    const connection = await instance.connect();
    try {
      const from = await migrate(connection, migrations);
      return { instance, created: from === 0, from, to: Math.max(from, migrations.length) };
    } finally {
      connection.closeSync();
    }
  } catch (error) {
    // A failed migration must not leave the file held open by this process.
    instance.closeSync();
    throw error;
  }
}

/**
 * Applies the migrations not applied yet, each in its own transaction with its `schema_version`
 * row (a migration that fails leaves the file as the previous one left it); returns the version the
 * file had before. One process holds the file, so no lock is needed beyond DuckDB's own.
 */
async function migrate(connection: DuckDBConnection, migrations: readonly string[]): Promise<number> {
  const exists = await connection.runAndReadAll("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'");
  let current = 0;
  if (Number(exists.getRows()[0]?.[0] ?? 0) > 0) {
    const reader = await connection.runAndReadAll('SELECT max(version) FROM schema_version');
    current = Number(reader.getRows()[0]?.[0] ?? 0);
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    await connection.run('BEGIN TRANSACTION');
    try {
      // Inside the transaction: a first migration that fails leaves no trace at all.
      await connection.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      await connection.run(migrations[version - 1]!);
      await connection.run('INSERT INTO schema_version VALUES ($1)', [version]);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
  }
  return current;
}

/** True when DuckDB refused the file because another process holds it. */
export function isLockError(error: unknown): boolean {
  return error instanceof Error && /lock/i.test(error.message);
}
