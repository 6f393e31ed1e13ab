/**
 * PostgreSQL's portable tables (what `sightline backup` reads and `sightline restore` writes):
 * exact round trips, derived state rebuilt, all or nothing.
 */
import { rmSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStores } from '../src/store/duckdb/index.js';
import { PORTABLE_TABLES, type PortableRow } from '../src/store/portable.js';
import { PgPortableTables } from '../src/store/postgres/portable-tables.js';
import { makeDataDir } from './support/harness.js';
import { PG, chain, openPostgres, record0, T1, T2, T3, T_OLD, TRICKY, type OpenTier } from './support/meta-tiers.js';

const DAY = 86_400_000;

/** Every portable table of a tier, read in full. */
async function readAll(portable: { read(table: string): AsyncIterable<PortableRow[]> }): Promise<Record<string, PortableRow[]>> {
  const out: Record<string, PortableRow[]> = {};
  for (const table of PORTABLE_TABLES) {
    out[table.name] = [];
    for await (const chunk of portable.read(table.name)) out[table.name]!.push(...chunk);
  }
  // PostgreSQL reads events in storage order (partition by partition), not in seq order.
  out.events!.sort((a, b) => Number(a.seq) - Number(b.seq));
  return out;
}

/** A backup's worth of rows: every table, unicode and nulls, times with milliseconds, events over three months. */
function sampleBackup(events: number): Record<string, PortableRow[]> {
  const rows: Record<string, PortableRow[]> = Object.fromEntries(PORTABLE_TABLES.map((t) => [t.name, []]));
  rows.metrics = [{ name: 'signups', definition: TRICKY, updated_at: T1 }];
  rows.kpis = [{ name: 'ärger', definition: { metric: 'signups', target: 3 }, updated_at: T2 }];
  rows.dashboards = [{ id: 'd1', title: 'Überblick', body: { panels: [] }, created_by: 'user:u1', created_at: T1, updated_at: T2 }];
  rows.users = [
    { id: 'u1', email: 'zoë@example.com', password_hash: 'x', role: 'admin', disabled: false, must_change_password: true, created_at: T1, updated_at: T1, last_login_at: null },
  ];
  rows.roles = [{ name: 'support', description: '—', grants: [{ source: 'web', access: 'read' }], updated_at: T1 }];
  rows.refresh_tokens = [{ id: 't1', family_id: 'f1', user_id: 'u1', secret_hash: 'h', created_at: T1, expires_at: T3, used_at: null, revoked_at: T_OLD }];
  rows.api_keys = [
    { id: 'k1', name: 'key', key_hash: 'h', scopes: ['ingest'], sources: ['*'], created_by: 'cli:x', created_at: T1, expires_at: null, last_used_at: T2, revoked_at: null },
  ];
  rows.audit_log = chain([record0(), { ...record0(), details: { note: '😀' } }]).map((e) => ({
    seq: e.seq, recorded_at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, request_id: e.requestId, ip: e.ip,
    details: e.details, prev_hash: e.prevHash, hash: e.hash,
  }));
  rows.sources = [
    { name: 'app', description: '', retention_days: 30, pii: {}, created_at: T1, updated_at: T1, webhook_secret: 'sealed', rollup_dimensions: ['props.plan'] },
    { name: 'web', description: 'Web ✓', retention_days: null, pii: { 'props.email': 'hash' }, created_at: T1, updated_at: T2, webhook_secret: null, rollup_dimensions: [] },
  ];
  rows.events = Array.from({ length: events }, (_, i) => ({
    seq: i + 1,
    source: i % 3 === 0 ? 'web' : 'app',
    id: `e${i}`,
    name: i % 2 === 0 ? 'page_view' : 'signup',
    // Spread over three months (three partitions), with milliseconds.
    ts: T1 + Math.floor((i * 90 * DAY) / events) + (i % 1000),
    actor: i % 5 === 0 ? null : `actor-${i % 7}`,
    value: i % 4 === 0 ? null : i / 8,
    props: i % 6 === 0 ? null : { plan: i % 2 === 0 ? 'pro' : 'free', label: 'ünï 😀' },
    received_at: T2 + i,
  }));
  return rows;
}

