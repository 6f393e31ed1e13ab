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
export async function openDatabase(dataDir: string): Promise<{ instance: DuckDBInstance; created: boolean }> {
  mkdirSync(dataDir, { recursive: true });
  const instance = await DuckDBInstance.create(path.join(dataDir, DATABASE_FILE), {
    // json, parquet and icu are built in; anything else would try to download at run time.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    const before = await migrate(connection);
    return { instance, created: before === 0 };
  } finally {
    connection.closeSync();
  }
}

/** Applies the migrations not applied yet; returns the version the file had before. */
async function migrate(connection: DuckDBConnection): Promise<number> {
  await connection.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const reader = await connection.runAndReadAll('SELECT max(version) FROM schema_version');
  const current = Number(reader.getRows()[0]?.[0] ?? 0);
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    await connection.run('BEGIN TRANSACTION');
    try {
      await connection.run(MIGRATIONS[version - 1]!);
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
