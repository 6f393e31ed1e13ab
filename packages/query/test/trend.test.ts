/** Trend behaviour on a real DuckDB; every expectation is computed here in plain TypeScript. */
import { describe, expect, it } from 'vitest';
import { TIERS, TestDb, type TestEvent } from './db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `YYYY-MM-DDTHH:mm:ss±HH:MM` of an instant in a zone, via Intl only. */
function label(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      hourCycle: 'h23', timeZoneName: 'longOffset',
    }).formatToParts(ms).map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.slice(3);
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}
const localDate = (ms: number, timeZone: string) => label(ms, timeZone).slice(0, 10);

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

describe.each(TIERS)('time buckets (%s)', (tier) => {
  it('day buckets in Europe/Berlin are 23 and 25 hours long across DST changes', async () => {
    const db = await TestDb.create(tier);
    for (const [from, to, short] of [
      ['2026-03-28T00:00:00+01:00', '2026-03-31T00:00:00+02:00', '2026-03-29'],
      ['2026-10-24T00:00:00+02:00', '2026-10-27T00:00:00+01:00', '2026-10-25'],
    ] as const) {
      const events: TestEvent[] = [];
      for (let t = Date.parse(from); t < Date.parse(to); t += HOUR / 2) events.push({ name: 'tick', ts: t });
      await db.insert(events);
      const answer = await db.query({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], interval: 'day', timezone: 'Europe/Berlin', range: { from, to } });
      const expected = countBy(events, (e) => localDate(e.ts as number, 'Europe/Berlin'));
      const midnights = [...expected.keys()].map((d) => {
        const first = events.find((e) => localDate(e.ts as number, 'Europe/Berlin') === d)!;
        return [label(first.ts as number, 'Europe/Berlin'), expected.get(d)];
      });
      expect(answer.rows).toEqual(midnights);
      expect(expected.get(short)).toBe(short.endsWith('03-29') ? 46 : 50);
    }
  });

  it('hour buckets on the fall-back night keep both 02:00 hours apart', async () => {
    const db = await TestDb.create(tier);
    const from = Date.parse('2026-10-25T00:00:00+02:00');
    const to = Date.parse('2026-10-25T05:00:00+01:00');
    const events: TestEvent[] = [];
    for (let t = from; t < to; t += 10 * 60_000) events.push({ name: 'tick', ts: t, value: 1 });
    await db.insert(events);
    const answer = await db.query({
      source: 'shop', measures: [{ as: 'n', fn: 'count' }], interval: 'hour', timezone: 'Europe/Berlin',
      range: { from: '2026-10-25T00:00:00+02:00', to: '2026-10-25T05:00:00+01:00' },
    });
    const expected = [...countBy(events, (e) => label((e.ts as number) - ((e.ts as number) % HOUR), 'Europe/Berlin'))];
    expect(answer.rows).toEqual(expected);
    expect(answer.rows.map((r) => r[0])).toContain('2026-10-25T02:00:00+02:00');
    expect(answer.rows.map((r) => r[0])).toContain('2026-10-25T02:00:00+01:00');
  });

  it('week buckets start on local Monday; month buckets at local midnight', async () => {
    const db = await TestDb.create(tier);
    const events: TestEvent[] = [0, 5, 9, 20, 33, 41].map((d) => ({ name: 'x', ts: Date.parse('2026-02-20T12:00:00Z') + d * DAY }));
    await db.insert(events);
    const range = { from: '2026-02-16T00:00:00+01:00', to: '2026-04-06T00:00:00+02:00' };
    const weeks = await db.query({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], interval: 'week', timezone: 'Europe/Berlin', range });
    expect(weeks.rows.map((r) => r[0])).toEqual([
      '2026-02-16T00:00:00+01:00', '2026-02-23T00:00:00+01:00', '2026-03-02T00:00:00+01:00', '2026-03-09T00:00:00+01:00',
      '2026-03-16T00:00:00+01:00', '2026-03-23T00:00:00+01:00', '2026-03-30T00:00:00+02:00',
    ]);
    const mondayOf = (ms: number) => {
      const d = new Date(`${localDate(ms, 'Europe/Berlin')}T00:00:00Z`);
      return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
    };
    const perWeek = countBy(events, (e) => mondayOf(e.ts as number));
    expect(weeks.rows.map((r) => r[1])).toEqual(weeks.rows.map((r) => perWeek.get((r[0] as string).slice(0, 10)) ?? 0));
    const months = await db.query({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], interval: 'month', timezone: 'Europe/Berlin', range });
    expect(months.rows).toEqual([['2026-02-01T00:00:00+01:00', 2], ['2026-03-01T00:00:00+01:00', 3], ['2026-04-01T00:00:00+02:00', 1]]);
  });
});

