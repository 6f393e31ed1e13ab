/**
 * The PostgreSQL event store on a real PostgreSQL (a database of its own): group commit, ids,
 * sequence order across two instances, COPY escaping, partitions, the privacy and retention paths
 * with their rollup repair, compaction and dimension rebuilds — rollups always compared with the
 * raw events they summarise.
 */
import type { StoredEvent } from '@sightline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores, type PgStores } from '../src/store/postgres/index.js';
import { copyText } from '../src/store/postgres/event-writer.js';
import type { ResolvedEvent } from '../src/store/types.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { pgAvailable } from './support/services.js';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;

function event(i: number, over: Partial<ResolvedEvent> = {}): ResolvedEvent {
  return { id: `e${i}`, source: 'shop', name: i % 3 === 0 ? 'buy' : 'view', ts: T0 + i * 60_000, actor: `u${i % 7}`, value: i % 4 === 0 ? null : i / 2, props: JSON.stringify({ c: ['de', 'fr', 'it'][i % 3], n: i % 5 }), ...over };
}

describe.runIf(await pgAvailable())('PostgreSQL event store', () => {
  let db: TestDatabase;
  let stores: PgStores;
  let other: PgStores;
  beforeAll(async () => {
    db = await createTestDatabase();
    stores = await openPostgresStores(db.url);
    other = await openPostgresStores(db.url);
  });
  afterAll(async () => {
    await stores?.close();
    await other?.close();
    await db?.drop();
  });

  const q = (sql: string, params: unknown[] = []) => stores.events.query(sql, params);

  /** Rollup totals per (grain table, source, name, bucket) against the same sums over the raw events. */
  async function expectRollupsExact(): Promise<void> {
    for (const [table, unit] of [['rollup_minute', 60_000], ['rollup_hour', 3_600_000], ['rollup_day', DAY]] as const) {
      const rolled = await q(
        `SELECT source, name, bucket, sum(events)::bigint, sum(value_count)::bigint, sum(value_sum), min(value_min), max(value_max) FROM ${table} GROUP BY 1, 2, 3 HAVING sum(events) > 0 ORDER BY 1, 2, 3`,
      );
      const raw = await q(
        `SELECT source, name, floor((date_part('epoch', ts) * 1000)::bigint / ${unit}::numeric)::bigint * ${unit}, count(*), count(value), sum(value), min(value), max(value) FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      expect(rolled.length, table).toBe(raw.length);
      rolled.forEach((row, i) => {
        expect(row.slice(0, 5), table).toEqual(raw[i]!.slice(0, 5));
        if (raw[i]![5] === null) expect(row[5]).toBeNull();
        else expect(row[5] as number).toBeCloseTo(raw[i]![5] as number, 6);
        expect(row.slice(6)).toEqual(raw[i]!.slice(6));
      });
    }
  }

  it('escapes COPY text: backslash, tab, newline, carriage return', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('plain')).toBe('plain');
  });

  it('stores a group of concurrent requests in one commit, each answered with its own counts and seqs', async () => {
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 25 }, (_, k) => event(b * 25 + k)));
    const results = await Promise.all(batches.map((batch) => stores.events.append(batch)));
    expect(results.map((r) => r.accepted)).toEqual(batches.map(() => 25));
    // Consecutive seq ranges in request order.
    const firstLast = results[0]!.lastSeq - 24;
    results.forEach((r, i) => expect(r.lastSeq).toBe(firstLast + 25 * (i + 1) - 1));
    const rows = await q('SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM events');
    expect(rows).toEqual([[500, firstLast, firstLast + 499, 500]]);
    await expectRollupsExact();
  });

  it('recognises duplicates within a group, across groups, and with another ts', async () => {
    const dupes = [event(1), event(2, { ts: T0 - DAY }), event(9001), event(9001), event(9002)];
    const [a, b] = await Promise.all([stores.events.append(dupes), stores.events.append([event(9002), event(9003)])]);
    expect([a.accepted, a.duplicates]).toEqual([2, 3]);
    expect([b.accepted, b.duplicates]).toEqual([1, 1]);
    // Every event of a request takes a seq, duplicates too (as on DuckDB).
    expect(b.lastSeq - a.lastSeq).toBe(2);
    expect(await q("SELECT count(*) FROM events WHERE id IN ('e9001', 'e9002', 'e9003')")).toEqual([[3]]);
  });

  it('keeps awkward text intact through COPY and jsonb', async () => {
    const odd = ['tab\there', 'line\nbreak', 'back\\slash', 'cr\rlf', 'quote\'s "double"', 'ünïcødé ✓ 😀', '\\N', '\\.'];
    const events = odd.map((s, i) => event(20_000 + i, { name: s, actor: s, props: JSON.stringify({ s, nested: { s } }) }));
    expect((await stores.events.append(events)).accepted).toBe(odd.length);
    const rows = await q("SELECT name, actor, props->>'s', props #>> '{nested,s}' FROM events WHERE id LIKE 'e2000_' ORDER BY id");
    expect(rows).toEqual(odd.map((s) => [s, s, s, s]));
  });

  it('refuses a request with a NUL character on its own, not its group', async () => {
    const [bad, good] = await Promise.allSettled([
      stores.events.append([event(30_000, { name: 'nul\u0000' })]),
      stores.events.append([event(30_001), event(30_002, { props: JSON.stringify({ s: 'not a nul: \\u0000' }) })]),
    ]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'invalid_events' });
    expect(good).toMatchObject({ status: 'fulfilled', value: { accepted: 2 } });
  });

  it('refuses a query value holding NUL with invalid_query, not a 500', async () => {
    await expect(q('SELECT count(*) FROM events WHERE name = $1', ['a\u0000b'])).rejects.toMatchObject({ code: 'invalid_query' });
  });

  it('returns plain values: counts as numbers, times as epoch ms', async () => {
    const [[count, ts, value]] = (await q("SELECT count(*), max(ts), sum(value) FROM events WHERE id = 'e1'")) as [[unknown, unknown, unknown]];
    expect([count, ts, value]).toEqual([1, T0 + 60_000, 0.5]);
  });

  it('two instances: seq order is commit order (a reported lastSeq has everything below it stored)', async () => {
    const seen: { lastSeq: number; storedBelow: number }[] = [];
    const work = [stores, other].flatMap((s, k) =>
      Array.from({ length: 30 }, (_, b) =>
        s.events.append(Array.from({ length: 10 }, (_, j) => event(100_000 + k * 10_000 + b * 10 + j))).then(async (r) => {
          const [[n]] = (await q('SELECT count(*) FROM events WHERE seq <= $1', [r.lastSeq])) as [[number]];
          seen.push({ lastSeq: r.lastSeq, storedBelow: n });
        }),
      ),
    );
    await Promise.all(work);
    for (const s of seen) {
      const [[n]] = (await q('SELECT count(*) FROM events WHERE seq <= $1', [s.lastSeq])) as [[number]];
      expect(s.storedBelow, `lastSeq ${s.lastSeq}`).toBe(n);
    }
    expect(await q('SELECT count(*) FROM events WHERE id LIKE $1', ['e1_____'])).toEqual([[600]]);
  });

  it('creates month partitions on demand, keeps old history in DEFAULT, and moves stray rows out of it', async () => {
    const months = ['2025-11-15T00:00:00Z', '2026-01-31T23:59:59.999Z', '1999-06-01T00:00:00Z'].map(Date.parse);
    await stores.events.append(months.map((ts, i) => event(40_000 + i, { ts })));
    const parts = (await q("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1")).map((r) => r[0]);
    expect(parts).toEqual(expect.arrayContaining(['events_2025_11', 'events_2026_01', 'events_2026_03', 'events_default']));
    expect(await q("SELECT count(*) FROM events_default WHERE id = 'e40002'")).toEqual([[1]]);
    // A row for a month without a partition, put into DEFAULT behind the writer's back:
    await q("INSERT INTO events_default SELECT 999999, 'shop', 'stray', 'x', '2027-05-05T00:00:00Z', NULL, NULL, NULL, now()");
    await stores.events.append([event(40_010, { ts: Date.parse('2027-05-06T00:00:00Z') })]).catch(() => undefined);
    // (a ts more than a day ahead of now is refused by ingest validation, not by the store)
    expect(await q("SELECT tableoid::regclass::text FROM events WHERE id IN ('stray', 'e40010') ORDER BY id")).toEqual([['events_2027_05'], ['events_2027_05']]);
    // The stray row has no rollup rows (it bypassed the writer): out with it, for the rollup checks below.
    await q("DELETE FROM events WHERE id = 'stray'");
  });

  it('two instances needing the same new month at once create its partition once, and both store', async () => {
    const ts = Date.parse('2024-02-29T12:00:00Z');
    const [a, b] = await Promise.all([stores.events.append([event(45_000, { ts })]), other.events.append([event(45_001, { ts })])]);
    expect([a.accepted, b.accepted]).toEqual([1, 1]);
    expect(await q("SELECT tableoid::regclass::text, count(*) FROM events WHERE id IN ('e45000', 'e45001') GROUP BY 1")).toEqual([['events_2024_02', 2]]);
  });

  it('does not stall ingest behind a long query on DEFAULT: the month goes there, its partition later', async () => {
    const reader = await stores.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM events_default');
      const started = Date.now();
      const r = await stores.events.append([event(46_000, { ts: Date.parse('2023-07-01T00:00:00Z') })]);
      expect(r.accepted).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await reader.query('COMMIT');
      reader.release();
    }
    expect(await q("SELECT tableoid::regclass::text FROM events WHERE id = 'e46000'")).toEqual([['events_default']]);
  });

  it('streams the events of an actor in time order, chunk by chunk, and stops cleanly', async () => {
    const chunks: StoredEvent[][] = [];
    for await (const chunk of stores.events.eventsOfActor(['u3'])) chunks.push(chunk);
    const all = chunks.flat();
    const [[n]] = (await q("SELECT count(*) FROM events WHERE actor = 'u3'")) as [[number]];
    expect(all.length).toBe(n);
    expect(all.map((e) => e.ts)).toEqual([...all.map((e) => e.ts)].sort((a, b) => a - b));
    expect(all[0]).toMatchObject({ source: 'shop', actor: 'u3' });
    for await (const chunk of stores.events.eventsOfActor(['u3'])) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(await stores.events.sourcesOfActor(['u3', 'nobody'])).toEqual(['shop']);
  });

  it('erases an actor with its event ids, repairing the rollups in the same transaction', async () => {
    const [[before]] = (await q("SELECT count(*) FROM events WHERE actor = 'u2'")) as [[number]];
    expect(await stores.events.eraseActor(['u2'])).toBe(before);
    expect(await q("SELECT count(*) FROM events WHERE actor = 'u2'")).toEqual([[0]]);
    await expectRollupsExact();
    // The ids are free again: the same event can be sent anew.
    const again = await stores.events.append([event(2)]);
    expect(again.accepted).toBe(1);
  });

  it('retention deletes old events and repairs their days', async () => {
    const cut = T0 + 3 * 3_600_000;
    const [[old]] = (await q('SELECT count(*) FROM events WHERE source = $1 AND ts < to_timestamp($2::float8 / 1000)', ['shop', cut])) as [[number]];
    expect(old).toBeGreaterThan(0);
    expect(await stores.events.deleteOlderThan('shop', cut)).toBe(old);
    await expectRollupsExact();
  });

  it('compaction merges delta rows and keeps every total', async () => {
    // One group each (awaited one after the other), all in the same minute: three delta rows of one key.
    for (const k of [1, 4, 7]) await stores.events.append([event(50_000 + k, { ts: T0 + 10 * DAY })]);
    const [[rows]] = (await q('SELECT count(*) FROM rollup_minute')) as [[number]];
    const removed = await stores.events.compactRollups();
    expect(removed).toBeGreaterThan(0);
    const [[after]] = (await q('SELECT count(*) FROM rollup_minute')) as [[number]];
    expect(after).toBeLessThan(rows);
    expect(await stores.events.compactRollups()).toBe(0);
    await expectRollupsExact();
  });

  it('declared dimensions rebuild the source\'s rollups and fill the slots with the dialect\'s text', async () => {
    await stores.sources.put({ name: 'shop', description: '', retentionDays: null, pii: {}, webhookSecret: null, rollupDimensions: [], createdAt: T0, updatedAt: T0 });
    await stores.events.setRollupDimensions('shop', ['props.c', 'props.n']);
    expect(stores.events.rollupLayout().get('shop')).toEqual(['props.c', 'props.n']);
    const slots = await q("SELECT d1, d2, sum(events)::bigint FROM rollup_day WHERE source = 'shop' GROUP BY 1, 2 ORDER BY 1, 2");
    const raw = await q("SELECT props->>'c', props->>'n', count(*) FROM events WHERE source = 'shop' GROUP BY 1, 2 ORDER BY 1, 2");
    expect(slots).toEqual(raw);
    // New groups append in the new layout (read under the ingest lock), on the other instance too.
    await other.events.append([event(60_000, { props: JSON.stringify({ c: 'zz', n: 1.5 }) })]);
    expect(await q("SELECT d1, d2 FROM rollup_day WHERE d1 = 'zz'")).toEqual([['zz', '1.5']]);
    await expectRollupsExact();
  });
});
