/** A real in-memory DuckDB with the server's events table, run the way the server runs statements. */
import { DOUBLE, DuckDBInstance, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { MetricDefinition, QueryAnswer } from '@sightline/protocol';
import { planQuery } from '../src/index.js';

export interface TestEvent {
  source?: string;
  name: string;
  ts: number | string;
  actor?: string | null;
  value?: number | null;
  props?: Record<string, unknown> | null;
}

export const CREATE_EVENTS = `CREATE TABLE events (
  seq BIGINT NOT NULL, source VARCHAR NOT NULL, id VARCHAR NOT NULL, name VARCHAR NOT NULL,
  ts TIMESTAMPTZ NOT NULL, actor VARCHAR, value DOUBLE, props JSON,
  received_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (source, id))`;

export class TestDb {
  private seq = 0;
  private constructor(readonly connection: DuckDBConnection) {}

  static async create(): Promise<TestDb> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    const connection = await instance.connect();
    await connection.run(CREATE_EVENTS);
    return new TestDb(connection);
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
      const row = '(?, ?, ?, ?, make_timestamptz(CAST(? AS BIGINT) * 1000), ?, ?, CAST(? AS JSON), now())';
      await this.connection.run(`INSERT INTO events VALUES ${chunk.map(() => row).join(', ')}`, params as never, doublesWhereNeeded(params));
    }
  }

  /** Rows as the server's store gives them: bigint → number, everything else as DuckDB's JS values. */
  async rows(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    const reader = await this.connection.runAndReadAll(sql, params as never, doublesWhereNeeded(params));
    return reader.getRowsJS().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : v)));
  }

  async query(body: unknown, options: { now?: number; metrics?: ReadonlyMap<string, MetricDefinition> } = {}): Promise<QueryAnswer> {
    const plan = planQuery(body, { now: options.now ?? Date.parse('2026-04-01T00:00:00Z'), metrics: options.metrics ?? new Map() });
    const results = [];
    for (const s of plan.statements) results.push(await this.rows(s.sql, s.params));
    return plan.finish(results);
  }
}

/** As the server's store does: a whole number past 2^53 is bound as DOUBLE (the client would try int64). */
function doublesWhereNeeded(params: readonly unknown[]): DuckDBType[] {
  return params.map((p) => (typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p) ? DOUBLE : undefined)) as DuckDBType[];
}