describe.each(TIERS)('measures, empty buckets, compare and formulas (%s)', (tier) => {
  it('fills empty buckets per series, aligns the previous period by index, nulls a division by zero', async () => {
    const db = await TestDb.create(tier);
    const start = Date.parse('2026-03-10T00:00:00Z');
    const events: TestEvent[] = [
      // previous period: 2026-03-05 .. 2026-03-10
      { name: 'buy', ts: start - 5 * DAY + HOUR, value: 4, props: { c: 'de' } },
      { name: 'buy', ts: start - 3 * DAY + HOUR, value: 6, props: { c: 'de' } },
      { name: 'view', ts: start - 3 * DAY + 2 * HOUR, props: { c: 'fr' } },
      // current period: 2026-03-10 .. 2026-03-15
      { name: 'buy', ts: start + HOUR, value: 10, props: { c: 'de' } },
      { name: 'buy', ts: start + 2 * HOUR, value: 20, props: { c: 'de' } },
      { name: 'view', ts: start + 2 * DAY, props: { c: 'fr' } },
      { name: 'buy', ts: start + 4 * DAY, value: 1, props: { c: 'fr' } },
    ];
    await db.insert(events);
    const answer = await db.query({
      source: 'shop',
      measures: [{ as: 'orders', fn: 'count', where: { name: 'buy' } }, { as: 'revenue', fn: 'sum' }, { as: 'avg_value', fn: 'avg' }, { as: 'aov', formula: 'revenue / orders' }],
      dimensions: ['props.c'],
      interval: 'day',
      range: { from: '2026-03-10T00:00:00Z', to: '2026-03-15T00:00:00Z' },
      compare: 'previous_period',
    });
    expect(answer.columns.map((c) => c.name)).toEqual([
      'time', 'props.c', 'orders', 'revenue', 'avg_value', 'aov', 'orders_previous', 'revenue_previous', 'avg_value_previous', 'aov_previous',
    ]);
    const expected: unknown[][] = [];
    const measuresOf = (from: number, c: string) => {
      const inBucket = events.filter((e) => (e.ts as number) >= from && (e.ts as number) < from + DAY && e.props?.c === c);
      const orders = inBucket.filter((e) => e.name === 'buy').length;
      const values = inBucket.map((e) => e.value).filter((v): v is number => typeof v === 'number');
      const revenue = values.reduce((a, b) => a + b, 0);
      return [orders, revenue, values.length ? revenue / values.length : null, orders === 0 ? null : revenue / orders];
    };
    for (let i = 0; i < 5; i++) {
      for (const c of ['de', 'fr']) {
        const t = start + i * DAY;
        expected.push([label(t, 'UTC'), c, ...measuresOf(t, c), ...measuresOf(t - 5 * DAY, c)]);
      }
    }
    expect(answer.rows).toEqual(expected);
  });

  it('without an interval: one row per group, previous values, default order by the first measure', async () => {
    const db = await TestDb.create(tier);
    const events: TestEvent[] = [
      ...['a', 'b', 'b', 'c', 'c', 'c'].map((name, i) => ({ name, ts: Date.parse('2026-03-20T00:00:00Z') + i * HOUR, actor: `u${i % 2}` })),
      { name: 'a', ts: Date.parse('2026-03-12T00:00:00Z'), actor: 'u1' },
    ];
    await db.insert(events);
    const answer = await db.query({
      source: 'shop', measures: [{ as: 'n', fn: 'count' }, { as: 'users', fn: 'uniq' }], dimensions: ['name'], compare: 'previous_period',
      range: { from: '2026-03-16T00:00:00Z', to: '2026-03-24T00:00:00Z' },
    });
    expect(answer.rows).toEqual([['c', 3, 2, 0, 0], ['b', 2, 2, 0, 0], ['a', 1, 1, 1, 1]]);
    expect(answer.columns.map((c) => c.type)).toEqual(['string', 'integer', 'integer', 'integer', 'integer']);
  });

  it('limit with an interval keeps the top series over the whole range, with all their buckets', async () => {
    const db = await TestDb.create(tier);
    const start = Date.parse('2026-03-01T00:00:00Z');
    const events: TestEvent[] = [];
    const perDay: Record<string, number[]> = { a: [5, 0, 0], b: [1, 1, 1], c: [0, 2, 2], d: [1, 0, 0] };
    for (const [name, counts] of Object.entries(perDay)) {
      counts.forEach((n, day) => {
        for (let k = 0; k < n; k++) events.push({ name, ts: start + day * DAY + k * 1000 });
      });
    }
    await db.insert(events);
    const totals = Object.entries(perDay).map(([name, c]) => [name, c.reduce((a, b) => a + b, 0)] as const);
    const top = [...totals].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 2).map((t) => t[0]).sort();
    const answer = await db.query({
      source: 'shop', measures: [{ as: 'n', fn: 'count' }], dimensions: ['name'], interval: 'day', limit: 2,
      range: { from: '2026-03-01T00:00:00Z', to: '2026-03-04T00:00:00Z' },
    });
    const expected = [0, 1, 2].flatMap((day) => top.map((name) => [label(start + day * DAY, 'UTC'), name, perDay[name][day]]));
    expect(answer.rows).toEqual(expected);
  });
});

