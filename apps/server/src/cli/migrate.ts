import type { Config } from '../config.js';
import { openDatabase } from '../store/duckdb/database.js';
import { MIGRATIONS as DUCKDB_MIGRATIONS } from '../store/duckdb/schema.js';
import { migrate, openPool } from '../store/postgres/database.js';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../store/postgres/schema.js';
import { UsageError } from './accounts.js';

/**
 * `sightline migrate`: applies the pending migrations of the configured tier and prints the schema
 * version before and after. A server also migrates at start; this lets an operator do it first (a
 * rolling upgrade of several instances, or to see what a start would change). Each migration runs
 * in its own transaction; on PostgreSQL an advisory lock makes concurrent runs migrate once.
 */
export async function migrateCommand(config: Config, args: readonly string[], out: (line: string) => void): Promise<number> {
  if (args.length > 0) throw new UsageError('migrate takes no arguments');
  let from: number;
  let to: number;
  let latest: number;
  if (config.databaseUrl !== undefined) {
    const pool = openPool(config.databaseUrl, { max: 1 });
    try {
      ({ from, to } = await migrate(pool));
    } finally {
      await pool.end();
    }
    latest = POSTGRES_MIGRATIONS.length;
  } else {
    const opened = await openDatabase(config.dataDir);
    opened.instance.closeSync();
    ({ from, to } = opened);
    latest = DUCKDB_MIGRATIONS.length;
  }
  const tier = config.databaseUrl !== undefined ? 'PostgreSQL' : 'DuckDB';
  if (from === to) out(`${tier} schema is up to date (version ${to}).`);
  else out(`${tier} schema migrated from version ${from} to ${to}.`);
  if (to > latest) out(`warning: the database is at version ${to}, newer than this Sightline knows (${latest}).`);
  return 0;
}