/** Restores `rows` through `portable` (tables in PORTABLE_TABLES order, in chunks of `chunk`). */
async function restoreAll(portable: { restore: PgPortableTables['restore'] }, rows: Record<string, PortableRow[]>, chunk = 700): Promise<void> {
  await portable.restore(async (write) => {
    for (const table of PORTABLE_TABLES) {
      const all = rows[table.name] ?? [];
      for (let i = 0; i < all.length; i += chunk) await write(table.name, all.slice(i, i + chunk));
    }
  });
}

describe.runIf(PG)('PgPortableTables', () => {
  let opened: OpenTier;
  let portable: PgPortableTables;
  let pool: pg.Pool;

  beforeAll(async () => {
    opened = await openPostgres();
    pool = opened.pool!;
    portable = new PgPortableTables(pool);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('restores a backup and reads back exactly what was written, then rebuilds event_ids, the sequence and rollups', async () => {
    expect(await portable.isEmpty()).toBe(true);
    const backup = sampleBackup(12_345);
    await restoreAll(portable, backup);
    expect(await portable.isEmpty()).toBe(false);
    expect(await readAll(portable)).toEqual(backup);

    const one = async (sql: string) => (await pool.query<{ v: string }>(sql)).rows[0]!.v;
    expect(Number(await one('SELECT count(*) AS v FROM event_ids'))).toBe(12_345);
    expect(Number(await one(`SELECT nextval('events_seq') AS v`))).toBe(12_346);
    // The months' partitions were made before their rows went in: nothing landed in DEFAULT.
    expect(Number(await one('SELECT count(*) AS v FROM ONLY events_default'))).toBe(0);
    const partitions = await pool.query<{ name: string; n: number }>(
      `SELECT tableoid::regclass::text AS name, count(*) AS n FROM events GROUP BY 1 ORDER BY 1`,
    );
    expect(partitions.rows.map((r) => r.name)).toEqual(['events_2023_11', 'events_2023_12', 'events_2024_01', 'events_2024_02']);
    // The parent's statistics (autovacuum never makes them) describe the restored rows.
    expect(Number(await one(`SELECT count(*) AS v FROM pg_stats WHERE tablename = 'events' AND inherited`))).toBeGreaterThan(0);

    // Rollups against a reference computed here: events per (source, name, UTC day, d1).
    const reference = new Map<string, number>();
    for (const e of backup.events!) {
      const d1 = e.source === 'app' && e.props ? String((e.props as { plan: string }).plan) : null;
      const key = `${String(e.source)}|${String(e.name)}|${Math.floor(Number(e.ts) / DAY) * DAY}|${d1}`;
      reference.set(key, (reference.get(key) ?? 0) + 1);
    }
    const got = await pool.query<{ k: string; n: string }>(
      `SELECT source || '|' || name || '|' || bucket || '|' || coalesce(d1, 'null') AS k, sum(events) AS n FROM rollup_day GROUP BY 1`,
    );
    expect(new Map(got.rows.map((r) => [r.k, Number(r.n)]))).toEqual(reference);
    for (const grain of ['minute', 'hour']) {
      expect(Number(await one(`SELECT sum(events) AS v FROM rollup_${grain}`))).toBe(12_345);
    }
  });

  it('replaces what was there, and a failed restore leaves the database as it was', async () => {
    const first = sampleBackup(50);
    await restoreAll(portable, first);
    const before = await readAll(portable);
    const rollupsBefore = (await pool.query('SELECT count(*) AS n FROM rollup_minute')).rows[0];

    // Fails half way through the events.
    await expect(
      portable.restore(async (write) => {
        await write('metrics', [{ name: 'other', definition: {}, updated_at: T1 }]);
        await write('events', sampleBackup(10).events!.slice(0, 5));
        throw new Error('the backup file is truncated');
      }),
    ).rejects.toThrow(/truncated/);
    // A cell of the wrong kind names itself.
    await expect(restoreAll(portable, { ...first, users: [{ ...first.users![0]!, disabled: 'no' }] })).rejects.toThrow(/users, column disabled/);
    // A duplicate event id cannot be restored (event_ids keeps (source, id) unique).
    await expect(restoreAll(portable, { ...first, events: [...first.events!, { ...first.events![0]!, seq: 999 }] })).rejects.toThrow(/duplicate key/);
    await expect(portable.restore(async (write) => write('nope', [{}]))).rejects.toThrow(/unknown portable table/);

    expect(await readAll(portable)).toEqual(before);
    expect((await pool.query('SELECT count(*) AS n FROM rollup_minute')).rows[0]).toEqual(rollupsBefore);

    // An empty backup empties everything; the next event gets seq 1.
    await restoreAll(portable, {});
    expect(await portable.isEmpty()).toBe(true);
    expect((await pool.query(`SELECT nextval('events_seq') AS n`)).rows[0]).toEqual({ n: 1 });
    expect((await pool.query('SELECT count(*) AS n FROM rollup_day')).rows[0]).toEqual({ n: 0 });
  });

  it('reads in chunks and releases its connection when the reader stops early', async () => {
    await restoreAll(portable, sampleBackup(12_000));
    for (let i = 0; i < 6; i++) {
      let chunks = 0;
      for await (const chunk of portable.read('events')) {
        expect(chunk.length).toBeLessThanOrEqual(5_000);
        chunks++;
        break;
      }
      expect(chunks).toBe(1);
    }
    // The pool (max 4) would be exhausted had a stopped read kept its client.
    expect(pool.totalCount).toBeLessThanOrEqual(4);
    expect(pool.idleCount).toBe(pool.totalCount);
    const sizes: number[] = [];
    for await (const chunk of portable.read('events')) sizes.push(chunk.length);
    expect(sizes).toEqual([5_000, 5_000, 2_000]);
  });

  it('is portable: DuckDB → PostgreSQL → DuckDB gives back the same rows', async () => {
    const dir = makeDataDir();
    const duck = await openDuckDbStores(dir);
    try {
      const backup = sampleBackup(3_000);
      await restoreAll(duck.portable, backup);
      const fromDuck = await readAll(duck.portable);
      expect(fromDuck).toEqual(backup);
      await restoreAll(portable, fromDuck);
      const fromPg = await readAll(portable);
      expect(fromPg).toEqual(backup);
      await restoreAll(duck.portable, { metrics: [{ name: 'x', definition: {}, updated_at: T1 }] });
      await restoreAll(duck.portable, fromPg);
      expect(await readAll(duck.portable)).toEqual(backup);
      // Both tiers rebuilt the same rollups.
      const pgDay = await pool.query<{ source: string; name: string; bucket: string; d1: string | null; events: string }>(
        'SELECT source, name, bucket, d1, sum(events) AS events FROM rollup_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4',
      );
      const duckDay = await duck.events.query(
        'SELECT source, name, bucket, d1, sum(events) FROM rollup_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 NULLS LAST',
        [],
      );
      expect(pgDay.rows.map((r) => [r.source, r.name, Number(r.bucket), r.d1, Number(r.events)])).toEqual(duckDay);
    } finally {
      await duck.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps fractional milliseconds (PostgreSQL microseconds) through a round trip', async () => {
    await restoreAll(portable, { metrics: [{ name: 'm', definition: {}, updated_at: T1 + 0.456 }] });
    const { metrics } = await readAll(portable);
    expect(metrics).toEqual([{ name: 'm', definition: {}, updated_at: T1 + 0.456 }]);
  });
});