describe.each(TIERS)('filters (%s)', (tier) => {
  it('reads numbers numerically, text as text, and neq/nin hold on missing fields', async () => {
    const db = await TestDb.create(tier);
    const props: (Record<string, unknown> | null)[] = [{ n: 10 }, { n: 1.5 }, { n: '10' }, { n: true }, { n: null }, {}, null, { n: 'abc' }];
    const events: TestEvent[] = props.map((p, i) => ({ name: `e${i}`, ts: Date.parse('2026-03-20T00:00:00Z') + i * 1000, props: p, value: i }));
    await db.insert(events);
    const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
    const names = async (filter: unknown) =>
      (await db.query({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], dimensions: ['name'], range, filters: [filter], order: [{ by: 'name' }] })).rows.map((r) => r[0]);
    const text = (v: unknown) => (v === undefined || v === null ? null : String(v));
    const where = (pred: (v: unknown) => boolean) => events.filter((e) => pred(e.props?.n)).map((e) => e.name);
    expect(await names({ field: 'props.n', op: 'eq', value: 10 })).toEqual(where((v) => typeof v === 'number' && v === 10));
    expect(await names({ field: 'props.n', op: 'eq', value: '10' })).toEqual(where((v) => text(v) === '10'));
    expect(await names({ field: 'props.n', op: 'eq', value: true })).toEqual(where((v) => text(v) === 'true'));
    expect(await names({ field: 'props.n', op: 'neq', value: 10 })).toEqual(where((v) => !(typeof v === 'number' && v === 10)));
    expect(await names({ field: 'props.n', op: 'nin', value: ['10', 1.5] })).toEqual(where((v) => !(text(v) === '10' || v === 1.5)));
    expect(await names({ field: 'props.n', op: 'gt', value: 2 })).toEqual(where((v) => typeof v === 'number' && v > 2));
    expect(await names({ field: 'props.n', op: 'lt', value: 'b' })).toEqual(where((v) => text(v) !== null && text(v)! < 'b'));
    expect(await names({ field: 'props.n', op: 'exists', value: true })).toEqual(where((v) => v !== undefined && v !== null));
    expect(await names({ field: 'props.n', op: 'contains', value: '1' })).toEqual(where((v) => text(v)?.includes('1') === true));
    expect(await names({ field: 'value', op: 'eq', value: '3' })).toEqual(['e3']);
    const dims = await db.query({ source: 'shop', measures: [{ as: 'n', fn: 'count' }], dimensions: ['props.n'], range });
    expect(dims.rows.map((r) => r[0]).sort()).toEqual(['1.5', '10', '10', 'abc', 'true', null].filter((v, i, a) => a.indexOf(v) === i).sort());
  });
});
