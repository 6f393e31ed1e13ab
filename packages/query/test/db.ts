/**
 * A real database with the server's events table, run the way the server runs statements, on either
 * tier: an in-memory DuckDB, or PostgreSQL (the test machine's shared server, or
 * SIGHTLINE_TEST_PG_URL). Suites run once per tier in TIERS with the same expectations.
 */
import { randomBytes } from 'node:crypto';
import { DOUBLE, DuckDBInstance, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { MetricDefinition, QueryAnswer } from '@sightline/protocol';
import pg from 'pg';
import { afterAll } from 'vitest';
import { duckdbDialect, planQuery, postgresDialect, type Dialect } from '../src/index.js';

export interface TestEvent {
  source?: string;
  name: string;
  ts: number | string;
  actor?: string | null;
  value?: number | null;
  props?: Record<string, unknown> | null;
}

export type Tier = 'duckdb' | 'postgres';

export const CREATE_EVENTS = `CREATE TABLE events (
  seq BIGINT NOT NULL, source VARCHAR NOT NULL, id VARCHAR NOT NULL, name VARCHAR NOT NULL,
  ts TIMESTAMPTZ NOT NULL, actor VARCHAR, value DOUBLE, props JSON,
  received_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (source, id))`;

/** The same table on PostgreSQL, typed as the server's schema types it (store/postgres/schema.ts). */
const CREATE_EVENTS_PG = `CREATE TABLE events (
  seq BIGINT NOT NULL, source TEXT COLLATE "C" NOT NULL, id TEXT NOT NULL, name TEXT COLLATE "C" NOT NULL,
  ts TIMESTAMPTZ NOT NULL, actor TEXT COLLATE "C", value DOUBLE PRECISION, props JSONB,
  received_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (source, id))`;

const PG_URL = process.env.SIGHTLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// Rows as the server's PostgreSQL store gives them: int8/numeric as numbers, times as epoch ms.
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    if (oid === 1184) {
      const parseDate = pg.types.getTypeParser(1184, 'text') as (v: string) => Date;
      return (v: string) => parseDate(v).getTime();
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** Is PostgreSQL there? Without it, the postgres tier is skipped, unless SIGHTLINE_TEST_REQUIRE names `pg`. */
async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    const required = (process.env.SIGHTLINE_TEST_REQUIRE ?? '').split(',').map((s) => s.trim());
    if (required.includes('pg')) throw new Error(`SIGHTLINE_TEST_REQUIRE includes "pg", but PostgreSQL at ${new URL(PG_URL).host} is not reachable: ${String(error)}`);
    process.stderr.write(`skipping the postgres tier: PostgreSQL at ${new URL(PG_URL).host} is not reachable (set SIGHTLINE_TEST_REQUIRE=pg to make this a failure)\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The tiers this run covers: DuckDB always, PostgreSQL when it answers. */
export const TIERS: readonly Tier[] = (await pgAvailable()) ? ['duckdb', 'postgres'] : ['duckdb'];

export const dialectOf = (tier: Tier): Dialect => (tier === 'postgres' ? postgresDialect : duckdbDialect);

/**
 * One database per test file (created on first use, dropped after the file's tests), one schema per
 * TestDb in it: a test file makes up to 25 TestDbs and never closes them, and a database (with
 * its connections) each would eat the shared server's connection budget that other suites use too.
 */
class PgFileDatabase {
  private static current: Promise<PgFileDatabase> | undefined;
  private schemas = 0;
  private constructor(
    readonly name: string,
    readonly pool: pg.Pool,
  ) {}

  static get(): Promise<PgFileDatabase> {
    PgFileDatabase.current ??= PgFileDatabase.create();
    return PgFileDatabase.current;
  }

  private static async create(): Promise<PgFileDatabase> {
    const name = `sl_qtest_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    return new PgFileDatabase(name, new pg.Pool({ connectionString: url.toString(), max: 2, types }));
  }

  nextSchema(): string {
    return `t${++this.schemas}`;
  }

  static async dropCurrent(): Promise<void> {
    const current = PgFileDatabase.current;
    PgFileDatabase.current = undefined;
    if (!current) return;
    const db = await current;
    await db.pool.end();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

// A top-level hook of a helper module attaches to the importing test file's root suite.
afterAll(() => PgFileDatabase.dropCurrent());

export class TestDb {
  private seq = 0;
  readonly dialect: Dialect;
  private constructor(
    readonly tier: Tier,
    private readonly duck: DuckDBConnection | undefined,
    private readonly pgDb: { db: PgFileDatabase; schema: string } | undefined,
  ) {
    this.dialect = dialectOf(tier);
  }

  /** The DuckDB connection (DuckDB tier only). */
  get connection(): DuckDBConnection {
    if (!this.duck) throw new Error('connection: DuckDB tier only');
    return this.duck;
  }

  static async create(tier: Tier = 'duckdb'): Promise<TestDb> {
    if (tier === 'postgres') {
      const db = await PgFileDatabase.get();
      const schema = db.nextSchema();
      await db.pool.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${CREATE_EVENTS_PG}; RESET search_path`);
      return new TestDb(tier, undefined, { db, schema });
    }
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    const connection = await instance.connect();
    await connection.run(CREATE_EVENTS);
    return new TestDb(tier, connection, undefined);
  }

  async insert(events: readonly TestEvent[]): Promise<void> {
    // One statement per few hundred rows: row-at-a-time INSERTs dominated the test time.
    for (let start = 0; start < events.length; start += 500) {
      const chunk = events.slice(start, start + 500);
      const params: unknown[] = [];
      for (const e of chunk) {
        const seq = ++this.seq;
        const ts = typeof e.ts === 'number' ? e.ts : Date.parse(e.ts);
        params.push(seq, e.source ?? 'shop', `e${seq}`, e.name, ts, e.actor ?? null, e.value ?? null, e.props == null ? null : JSON.stringify(e.props));
      }
      if (this.pgDb) {
        const rows = chunk.map((_, r) => {
          const p = (k: number) => `$${r * 8 + k}`;
          return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, to_timestamp(${p(5)}::float8 / 1000), ${p(6)}, ${p(7)}::float8, ${p(8)}::jsonb, now())`;
        });
        // JSON text goes to jsonb as is; JS numbers as their shortest text (exact for a double).
        await this.withPg((client) => client.query(`INSERT INTO events VALUES ${rows.join(', ')}`, params));
        continue;
      }
      const row = '(?, ?, ?, ?, make_timestamptz(CAST(? AS BIGINT) * 1000), ?, ?, CAST(? AS JSON), now())';
      await this.connection.run(`INSERT INTO events VALUES ${chunk.map(() => row).join(', ')}`, params as never, doublesWhereNeeded(params));
    }
  }

  /** Rows as the server's store gives them: bigint → number, times → epoch ms, the rest as the client gives them. */
  async rows(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    if (this.pgDb) {
      const result = await this.withPg((client) => client.query({ text: sql, values: params as unknown[], rowMode: 'array' }));
      return result.rows as unknown[][];
    }
    const reader = await this.connection.runAndReadAll(sql, params as never, doublesWhereNeeded(params));
    return reader.getRowsJS().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : v)));
  }

  async query(body: unknown, options: { now?: number; metrics?: ReadonlyMap<string, MetricDefinition> } = {}): Promise<QueryAnswer> {
    const plan = planQuery(body, { now: options.now ?? Date.parse('2026-04-01T00:00:00Z'), metrics: options.metrics ?? new Map(), dialect: this.dialect });
    const results = [];
    for (const s of plan.statements) results.push(await this.rows(s.sql, s.params));
    return plan.finish(results);
  }

  /** A pooled connection with this TestDb's schema first on the search path. */
  private async withPg<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { db, schema } = this.pgDb!;
    const client = await db.pool.connect();
    try {
      await client.query(`SET search_path TO ${schema}`);
      return await work(client);
    } finally {
      client.release();
    }
  }
}

/** As the server's store does: a whole number past 2^53 is bound as DOUBLE (the client would try int64). */
function doublesWhereNeeded(params: readonly unknown[]): DuckDBType[] {
  return params.map((p) => (typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p) ? DOUBLE : undefined)) as DuckDBType[];
}
