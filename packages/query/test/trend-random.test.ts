/**
 * Seeded random trend queries on a real DuckDB, each answer compared with the plain-TypeScript
 * reference of trend-reference.ts (written from docs/query-language.md). Every event set and every
 * query is derived from the seed in the test's name, so a failure reproduces.
 */
import type { AggregateMeasure, Filter, FilterScalar, Measure, MetricDefinition, OrderBy, QueryAnswer, TrendQuery } from '@sightline/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { TIERS, TestDb, type TestEvent } from './db.js';
import { referenceTrend } from './trend-reference.js';
import { random, type Rnd } from './random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;


// ---------------------------------------------------------------------------------------------
// Events: two windows of a few weeks around the 2026 DST changes, plus dense clusters at the changes

const WINDOWS = [
  [Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-13T00:00:00Z')],
  [Date.parse('2026-08-30T00:00:00Z'), Date.parse('2026-11-08T00:00:00Z')],
] as const;

/** UTC offset changes in 2026 of the zones used (instants the clocks change). */
const TRANSITIONS: Record<string, number[]> = {
  'Europe/Berlin': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'].map(Date.parse),
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'].map(Date.parse),
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'].map(Date.parse), // 30-minute shifts
  'America/Santiago': ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'].map(Date.parse), // at local midnight
  'America/St_Johns': ['2026-03-08T05:30:00Z', '2026-11-01T04:30:00Z'].map(Date.parse),
};
const ALL_TRANSITIONS = Object.values(TRANSITIONS).flat();

const SOURCES = ['shop', 'blog', 'app'];
/** Non-ASCII names sort differently by code unit and by code point (U+FF5A vs U+1F600). */
const NAMES = ['view', 'cart', 'buy', 'signup', 'Zeta', 'ünïcode', 'ｚen', '😀emoji'];
const ACTORS = Array.from({ length: 12 }, (_, i) => `u${i}`);

function randomValue(r: Rnd): number | null {
  const x = r.next();
  if (x < 0.15) return null;
  if (x < 0.55) return r.int(-5, 20);
  if (x < 0.85) return r.int(-40, 160) / 8;
  if (x < 0.97) return r.int(4000, 20000) / 4;
  return r.pick([0.00001, 1e-7, 0.1]);
}

function randomProps(r: Rnd): Record<string, unknown> | null {
  if (r.chance(0.08)) return null;
  if (r.chance(0.05)) return {};
  const p: Record<string, unknown> = {};
  const maybe = (key: string, values: readonly unknown[], present = 0.8) => {
    if (r.chance(present)) p[key] = r.pick(values);
  };
  maybe('country', ['de', 'fr', 'us', 'Ö', null]);
  maybe('plan', ['pro', 'free', 'team'], 0.7);
  maybe('n', [10, 1.5, '10', true, false, 'true', null, 'abc', -2, 0, 3.25, '1.5'], 0.85);
  maybe('amount', [r.int(-8, 400) / 4, r.int(0, 50), '12'], 0.6);
  const c = r.next();
  if (c < 0.6) {
    const cart: Record<string, unknown> = {};
    if (r.chance(0.8)) cart.total = r.chance(0.9) ? r.int(0, 800) / 8 : '7';
    if (r.chance(0.8)) cart.items = r.int(0, 5);
    if (r.chance(0.6)) cart.meta = r.chance(0.8) ? { tag: r.pick(['a', 'b', 'c']) } : {};
    p.cart = cart;
  } else if (c < 0.7) p.cart = 'none';
  maybe('ratio', [0.1, 0.3, 0.00001, 1e-7, 123456.789, 2.5], 0.5);
  maybe('flag', [true, false, 'false'], 0.6);
  return p;
}

function generateEvents(seed: number): TestEvent[] {
  const r = random(seed);
  const events: TestEvent[] = [];
  const roundTs = (t: number) => {
    const x = r.next();
    if (x < 0.35) return Math.round(t / (30 * MINUTE)) * 30 * MINUTE;
    if (x < 0.65) return Math.round(t / MINUTE) * MINUTE;
    return Math.round(t);
  };
  const event = (ts: number): TestEvent => ({
    source: r.pick([...SOURCES, 'shop']),
    name: r.pick(NAMES),
    ts,
    actor: r.chance(0.1) ? null : r.pick(ACTORS),
    value: randomValue(r),
    props: randomProps(r),
  });
  for (let i = 0; i < 1100; i++) {
    const [from, to] = r.pick(WINDOWS);
    events.push(event(roundTs(from + r.next() * (to - from))));
  }
  for (const t of ALL_TRANSITIONS) {
    for (let i = 0; i < 90; i++) events.push(event(roundTs(t + (r.next() * 2 - 1) * 6 * HOUR)));
    for (const d of [-1, 0, 1, 30 * MINUTE, -30 * MINUTE]) events.push(event(t + d));
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Queries

const CATALOG = new Map<string, MetricDefinition>([
  ['revenue', { name: 'revenue', fn: 'sum', where: { name: 'buy' } }],
  ['orders', { name: 'orders', fn: 'count', where: { name: 'buy' } }],
  ['buyers', { name: 'buyers', fn: 'uniq', where: { name: 'buy' } }],
  ['aov', { name: 'aov', formula: 'revenue / orders' }],
]);

const ZONES = [
  ['UTC', 20], ['Europe/Berlin', 20], ['America/New_York', 14], ['Asia/Kolkata', 10], ['Australia/Lord_Howe', 16],
  ['America/Santiago', 8], ['America/St_Johns', 7], ['Asia/Kathmandu', 5],
] as const;
const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
type Interval = (typeof INTERVALS)[number];

const FILTER_FIELDS = [
  'name', 'actor', 'source', 'value', 'props.country', 'props.plan', 'props.n', 'props.amount', 'props.cart.total',
  'props.cart.items', 'props.cart.meta.tag', 'props.flag', 'props.ratio',
];
const EQ_VALUES: Record<string, FilterScalar[]> = {
  name: [...NAMES, 'nope', 5, true],
  actor: ['u1', 'u3', 'u10', 'zz', 5],
  source: [...SOURCES, 'nada', 1],
  value: [0, 3, 1.5, -2, 10, 0.125, 0.00001, '3', '1.5', '-2', '10', '1e-7', '0.00001', '0.1', true],
  'props.country': ['de', 'fr', 'Ö', 'us', 5, true],
  'props.plan': ['pro', 'free', 'team', 'x'],
  'props.n': [10, '10', 1.5, '1.5', true, 'true', false, 'false', 'abc', -2, '-2', 0, 3.25],
  'props.amount': [12, '12', 0, 1.5, 25],
  'props.cart.total': [0, 7, '7', 12.5, '12.5'],
  'props.cart.items': [0, 1, '3', 5],
  'props.cart.meta.tag': ['a', 'b', 'z'],
  'props.flag': [true, false, 'true', 1],
  'props.ratio': [0.1, '0.1', 1e-7, '1e-7', 0.00001, '0.00001', 2.5, '123456.789'],
};
/** Comparison and contains values that suit each field (most of the time), so filters keep some events. */
const CMP_VALUES: Record<string, FilterScalar[]> = {
  name: ['cart', 'm', 'Zeta', 'ü', 'ｚ', 5],
  actor: ['u1', 'u5', 'u10', 3],
  source: ['blog', 'm', 's'],
  value: [0, 1.5, 3, 10, -1, '1', '5', '-', '0.1'],
  'props.country': ['de', 'f', 'Ö', 3],
  'props.plan': ['pro', 'm', 'free'],
  'props.n': [0, 1.5, 3, '1', 'abc', 'true', 'f'],
  'props.amount': [0, 12, 50, '1', '5'],
  'props.cart.total': [0, 7, 50, '1', '7'],
  'props.cart.items': [0, 2, 4, '3'],
  'props.cart.meta.tag': ['a', 'b', 'c', 1],
  'props.flag': ['f', 'true', 0],
  'props.ratio': [0.1, 1e-7, 100, '1', '0.1'],
};
const ANY_CMP_VALUES: FilterScalar[] = [-1, 0, 1.5, 3, 10, 100, '1', '5', 'de', 'm', 'u5', 'Z', 'ü', '0.1', ''];
const CONTAINS_VALUES: Record<string, string[]> = {
  name: ['e', 'a', 'ü', '😀', 'ｚ'],
  actor: ['u1', '1', 'u'],
  source: ['o', 'p', ''],
  value: ['1', '.5', '-', 'e-', '0', '.'],
  'props.country': ['e', 'u', 'Ö'],
  'props.plan': ['r', 'ee'],
  'props.n': ['1', '.', 'a', 'ue'],
  'props.amount': ['1', '.5', '2'],
  'props.cart.total': ['1', '.', '5'],
  'props.cart.items': ['1', '3'],
  'props.cart.meta.tag': ['a', 'b'],
  'props.flag': ['t', 'ue'],
  'props.ratio': ['1', 'e', '.', '0.'],
};
const ANY_CONTAINS_VALUES = ['e', '1', 'u1', '.5', 'ro', 'ü', '😀', '-', 'e-', 'ｚ', '0', ''];
const EXISTS_FIELDS = [...FILTER_FIELDS, 'props.cart', 'props.cart.meta', 'props.missing'];

function randomFilter(r: Rnd): Filter {
  const op = r.pick(['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const);
  if (op === 'exists') return { field: r.pick(EXISTS_FIELDS), op, value: r.chance(0.5) };
  const field = r.pick(FILTER_FIELDS);
  const suited = r.chance(0.8);
  switch (op) {
    case 'eq':
    case 'neq':
      return { field, op, value: r.pick(EQ_VALUES[field]) };
    case 'in':
    case 'nin':
      return { field, op, value: r.some(EQ_VALUES[field], r.int(1, 4)) };
    case 'contains':
      return { field, op, value: r.pick(suited ? CONTAINS_VALUES[field] : ANY_CONTAINS_VALUES) };
    default:
      return { field, op, value: r.pick(suited ? CMP_VALUES[field] : ANY_CMP_VALUES) };
  }
}

const FNS = ['count', 'sum', 'avg', 'min', 'max', 'uniq', 'p50', 'p90', 'p95', 'p99'] as const;
const NUMERIC_OF = ['value', 'props.amount', 'props.n', 'props.cart.total', 'props.cart.items', 'props.plan'];
const UNIQ_OF = ['value', 'props.n', 'props.country', 'props.plan', 'props.cart.items', 'props.ratio', 'props.flag', 'props.cart.meta.tag'];
const DIMENSIONS = [
  'name', 'actor', 'source', 'props.country', 'props.plan', 'props.n', 'props.flag', 'props.cart.items', 'props.cart.meta.tag', 'props.ratio',
];

function randomMeasures(r: Rnd): Measure[] {
  const measures: Measure[] = [];
  const names: string[] = [];
  const aggregates = r.int(1, 3);
  for (let i = 0; i < aggregates; i++) {
    const fn = r.pick(FNS);
    const m: AggregateMeasure = { as: `m${i}`, fn };
    if (fn === 'uniq' && r.chance(0.5)) m.of = r.pick(UNIQ_OF);
    else if (fn !== 'count' && fn !== 'uniq' && r.chance(0.45)) {
      // props.ratio holds decimals that are not binary fractions: only for min/max, which are exact.
      m.of = fn === 'min' || fn === 'max' ? r.pick([...NUMERIC_OF, 'props.ratio']) : r.pick(NUMERIC_OF);
    }
    if (r.chance(0.35)) m.where = r.chance(0.5) ? { name: r.pick(NAMES) } : Array.from({ length: r.pick([1, 1, 2]) }, () => randomFilter(r));
    measures.push(m);
    names.push(m.as);
  }
  if (r.chance(0.15)) {
    const metric = r.pick([...CATALOG.keys()]);
    measures.splice(r.int(0, measures.length), 0, metric);
    names.push(metric);
  }
  const formulas = r.pick([0, 0, 1, 1, 2]);
  for (let i = 0; i < formulas; i++) {
    const operand = () => (r.chance(0.15) ? String(r.pick([0, 2, 100, 0.5, 3])) : r.chance(0.1) ? r.pick(['revenue', 'orders', 'aov']) : r.pick(names));
    const op = () => r.pick(['+', '-', '*', '/', '/']);
    let formula = `${operand()} ${op()} ${operand()}`;
    if (r.chance(0.4)) formula = r.chance(0.5) ? `(${formula}) ${op()} ${operand()}` : `${operand()} ${op()} (${formula})`;
    const as = `f${i}`;
    measures.push({ as, formula });
    names.push(as);
  }
  return measures;
}

const SPANS: Record<Interval | 'none', [number, number]> = {
  minute: [20 * MINUTE, 4 * HOUR],
  hour: [3 * HOUR, 4 * DAY],
  day: [DAY, 45 * DAY],
  week: [7 * DAY, 120 * DAY],
  month: [20 * DAY, 300 * DAY],
  none: [HOUR, 120 * DAY],
};
const LAST: Record<Interval | 'none', string[]> = {
  minute: ['45m', '2h', '3h', '5400s'],
  hour: ['6h', '30h', '2d', '3d'],
  day: ['3d', '10d', '2w', '30d'],
  week: ['3w', '6w', '90d'],
  month: ['60d', '120d', '26w'],
  none: ['1h', '12h', '7d', '30d'],
};
const OFFSETS = [0, 0, 60, 120, -240, -300, 330, 630, -210];

/** An ISO-8601 instant written with a fixed offset (minutes east of UTC), or with Z. */
function iso(ms: number, offsetMin: number): string {
  const shifted = new Date(ms + offsetMin * MINUTE).toISOString().replace(/\.000Z$/, 'Z');
  if (offsetMin === 0) return shifted;
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `${shifted.slice(0, -1)}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function roundInstant(r: Rnd, t: number): number {
  const x = r.next();
  if (x < 0.35) return Math.round(t / HOUR) * HOUR;
  if (x < 0.5) return Math.round(t / (30 * MINUTE)) * 30 * MINUTE;
  if (x < 0.7) return Math.round(t / MINUTE) * MINUTE;
  if (x < 0.8) return Math.round(t / DAY) * DAY - r.pick([0, 1, 2, 5]) * HOUR;
  return Math.round(t);
}

interface Case {
  title: string;
  body: TrendQuery;
  now: number;
}

function randomQuery(r: Rnd): Case {
  let x = r.next() * ZONES.reduce((a, z) => a + z[1], 0);
  const zone = ZONES.find((z) => (x -= z[1]) < 0)?.[0] ?? 'UTC';
  const interval: Interval | undefined = r.chance(0.72) ? r.pick(INTERVALS) : undefined;
  const spanKind = interval ?? 'none';
  // Minute and hour ranges stay near the clock changes, where the events are dense.
  const near = interval === 'minute' || interval === 'hour' ? 1 : 0.4;
  const focus =
    TRANSITIONS[zone] && r.chance(0.6)
      ? r.pick(TRANSITIONS[zone])
      : r.chance(near)
        ? r.pick(ALL_TRANSITIONS)
        : (() => {
            const [from, to] = r.pick(WINDOWS);
            return from + r.next() * (to - from);
          })();
  const source = r.chance(0.7) ? (r.chance(0.03) ? 'nada' : r.pick([...SOURCES, 'shop'])) : r.some([...SOURCES, 'nada'], r.int(2, 3));
  const body: TrendQuery = { source, measures: randomMeasures(r) };
  let now = Date.parse('2026-04-01T00:00:00Z');
  if (r.chance(0.2)) {
    now = roundInstant(r, focus + (r.next() - 0.3) * DAY);
    // No range at all means the last 30 days (too many minute buckets for a valid query).
    if (interval === 'minute' || r.chance(0.75)) body.range = { last: r.pick(LAST[spanKind]) };
  } else if (interval === 'month' && r.chance(0.3)) {
    body.range = { from: iso(Date.parse('2026-02-20T00:00:00Z'), r.pick(OFFSETS)), to: iso(Date.parse('2026-11-20T00:00:00Z'), r.pick(OFFSETS)) };
  } else {
    const [lo, hi] = SPANS[spanKind];
    const span = lo + r.next() * (hi - lo);
    const from = roundInstant(r, focus - r.next() * span);
    const to = Math.max(from + 1000, roundInstant(r, from + span));
    body.range = { from: iso(from, r.pick(OFFSETS)), to: iso(to, r.pick(OFFSETS)) };
  }
  if (interval) body.interval = interval;
  if (zone !== 'UTC' || r.chance(0.5)) body.timezone = zone;
  const nd = interval ? r.pick([0, 0, 1, 1, 1, 2]) : r.pick([0, 1, 1, 2, 2, 3]);
  if (nd > 0) body.dimensions = r.some(DIMENSIONS, nd);
  if (r.chance(0.4)) body.filters = Array.from({ length: r.pick([1, 1, 1, 2, 3]) }, () => randomFilter(r));
  if (r.chance(0.35)) body.compare = 'previous_period';
  if (r.chance(0.3)) body.limit = interval ? r.int(1, 4) : r.int(1, 8);
  const measureNames = body.measures.map((m) => (typeof m === 'string' ? m : m.as));
  if (r.chance(0.4)) {
    const columns = [...(interval ? ['time'] : []), ...(body.dimensions ?? []), ...measureNames];
    // Whether an m_previous entry "names a measure" for the series ranking is not pinned: not generated there.
    const rankedSeries = interval !== undefined && body.limit !== undefined && nd > 0;
    if (body.compare && !rankedSeries) columns.push(...measureNames.map((n) => `${n}_previous`));
    body.order = Array.from({ length: r.int(1, 2) }, (): OrderBy => {
      const o: OrderBy = { by: r.pick(columns) };
      if (r.chance(0.7)) o.dir = r.pick(['asc', 'desc']);
      return o;
    });
  }
  const title = [
    interval ?? 'total',
    zone,
    body.range === undefined ? 'default range' : 'last' in body.range ? `last ${body.range.last}` : 'from/to',
    ...(body.dimensions ?? []),
    ...(body.compare ? ['compare'] : []),
    ...(body.limit !== undefined ? [`limit ${body.limit}`] : []),
    ...(body.order ? ['order'] : []),
    Array.isArray(body.source) ? 'cross-source' : '',
  ]
    .filter((s) => s !== '')
    .join(', ');
  return { title, body, now };
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Columns whose values are floating-point arithmetic (sums, averages, percentiles, formulas). */
function inexactColumns(body: TrendQuery): Set<string> {
  const out = new Set<string>();
  const inexactFn = (fn: string | undefined) => fn === 'sum' || fn === 'avg' || /^p\d\d$/.test(fn ?? '');
  for (const m of body.measures) {
    let name: string;
    let inexact: boolean;
    if (typeof m === 'string') {
      const def = CATALOG.get(m) as MetricDefinition;
      name = m;
      inexact = def.formula !== undefined || inexactFn(def.fn);
    } else {
      name = m.as;
      inexact = 'formula' in m || inexactFn(m.fn);
    }
    if (inexact) out.add(name).add(`${name}_previous`);
  }
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);

function expectSameAnswer(actual: QueryAnswer, expected: QueryAnswer, body: TrendQuery): void {
  const inexact = inexactColumns(body);
  const approx = expected.columns.map((c) => inexact.has(c.name));
  // Where the two agree within the tolerance, take the reference's number, so the diff shows real differences only.
  const rows = actual.rows.map((row, i) =>
    row.map((cell, j) => {
      const want = expected.rows[i]?.[j];
      return approx[j] && typeof cell === 'number' && typeof want === 'number' && close(cell, want) ? want : cell;
    }),
  );
  expect({ columns: actual.columns, rows }, JSON.stringify(body)).toEqual(expected);
}

// ---------------------------------------------------------------------------------------------

/**
 * A number's text is its shortest form, as JSON writes it and as props numbers are read: 0.00001 →
 * "0.00001", 1e-7 → "1e-7", 1e21 → "1e21". `value` once went through DuckDB's CAST(DOUBLE AS
 * VARCHAR), which writes "1e-05", so text filters on `value` missed small numbers.
 */
describe.each(TIERS)('the text of value (%s)', (tier) => {
  it('reads 0.00001 as "0.00001", 1e-7 as "1e-7" and 1e21 as "1e21", as props numbers are read', async () => {
    const ts = Date.parse('2026-03-10T12:00:00Z');
    const events: TestEvent[] = [0.00001, 1e-7, 0.5, 2, 1e21].map((v, i) => ({ name: 'x', ts: ts + i * 1000, value: v, props: { x: v } }));
    const db = await TestDb.create(tier);
    await db.insert(events);
    const count = (as: string, field: string, op: Filter['op'], value: string): Measure => ({ as, fn: 'count', where: [{ field, op, value }] });
    const body: TrendQuery = {
      source: 'shop',
      range: { from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' },
      measures: [
        count('value_small', 'value', 'eq', '0.00001'),
        count('value_tiny', 'value', 'eq', '1e-7'),
        count('prop_small', 'props.x', 'eq', '0.00001'),
        count('prop_tiny', 'props.x', 'eq', '1e-7'),
        count('value_padded', 'value', 'contains', 'e-0'),
        count('value_huge', 'value', 'eq', '1e21'),
        count('prop_huge', 'props.x', 'eq', '1e21'),
      ],
    };
    const now = Date.parse('2026-04-01T00:00:00Z');
    const expected = referenceTrend(body, events, { now });
    expect(expected.rows).toEqual([[1, 1, 1, 1, 0, 1, 1]]);
    expect(await db.query(body, { now })).toEqual(expected);
  });
});

const EVENT_SETS = [11, 23, 37, 41, 59];
const QUERIES_PER_SET = 40;

for (const seed of EVENT_SETS) {
  describe.each(TIERS)(`trend engine vs reference, event set seed ${seed} (%s)`, (tier) => {
    const events = generateEvents(seed);
    let db: TestDb;
    beforeAll(async () => {
      db = await TestDb.create(tier);
      await db.insert(events);
    });
    for (let i = 0; i < QUERIES_PER_SET; i++) {
      const querySeed = seed * 1000 + i;
      const { title, body, now } = randomQuery(random(querySeed));
      it(`query seed ${querySeed}: ${title}`, async () => {
        const actual = await db.query(body, { now, metrics: CATALOG });
        expectSameAnswer(actual, referenceTrend(body, events, { now, metrics: CATALOG }), body);
      });
    }
  });
}
