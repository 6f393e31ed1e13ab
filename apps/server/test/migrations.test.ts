/**
 * Versioned migrations on both tiers: pending ones are applied in order, each in its own transaction,
 * and one that fails half-way leaves the database exactly as it was (version and tables) — on a
 * fresh database too. PostgreSQL: two instances migrating at once migrate once (advisory lock).
 */
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateCommand } from '../src/cli/migrate.js';
import { loadConfig } from '../src/config.js';
import { DATABASE_FILE, openDatabase } from '../src/store/duckdb/database.js';
import { MIGRATIONS as DUCKDB_MIGRATIONS } from '../src/store/duckdb/schema.js';
import { migrate, openPool, schemaVersion } from '../src/store/postgres/database.js';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../src/store/postgres/schema.js';
import { makeDataDir } from './support/harness.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { pgAvailable } from './support/services.js';

const GOOD = ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1)'];
/** A valid first statement, then an invalid one. */
const BAD = 'CREATE TABLE c (z INTEGER); INSERT INTO a VALUES (7); CREATE TABLE d (oops';

describe('DuckDB migrations', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = () => {
    const d = makeDataDir();
    dirs.push(d);
    return d;
  };
  /** The version and the tables of the file, read without migrating. */
  async function state(dataDir: string): Promise<{ version: number; tables: string[]; a: number }> {
    const instance = await DuckDBInstance.create(`${dataDir}/${DATABASE_FILE}`);
    const c = await instance.connect();
    try {
      const tables = (await c.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1")).getRows().map((r) => String(r[0]));
      const version = tables.includes('schema_version') ? Number((await c.runAndReadAll('SELECT max(version) FROM schema_version')).getRows()[0]![0] ?? 0) : 0;
      const a = tables.includes('a') ? Number((await c.runAndReadAll('SELECT count(*) FROM a')).getRows()[0]![0]) : -1;
      return { version, tables, a };
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  }

  it('applies pending migrations in order and reports the versions', async () => {
    const d = dir();
    const first = await openDatabase(d, GOOD.slice(0, 1));
    first.instance.closeSync();
    expect([first.from, first.to, first.created]).toEqual([0, 1, true]);
    const second = await openDatabase(d, GOOD);
    second.instance.closeSync();
    expect([second.from, second.to, second.created]).toEqual([1, 2, false]);
    expect(await state(d)).toEqual({ version: 2, tables: ['a', 'b', 'schema_version'], a: 0 });
  });

  it('a failing migration leaves the file as it was', async () => {
    const d = dir();
    (await openDatabase(d, GOOD)).instance.closeSync();
    const before = await state(d);
    await expect(openDatabase(d, [...GOOD, BAD])).rejects.toThrow();
    expect(await state(d)).toEqual(before);
  });

  it('a failing first migration leaves a fresh file empty', async () => {
    const d = dir();
    await expect(openDatabase(d, [BAD])).rejects.toThrow();
    expect(await state(d)).toEqual({ version: 0, tables: [], a: -1 });
  });

  it('sightline migrate brings the embedded tier to the latest version', async () => {
    const lines: string[] = [];
    const config = loadConfig({}, { dataDir: dir() });
    expect(await migrateCommand(config, [], (l) => lines.push(l))).toBe(0);
    expect(await migrateCommand(config, [], (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([`DuckDB schema migrated from version 0 to ${DUCKDB_MIGRATIONS.length}.`, `DuckDB schema is up to date (version ${DUCKDB_MIGRATIONS.length}).`]);
  });
});

describe.runIf(await pgAvailable())('PostgreSQL migrations', () => {
  const databases: TestDatabase[] = [];
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await Promise.all(databases.map((d) => d.drop()));
  });
  async function fresh(): Promise<pg.Pool> {
    const db = await createTestDatabase();
    databases.push(db);
    const pool = openPool(db.url, { max: 3 });
    pools.push(pool);
    return pool;
  }
  async function state(pool: pg.Pool): Promise<{ version: number; tables: string[]; a: number }> {
    const tables = (await pool.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.t);
    const a = tables.includes('a') ? Number((await pool.query<{ n: number }>('SELECT count(*) AS n FROM a')).rows[0]!.n) : -1;
    return { version: await schemaVersion(pool), tables, a };
  }

  it('applies pending migrations in order and reports the versions', async () => {
    const pool = await fresh();
    expect(await migrate(pool, GOOD.slice(0, 1))).toEqual({ from: 0, to: 1 });
    expect(await migrate(pool, GOOD)).toEqual({ from: 1, to: 2 });
    expect(await migrate(pool, GOOD)).toEqual({ from: 2, to: 2 });
    expect(await state(pool)).toEqual({ version: 2, tables: ['a', 'b', 'schema_version'], a: 0 });
  });

  it('a failing migration leaves the database as it was', async () => {
    const pool = await fresh();
    await migrate(pool, GOOD);
    const before = await state(pool);
    await expect(migrate(pool, [...GOOD, BAD])).rejects.toThrow(/syntax/);
    expect(await state(pool)).toEqual(before);
    // The pool still works, and the lock was let go: a correct list applies.
    expect(await migrate(pool, [...GOOD, 'CREATE TABLE c (z INTEGER)'])).toEqual({ from: 2, to: 3 });
  });

  it('a failing first migration leaves a fresh database empty', async () => {
    const pool = await fresh();
    await expect(migrate(pool, [BAD])).rejects.toThrow();
    expect(await state(pool)).toEqual({ version: 0, tables: [], a: -1 });
  });

  it('two instances starting at once migrate once', async () => {
    const pool = await fresh();
    const other = openPool(databases.at(-1)!.url, { max: 1 });
    pools.push(other);
    const results = await Promise.all([migrate(pool), migrate(other)]);
    const n = POSTGRES_MIGRATIONS.length;
    expect(results.map((r) => r.to)).toEqual([n, n]);
    expect(results.map((r) => r.from).sort()).toEqual([0, n]);
    expect((await pool.query('SELECT version FROM schema_version ORDER BY 1')).rows.map((r: { version: number }) => r.version)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
  });

  it('sightline migrate brings the configured database to the latest version', async () => {
    await fresh();
    const config = loadConfig({}, { dataDir: makeDataDir(), databaseUrl: databases.at(-1)!.url });
    const lines: string[] = [];
    expect(await migrateCommand(config, [], (l) => lines.push(l))).toBe(0);
    expect(await migrateCommand(config, [], (l) => lines.push(l))).toBe(0);
    rmSync(config.dataDir, { recursive: true, force: true });
    expect(lines).toEqual([`PostgreSQL schema migrated from version 0 to ${POSTGRES_MIGRATIONS.length}.`, `PostgreSQL schema is up to date (version ${POSTGRES_MIGRATIONS.length}).`]);
  });
});

