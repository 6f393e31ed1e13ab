/**
 * Seeded random trend queries answered from rollups compared with the same queries answered from raw
 * events, on a real database. Rollups are filled through rollupDeltaStatements in several deltas
 * (late events included), then compacted, repaired after deletions and rebuilt with other dimensions;
 * after each step every query the planner answers from rollups must equal the raw answer.
 */
import type { AggregateMeasure, Filter, FilterScalar, Measure, QueryAnswer, TrendQuery } from '@sightline/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  planQuery,
  rollupCompactStatements,
  rollupCreateStatements,
  rollupDeltaStatements,
  rollupRebuildStatements,
  rollupRepairStatements,
  type RollupLayout,
} from '../src/index.js';
import { decompose, grainsFor } from '../src/rollup-plan.js';
import { bucketScheme } from '../src/buckets.js';
import { TestDb, TIERS, type Tier, type TestEvent } from './db.js';
import { random, type Rnd } from './random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-04-20T00:00:00Z');

// ---------------------------------------------------------------------------------------------
// Events

const WINDOW = [Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-15T00:00:00Z')] as const;
/** Offset changes in the window of the zones used (dense events around them). */
const TRANSITIONS = ['2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-04-04T15:00:00Z', '2026-04-05T03:00:00Z'].map(Date.parse);
const SOURCES = ['shop', 'blog', 'app', 'misc'];
const NAMES = ['view', 'cart', 'buy', 'Zeta', 'ünï'];
const COUNTRIES = ['de', 'fr', 'us', 'Ö', null, 10, true];
const PLANS = ['pro', 'free', 'team'];

function randomValue(r: Rnd): number | null {
  const x = r.next();
  if (x < 0.15) return null;
  if (x < 0.55) return r.int(-5, 20);
  if (x < 0.9) return r.int(-40, 160) / 8;
  return r.int(4000, 20000) / 4;
}

function randomProps(r: Rnd): Record<string, unknown> | null {
  if (r.chance(0.08)) return null;
  const p: Record<string, unknown> = {};
  if (r.chance(0.8)) p.country = r.pick(COUNTRIES);
  if (r.chance(0.7)) p.plan = r.pick(PLANS);
  if (r.chance(0.6)) p.n = r.pick([10, 1.5, '10', true, 'abc', -2, 0, null]);
  if (r.chance(0.5)) p.cart = r.chance(0.8) ? { tag: r.pick(['a', 'b', 'c']), total: r.int(0, 50) } : 'none';
  return p;
}

function generateEvents(seed: number, n: number): TestEvent[] {
  const r = random(seed);
  const events: TestEvent[] = [];
  const roundTs = (t: number) => {
    const x = r.next();
    if (x < 0.3) return Math.round(t / (30 * MINUTE)) * 30 * MINUTE;
    if (x < 0.6) return Math.round(t / MINUTE) * MINUTE;
    return Math.round(t);
  };
  const event = (ts: number): TestEvent => ({
    source: r.pick(SOURCES),
    name: r.pick(NAMES),
    ts,
    actor: r.chance(0.1) ? null : `u${r.int(0, 9)}`,
    value: randomValue(r),
    props: randomProps(r),
  });
  for (let i = 0; i < n; i++) events.push(event(roundTs(WINDOW[0] + r.next() * (WINDOW[1] - WINDOW[0]))));
  for (const t of TRANSITIONS) for (let i = 0; i < n / 20; i++) events.push(event(roundTs(t + (r.next() * 2 - 1) * 6 * HOUR)));
  return events;
}

// ---------------------------------------------------------------------------------------------
// Queries: mostly ones rollups can answer, with some that cannot (to see them stay raw)

const LAYOUT_A: RollupLayout = new Map([
  ['shop', ['props.country', 'props.plan']],
  ['blog', ['props.plan']],
  ['app', ['props.cart.tag', 'props.country', 'props.n']],
]);
/** After a change of declared dimensions: other slots, another field. */
const LAYOUT_B: RollupLayout = new Map([
  ['shop', ['props.plan', 'props.country', 'props.cart.tag']],
  ['blog', ['props.plan', 'props.country']],
  ['app', ['props.country']],
  ['misc', ['props.plan']],
]);

const ZONES = ['UTC', 'UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Santiago'];
const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
const DIM_FIELDS = ['name', 'source', 'props.country', 'props.plan', 'props.cart.tag', 'props.n', 'actor'];
const FILTER_VALUES: Record<string, FilterScalar[]> = {
  name: [...NAMES, 'nope', 5],
  source: [...SOURCES, 'nada'],
  'props.country': ['de', 'fr', 'Ö', '10', 'true', 10],
  'props.plan': ['pro', 'free', 'team', 'm'],
  'props.cart.tag': ['a', 'b'],
  'props.n': ['10', 'abc', 'true', '1.5', 1.5],
  actor: ['u1', 'u5'],
  value: [3, '3', 1.5],
};

function randomFilter(r: Rnd, fields: readonly string[]): Filter {
  const field = r.pick(fields);
  const values = FILTER_VALUES[field];
  const op = r.pick(['eq', 'eq', 'neq', 'in', 'nin', 'gt', 'lte', 'contains', 'exists'] as const);
  switch (op) {
    case 'exists':
      return { field, op, value: r.chance(0.5) };
    case 'in':
    case 'nin':
      return { field, op, value: r.some(values, r.int(1, 3)) };
    case 'contains':
      return { field, op, value: String(r.pick(values)).slice(0, r.int(0, 2)) };
    case 'gt':
    case 'lte': {
      const v = r.pick(values);
      return { field, op, value: typeof v === 'boolean' ? String(v) : v };
    }
    default:
      return { field, op, value: r.pick(values) };
  }
}

function randomQuery(r: Rnd, layout: RollupLayout): TrendQuery {
  const sources = r.chance(0.7) ? [r.pick(SOURCES)] : r.some(SOURCES, r.int(2, 3));
  // Fields every source of the query declares (mostly), so that most queries fit rollups.
  const declared = ['name', 'source', ...['props.country', 'props.plan', 'props.cart.tag', 'props.n'].filter((f) => sources.every((s) => layout.get(s)?.includes(f)))];
  const fields = r.chance(0.85) ? declared : DIM_FIELDS.concat('value');
  const measures: Measure[] = [];
  for (let i = 0, n = r.int(1, 3); i < n; i++) {
    const fn = r.chance(0.9) ? r.pick(['count', 'count', 'sum', 'avg', 'min', 'max'] as const) : r.pick(['uniq', 'p50'] as const);
    const m: AggregateMeasure = { as: `m${i}`, fn };
    if (fn !== 'count' && fn !== 'uniq' && r.chance(0.3)) m.of = r.chance(0.8) ? 'value' : 'props.n';
    if (r.chance(0.3)) m.where = r.chance(0.5) ? { name: r.pick(NAMES) } : [randomFilter(r, fields.filter((f) => f !== 'value' || r.chance(0.3)))];
    measures.push(m);
  }
  if (r.chance(0.3)) measures.push({ as: 'f0', formula: r.pick(['m0 * 2', 'm0 + 1', 'm0 / 3', '10 - m0']) });
  const interval = r.chance(0.75) ? r.pick(INTERVALS) : undefined;
  const zone = r.pick(ZONES);
  const spans = { minute: [20 * MINUTE, 5 * HOUR], hour: [2 * HOUR, 4 * DAY], day: [HOUR, 30 * DAY], week: [7 * DAY, 40 * DAY], month: [10 * DAY, 44 * DAY] };
  const [lo, hi] = interval ? spans[interval] : [MINUTE, 40 * DAY];
  const focus = r.chance(0.5) ? r.pick(TRANSITIONS) : WINDOW[0] + r.next() * (WINDOW[1] - WINDOW[0]);
  const span = lo + r.next() * (hi - lo);
  const align = (t: number) => {
    const x = r.next();
    if (x < 0.25) return Math.round(t / DAY) * DAY;
    if (x < 0.45) return Math.round(t / HOUR) * HOUR;
    if (x < 0.6) return Math.round(t / MINUTE) * MINUTE;
    if (x < 0.7) return Math.round(t / (15 * MINUTE)) * 15 * MINUTE;
    return Math.round(t);
  };
  const from = align(focus - r.next() * span);
  const to = Math.max(from + 1000, align(from + span));
  const body: TrendQuery = {
    source: sources.length === 1 ? sources[0] : sources,
    measures,
    range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    timezone: zone,
  };
  if (interval) body.interval = interval;
  const nd = r.pick([0, 0, 1, 1, 2]);
  if (nd > 0) body.dimensions = r.some(fields.filter((f) => f !== 'value'), nd);
  if (r.chance(0.4)) body.filters = Array.from({ length: r.int(1, 2) }, () => randomFilter(r, fields));
  if (r.chance(0.3)) body.compare = 'previous_period';
  if (r.chance(0.25)) body.limit = r.int(1, 4);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Running and comparing

interface Answered {
  answer: QueryAnswer;
  rollup?: string;
}

async function run(db: TestDb, body: TrendQuery, rollups?: RollupLayout): Promise<Answered> {
  const plan = planQuery(body, { now: NOW, metrics: new Map(), dialect: db.dialect, ...(rollups ? { rollups } : {}) });
  const results = [];
  for (const s of plan.statements) results.push(await db.rows(s.sql, s.params));
  return { answer: plan.finish(results), ...(plan.rollup ? { rollup: plan.rollup } : {}) };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);

/** Integers (counts) exactly; other numbers (sums, averages, formulas) to 1e-9 relative. */
function expectSame(actual: QueryAnswer, expected: QueryAnswer, body: unknown): void {
  const rows = actual.rows.map((row, i) =>
    row.map((cell, j) => {
      const want = expected.rows[i]?.[j];
      const inexact = expected.columns[j]?.type === 'number';
      return inexact && typeof cell === 'number' && typeof want === 'number' && close(cell, want) ? want : cell;
    }),
  );
  expect({ columns: actual.columns, rows }, JSON.stringify(body)).toEqual(expected);
}

class Fixture {
  private seq = 0;
  constructor(
    readonly db: TestDb,
    public layout: RollupLayout,
  ) {}

  static async create(tier: Tier, layout: RollupLayout): Promise<Fixture> {
    const db = await TestDb.create(tier);
    for (const sql of rollupCreateStatements(tier === 'postgres' ? { textType: 'TEXT COLLATE "C"' } : {})) await db.rows(sql, []);
    return new Fixture(db, layout);
  }

  /**
   * Runs statements in one transaction on one connection: a script without placeholders (TestDb
   * hands PostgreSQL a pooled client per call, so a session's BEGIN and temp tables must travel
   * in one simple-protocol query).
   */
  async script(statements: readonly string[]): Promise<void> {
    const sql = ['BEGIN', ...statements, 'COMMIT'].join(';\n');
    if (this.db.tier === 'duckdb') await this.db.connection.run(sql);
    else await this.db.rows(sql, undefined as never); // no values: node-postgres's simple protocol, several statements
  }

  /** Inserts events and appends their rollup deltas, as an ingest group does (seq range of the batch). */
  async ingest(events: readonly TestEvent[]): Promise<void> {
    const lo = this.seq + 1;
    await this.db.insert(events);
    this.seq += events.length;
    const relation = `(SELECT source, name, ts, value, props FROM events WHERE seq BETWEEN ${lo} AND ${this.seq})`;
    await this.script(rollupDeltaStatements(this.db.dialect, this.layout, relation));
  }

  async exec(sql: string, params: unknown[] = []): Promise<void> {
    await this.db.rows(sql, params);
  }

  async rollupRows(): Promise<number> {
    const rows = await this.db.rows('SELECT (SELECT count(*) FROM rollup_minute) + (SELECT count(*) FROM rollup_hour) + (SELECT count(*) FROM rollup_day)', []);
    return Number(rows[0][0]);
  }
}

/** Runs `count` random queries both ways; returns how many were answered from rollups. */
async function compareQueries(f: Fixture, seed: number, count: number): Promise<{ fromRollups: number; labels: Set<string> }> {
  let fromRollups = 0;
  const labels = new Set<string>();
  for (let i = 0; i < count; i++) {
    const body = randomQuery(random(seed * 1000 + i), f.layout);
    const raw = await run(f.db, body);
    expect(raw.rollup).toBeUndefined();
    const rolled = await run(f.db, body, f.layout);
    if (rolled.rollup) {
      fromRollups++;
      labels.add(rolled.rollup);
    }
    expectSame(rolled.answer, raw.answer, { seed: seed * 1000 + i, body, rollup: rolled.rollup });
  }
  return { fromRollups, labels };
}

// ---------------------------------------------------------------------------------------------

describe('range decomposition', () => {
  it('covers [from, to) exactly, coarsest grain inside, finer grains and raw events at the edges', () => {
    const from = Date.parse('2026-03-01T10:17:31.250Z');
    const to = Date.parse('2026-03-04T05:02:10Z');
    const parts = decompose(from, to, ['day', 'hour', 'minute']);
    expect(parts.map((p) => p.grain ?? 'raw')).toEqual(['raw', 'minute', 'hour', 'day', 'hour', 'minute', 'raw']);
    for (let i = 1; i < parts.length; i++) expect(parts[i].from).toBe(parts[i - 1].to);
    expect(parts[0].from).toBe(from);
    expect(parts.at(-1)?.to).toBe(to);
    expect(decompose(from, from + 30_000, ['day', 'hour', 'minute'])).toEqual([{ from, to: from + 30_000 }]);
  });

  it('uses only grains whose buckets never straddle a bucket of the query', () => {
    const span = { from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-04-30T00:00:00Z') };
    expect(grainsFor(undefined)).toEqual(['day', 'hour', 'minute']);
    expect(grainsFor(bucketScheme('day', 'UTC', span))).toEqual(['day', 'hour', 'minute']);
    expect(grainsFor(bucketScheme('hour', 'UTC', span))).toEqual(['hour', 'minute']);
    expect(grainsFor(bucketScheme('minute', 'UTC', span))).toEqual(['minute']);
    expect(grainsFor(bucketScheme('day', 'Europe/Berlin', span))).toEqual(['hour', 'minute']);
    expect(grainsFor(bucketScheme('week', 'America/New_York', span))).toEqual(['hour', 'minute']);
    expect(grainsFor(bucketScheme('month', 'Asia/Kolkata', span))).toEqual(['minute']);
    expect(grainsFor(bucketScheme('day', 'Asia/Kathmandu', span))).toEqual(['minute']);
    // Lord Howe's DST shifts by 30 minutes, at 02:00 local (15:00 UTC): hours never line up.
    expect(grainsFor(bucketScheme('hour', 'Australia/Lord_Howe', span))).toEqual(['minute']);
  });
});

describe.each(TIERS.flatMap((tier) => [7, 19].map((seed) => ({ tier, seed }))))('rollups vs raw events on $tier, seed $seed', ({ tier, seed }) => {
    let f: Fixture;
    const events = generateEvents(seed, 2400);
    beforeAll(async () => {
      f = await Fixture.create(tier, LAYOUT_A);
      // Several deltas; the last holds late events (timestamps inside buckets that already have rows).
      const r = random(seed + 1);
      const late = events.filter(() => r.chance(0.15));
      const onTime = events.filter((e) => !late.includes(e)).sort((a, b) => Number(a.ts) - Number(b.ts));
      for (let i = 0; i < 4; i++) await f.ingest(onTime.slice((i * onTime.length) / 4, ((i + 1) * onTime.length) / 4));
      await f.ingest(late);
    });

    it('answers from rollups what they can answer, equal to the raw answer', async () => {
      const { fromRollups, labels } = await compareQueries(f, seed, 120);
      // Most generated queries fit; at least half must actually have read rollups.
      expect(fromRollups).toBeGreaterThan(60);
      expect([...labels].some((l) => l.startsWith('day'))).toBe(true);
      expect([...labels].some((l) => l.includes('raw'))).toBe(true);
    });

    it('gives the same answers after compaction, which merges the deltas', async () => {
      const before = await f.rollupRows();
      await f.script(rollupCompactStatements(f.db.dialect));
      const after = await f.rollupRows();
      expect(after).toBeLessThan(before);
      // Idempotent: nothing left to merge.
      await f.script(rollupCompactStatements(f.db.dialect));
      expect(await f.rollupRows()).toBe(after);
      await compareQueries(f, seed + 100, 40);
    });

    it('gives the same answers after events are deleted and the rollups of their days repaired', async () => {
      // An erasure (one actor) and a retention cut (one source before a day), as the stores do.
      const d = f.db.dialect;
      const deletions = [`actor = 'u3'`, `source = 'shop' AND ts < ${d.instantFromMs(String(Date.parse('2026-03-20T07:30:00Z')))}`];
      for (const where of deletions) {
        await f.script([
          `CREATE TEMP TABLE rollup_affected AS SELECT DISTINCT source, CAST(${d.floorDiv(d.epochMs('ts'), DAY, false)} AS BIGINT) * ${DAY} AS bucket FROM events WHERE ${where}`,
          `DELETE FROM events WHERE ${where}`,
          ...rollupRepairStatements(d, f.layout, 'rollup_affected'),
          'DROP TABLE rollup_affected',
        ]);
      }
      await compareQueries(f, seed + 200, 40);
    });

    it('gives the same answers after the declared dimensions change and a source is rebuilt', async () => {
      f.layout = LAYOUT_B;
      // Rebuilt one statement at a time (the builders bind the source); each is idempotent per source.
      for (const source of SOURCES) for (const s of rollupRebuildStatements(f.db.dialect, f.layout, source)) await f.exec(s.sql, s.params);
      // New late events go in with the new layout.
      await f.ingest(generateEvents(seed + 3, 300));
      await compareQueries(f, seed + 300, 60);
    });
});
