import type { Column, DashboardPanel, QueryResult } from '@sightline/sdk';
import { describe, expect, it } from 'vitest';
import { buildChartOption, PREVIOUS_ID_PREFIX } from '../src/features/panels/chart-options';
import { drillFilter } from '../src/features/panels/drill';
import { answerToCsv, answerToJson } from '../src/features/panels/export-panel';
import { formatChange, formatCompact, formatTimeAt, formatTimeFull, formatValue } from '../src/features/panels/format';
import { gaugeBands } from '../src/features/panels/gauge-options';
import { kpiStatus, type KpiStatus, type KpiThresholds } from '../src/features/panels/kpi-status';

// Options are checked against references computed here, independently, from the rows.

/** mulberry32: a tiny seeded PRNG, so that every run draws the same "random" answers. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)];
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const DIM_POOLS: Record<string, Array<string | null>> = {
  'props.country': ['de', 'fr', 'it', null, 'münchen', '東京'],
  'props.plan': ['free', 'pro', 'team'],
  name: ['order_completed', 'session_start'],
};

interface TrendSpec {
  time: boolean;
  dims: string[];
  measures: string[];
  compare: boolean;
}

function shuffle<T>(rand: Rand, list: T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Every combination of dimension values (a random subset of each pool), per bucket when timed. */
function trendAnswer(rand: Rand, spec: TrendSpec): QueryResult {
  const columns: Column[] = [];
  if (spec.time) columns.push({ name: 'time', type: 'time' });
  for (const d of spec.dims) columns.push({ name: d, type: 'string' });
  for (const m of spec.measures) columns.push({ name: m, type: rand() < 0.5 ? 'integer' : 'number' });
  if (spec.compare) for (const m of spec.measures) columns.push({ name: `${m}_previous`, type: 'number' });
  const domains = spec.dims.map((d) => shuffle(rand, DIM_POOLS[d]).slice(0, int(rand, 1, DIM_POOLS[d].length)));
  let combos: Array<Array<string | null>> = [[]];
  for (const domain of domains) combos = combos.flatMap((c) => domain.map((v) => [...c, v]));
  const buckets = spec.time ? int(rand, 1, 12) : 1;
  // Day buckets in Europe/Berlin across the March DST change: offsets +01:00 then +02:00.
  const times = Array.from({ length: buckets }, (_, i) => {
    const day = 24 + i;
    return day <= 29 ? `2026-03-${String(day).padStart(2, '0')}T00:00:00+01:00` : `2026-${day <= 31 ? '03' : '04'}-${String(day <= 31 ? day : day - 31).padStart(2, '0')}T00:00:00+02:00`;
  });
  const value = () => (rand() < 0.15 ? null : Math.round(rand() * 100000) / 100);
  const rows: unknown[][] = [];
  for (const t of times) {
    for (const combo of combos) {
      const row: unknown[] = [];
      if (spec.time) row.push(t);
      row.push(...combo);
      for (let i = 0; i < spec.measures.length * (spec.compare ? 2 : 1); i++) row.push(value());
      rows.push(row);
    }
  }
  return { columns, rows: shuffle(rand, rows), meta: { took_ms: 1, cached: false } };
}

function panelOf(chart: DashboardPanel['chart'], options: DashboardPanel['options'] = {}): DashboardPanel {
  return { id: 'p', title: 'Panel', chart, query: { source: 'shop', measures: ['revenue'], interval: 'day' }, layout: { x: 0, y: 0, w: 6, h: 6 }, options };
}

interface Series {
  id: string;
  name: string;
  type: string;
  stack?: string;
  areaStyle?: unknown;
  lineStyle?: { type?: string };
  itemStyle?: { borderType?: string };
  data: Array<{ value: unknown; name?: string; drill?: Array<{ field: string; value: string | null }> }>;
}

function seriesOf(option: Record<string, unknown>): Series[] {
  return option.series as Series[];
}

const label = (values: Array<string | null>) => values.map((v) => v ?? '(none)').join(' · ');
const colIndex = (answer: QueryResult, name: string) => answer.columns.findIndex((c) => c.name === name);

describe('time series (line, area, bar, stacked bar)', () => {
  for (let seed = 1; seed <= 24; seed++) {
    const kind = (['line', 'area', 'bar', 'stacked_bar'] as const)[seed % 4];
    it(`seed ${seed}: ${kind}`, () => {
      const rand = prng(seed);
      const spec: TrendSpec = {
        time: true,
        dims: shuffle(rand, Object.keys(DIM_POOLS)).slice(0, int(rand, 0, 2)),
        measures: ['revenue', 'orders', 'aov'].slice(0, int(rand, 1, 3)),
        compare: rand() < 0.5,
      };
      const answer = trendAnswer(rand, spec);
      const series = seriesOf(buildChartOption(panelOf(kind), answer));
      const ti = colIndex(answer, 'time');

      // Reference: per measure × combination, [time, value] in time order.
      const expected = new Map<string, Array<[string, unknown]>>();
      const expectedPrevious = new Map<string, Array<[string, unknown]>>();
      const sorted = [...answer.rows].sort((a, b) => Date.parse(a[ti] as string) - Date.parse(b[ti] as string));
      for (const m of spec.measures) {
        for (const row of sorted) {
          const values = spec.dims.map((d) => row[colIndex(answer, d)] as string | null);
          const name = values.length ? `${m} · ${label(values)}` : m;
          expected.set(name, [...(expected.get(name) ?? []), [row[ti] as string, row[colIndex(answer, m)]]]);
          if (spec.compare) expectedPrevious.set(name, [...(expectedPrevious.get(name) ?? []), [row[ti] as string, row[colIndex(answer, `${m}_previous`)]]]);
        }
      }
      const current = series.filter((s) => !s.id.startsWith(PREVIOUS_ID_PREFIX));
      const previous = series.filter((s) => s.id.startsWith(PREVIOUS_ID_PREFIX));
      expect(current.map((s) => s.name).sort()).toEqual([...expected.keys()].sort());
      for (const s of current) {
        expect(s.data.map((d) => d.value)).toEqual(expected.get(s.name));
        expect(s.type).toBe(kind === 'area' ? 'line' : kind === 'stacked_bar' ? 'bar' : kind);
        if (kind === 'area') expect(s.areaStyle).toBeDefined();
        if (kind === 'line') expect(s.areaStyle).toBeUndefined();
        if (spec.dims.length) {
          // Each point remembers the dimension values of its series (for drill-down).
          const values = spec.dims.map((d) => s.data[0].drill?.find((r) => r.field === d)?.value);
          expect(`${s.name.split(' · ')[0]} · ${label(values as Array<string | null>)}`).toBe(s.name);
        }
      }
      if (kind === 'stacked_bar') {
        for (const m of spec.measures) {
          const stacks = new Set(current.filter((s) => s.name === m || s.name.startsWith(`${m} · `)).map((s) => s.stack));
          expect(stacks.size).toBe(1);
          expect([...stacks][0]).toBeTruthy();
        }
        expect(new Set(current.map((s) => s.stack)).size).toBe(spec.measures.length);
      } else {
        for (const s of current) expect(s.stack).toBeUndefined();
      }
      if (spec.compare) {
        expect(previous.length).toBe(current.length);
        for (const s of previous) {
          const base = s.name.replace(/ \(previous period\)$/, '');
          expect(s.name).not.toBe(base);
          expect(s.data.map((d) => d.value)).toEqual(expectedPrevious.get(base));
          expect(s.lineStyle?.type).toBe('dashed');
          if (kind === 'bar' || kind === 'stacked_bar') expect(s.itemStyle?.borderType).toBe('dashed');
          if (kind === 'stacked_bar') expect(current.map((c) => c.stack)).not.toContain(s.stack);
        }
      } else {
        expect(previous).toEqual([]);
      }
      for (const s of current) expect(s.lineStyle?.type ?? 'solid').toBe('solid');
    });
  }

  it('keeps nulls as gaps and labels the axis in the answer\'s offset', () => {
    const answer: QueryResult = {
      columns: [
        { name: 'time', type: 'time' },
        { name: 'p95', type: 'number' },
      ],
      rows: [
        ['2026-03-29T00:00:00+01:00', 12],
        ['2026-03-30T00:00:00+02:00', null],
        ['2026-03-31T00:00:00+02:00', 9],
      ],
      meta: { took_ms: 1, cached: false },
    };
    const option = buildChartOption(panelOf('line'), answer) as Record<string, unknown>;
    const [s] = seriesOf(option);
    expect(s.data.map((d) => (d.value as unknown[])[1])).toEqual([12, null, 9]);
    expect((s as unknown as { connectNulls: boolean }).connectNulls).toBe(false);
    const xAxis = option.xAxis as { type: string; axisLabel: { formatter: (ms: number) => string } };
    expect(xAxis.type).toBe('time');
    // 2026-03-29T22:00Z is midnight of Mar 30 at +02:00 (and 23:00 Mar 29 in UTC).
    expect(xAxis.axisLabel.formatter(Date.parse('2026-03-29T22:00:00Z'))).toBe('Mar 30');
    expect(xAxis.axisLabel.formatter(Date.parse('2026-03-28T23:00:00Z'))).toBe('Mar 29');
  });
});

describe('category charts (no time)', () => {
  for (let seed = 100; seed < 112; seed++) {
    const kind = (['bar', 'line', 'stacked_bar'] as const)[seed % 3];
    it(`seed ${seed}: ${kind}, first dimension on the axis`, () => {
      const rand = prng(seed);
      const spec: TrendSpec = { time: false, dims: shuffle(rand, Object.keys(DIM_POOLS)).slice(0, int(rand, 1, 2)), measures: ['revenue', 'orders'].slice(0, int(rand, 1, 2)), compare: rand() < 0.5 };
      const answer = trendAnswer(rand, spec);
      const option = buildChartOption(panelOf(kind), answer) as Record<string, unknown>;
      const [first, ...rest] = spec.dims;
      const fi = colIndex(answer, first);
      const categories: Array<string | null> = [];
      for (const row of answer.rows) if (!categories.includes(row[fi] as string | null)) categories.push(row[fi] as string | null);
      expect((option.xAxis as { data: string[] }).data).toEqual(categories.map((c) => c ?? '(none)'));
      for (const s of seriesOf(option)) {
        const previous = s.id.startsWith(PREVIOUS_ID_PREFIX);
        const name = s.name.replace(/ \(previous period\)$/, '');
        const m = name.split(' · ')[0];
        const restValues = rest.length ? name.split(' · ').slice(1) : [];
        const expected = categories.map((c) => {
          const row = answer.rows.find((r) => r[fi] === c && rest.every((d, i) => ((r[colIndex(answer, d)] as string | null) ?? '(none)') === restValues[i]));
          return row ? row[colIndex(answer, previous ? `${m}_previous` : m)] : null;
        });
        expect(s.data.map((d) => d.value)).toEqual(expected);
        expect(s.data.map((d) => d.drill?.[0])).toEqual(categories.map((c) => ({ field: first, value: c })));
      }
      const previousCount = seriesOf(option).filter((s) => s.id.startsWith(PREVIOUS_ID_PREFIX)).length;
      expect(previousCount > 0).toBe(spec.compare);
    });
  }
});

describe('pie and donut', () => {
  for (let seed = 200; seed < 210; seed++) {
    it(`seed ${seed}: slices sum to the rows' total`, () => {
      const rand = prng(seed);
      const spec: TrendSpec = { time: rand() < 0.5, dims: shuffle(rand, Object.keys(DIM_POOLS)).slice(0, int(rand, 1, 2)), measures: ['revenue', 'orders'], compare: false };
      const answer = trendAnswer(rand, spec);
      const measure = rand() < 0.5 ? 'orders' : undefined;
      const kind = seed % 2 ? 'donut' : 'pie';
      const option = buildChartOption(panelOf(kind, { measure }), answer);
      const [s] = seriesOf(option as Record<string, unknown>);
      const mi = colIndex(answer, measure ?? 'revenue');
      const total = answer.rows.reduce((sum, row) => sum + ((row[mi] as number | null) ?? 0), 0);
      const slices = s.data.map((d) => (d.value as number | null) ?? 0).reduce((a, b) => a + b, 0);
      expect(slices).toBeCloseTo(total, 6);
      const combos = new Set(answer.rows.map((row) => JSON.stringify(spec.dims.map((d) => row[colIndex(answer, d)]))));
      expect(s.data.length).toBe(combos.size);
      for (const d of s.data) expect(d.name).toBe(label(d.drill!.map((r) => r.value)));
      expect(Array.isArray((s as unknown as { radius: unknown }).radius)).toBe(kind === 'donut');
    });
  }
});

function funnelAnswer(rand: Rand, breakdown: boolean): QueryResult {
  const steps = ['product_view', 'add_to_cart', 'checkout', 'order_completed'].slice(0, int(rand, 2, 4));
  const groups = breakdown ? ['de', 'fr', null] : [undefined];
  const columns: Column[] = [
    { name: 'step', type: 'integer' },
    { name: 'name', type: 'string' },
    ...(breakdown ? [{ name: 'props.country', type: 'string' as const }] : []),
    { name: 'actors', type: 'integer' },
    { name: 'conversion', type: 'number' },
    { name: 'step_conversion', type: 'number' },
  ];
  const rows: unknown[][] = [];
  for (const g of groups) {
    let actors = int(rand, 50, 500);
    const first = actors;
    let prev = actors;
    steps.forEach((name, i) => {
      if (i > 0) actors = Math.floor(actors * rand());
      rows.push([i + 1, name, ...(breakdown ? [g] : []), actors, first ? actors / first : null, prev ? actors / prev : null]);
      prev = actors;
    });
  }
  return { columns, rows, meta: { took_ms: 1, cached: false } };
}

describe('funnel answers', () => {
  for (let seed = 300; seed < 306; seed++) {
    const breakdown = seed % 2 === 0;
    it(`seed ${seed}: funnel${breakdown ? ' with breakdown' : ''}`, () => {
      const answer = funnelAnswer(prng(seed), breakdown);
      const series = seriesOf(buildChartOption(panelOf('funnel'), answer) as Record<string, unknown>);
      expect(series.length).toBe(breakdown ? 3 : 1);
      for (const s of series) {
        expect(s.type).toBe('funnel');
        const group = answer.rows.filter((r) => !breakdown || (r[2] ?? '(none)') === s.name);
        expect(s.data.map((d) => d.name)).toEqual(group.map((r) => r[1]));
        expect(s.data.map((d) => d.value)).toEqual(group.map((r) => r[breakdown ? 3 : 2]));
        // A step stands for an event, not a dimension: only the breakdown drills.
        expect(drillFilter(s.data[0])).toEqual(breakdown ? (s.name === '(none)' ? { field: 'props.country', op: 'exists', value: false } : { field: 'props.country', op: 'eq', value: s.name }) : undefined);
      }
    });
    it(`seed ${seed}: funnel as bars`, () => {
      const answer = funnelAnswer(prng(seed), breakdown);
      const option = buildChartOption(panelOf('bar'), answer) as Record<string, unknown>;
      const steps = [...new Set(answer.rows.map((r) => `${r[0]}. ${r[1]}`))];
      expect((option.xAxis as { data: string[] }).data).toEqual(steps);
      const series = seriesOf(option);
      expect(series.every((s) => s.type === 'bar')).toBe(true);
      const actors = series.flatMap((s) => s.data.map((d) => d.value));
      expect(actors.reduce((a: number, b) => a + (b as number), 0)).toBe(answer.rows.reduce((a, r) => a + (r[breakdown ? 3 : 2] as number), 0));
    });
  }
});

describe('heatmap', () => {
  for (let seed = 400; seed < 406; seed++) {
    it(`seed ${seed}: every cell where its row and column say`, () => {
      const rand = prng(seed);
      const time = seed % 2 === 0;
      const spec: TrendSpec = { time, dims: time ? ['props.country'] : ['props.country', 'props.plan'], measures: ['orders'], compare: false };
      const answer = trendAnswer(rand, spec);
      const option = buildChartOption(panelOf('heatmap'), answer) as Record<string, unknown>;
      const xs = (option.xAxis as { data: string[] }).data;
      const ys = (option.yAxis as { data: string[] }).data;
      const [s] = seriesOf(option);
      const mi = colIndex(answer, 'orders');
      expect(s.data.length).toBe(answer.rows.length);
      const values = answer.rows.map((r) => r[mi]).filter((v): v is number => v !== null);
      const visualMap = option.visualMap as { min: number; max: number };
      const [lo, hi] = [Math.min(...values), Math.max(...values)];
      expect(visualMap.min).toBe(lo);
      // A scale of one value has no span; it is widened by one so that the cell still has a colour.
      expect(visualMap.max).toBe(hi === lo ? lo + 1 : hi);
      for (const row of answer.rows) {
        const x = time ? formatTimeAt(Date.parse(row[0] as string), (row[0] as string).endsWith('+02:00') ? 120 : 60, 'day') : ((row[0] as string | null) ?? '(none)');
        const y = (row[1] as string | null) ?? '(none)';
        const cell = s.data.find((d) => {
          const [xi, yi] = d.value as number[];
          return xs[xi] === x && ys[yi] === y;
        });
        expect(cell, `${x} × ${y}`).toBeDefined();
        expect((cell!.value as unknown[])[2]).toBe(row[mi]);
      }
    });
  }
});

describe('scatter and gauge', () => {
  it('scatter without time plots measure against measure, one point per row', () => {
    const answer = trendAnswer(prng(501), { time: false, dims: ['props.country'], measures: ['orders', 'revenue'], compare: false });
    const [s] = seriesOf(buildChartOption(panelOf('scatter'), answer) as Record<string, unknown>);
    expect(s.data.map((d) => d.value)).toEqual(answer.rows.map((r) => [r[1], r[2]]));
    expect(s.data.map((d) => d.drill?.[0].value)).toEqual(answer.rows.map((r) => r[0]));
  });

  it('gauge shows the summed value on a scale from the options, banded by the KPI', () => {
    const answer: QueryResult = { columns: [{ name: 'time', type: 'time' }, { name: 'cpu', type: 'number' }], rows: [['2026-03-01T00:00:00Z', 30], ['2026-03-02T00:00:00Z', null], ['2026-03-03T00:00:00Z', 25]], meta: { took_ms: 1, cached: false } };
    const panel = panelOf('gauge', { min: 0, max: 100, thresholds: { direction: 'lower', warning: 60, critical: 80 } });
    const [s] = seriesOf(buildChartOption(panel, answer) as Record<string, unknown>) as unknown as Array<{ min: number; max: number; data: Array<{ value: number }>; axisLine: { lineStyle: { color: Array<[number, string]> } } }>;
    expect(s.data[0].value).toBe(55);
    expect([s.min, s.max]).toEqual([0, 100]);
    expect(s.axisLine.lineStyle.color.map(([at]) => at)).toEqual([0.6, 0.8, 1]);
    const kpiPanel = buildChartOption(panelOf('gauge', { min: 0, max: 200 }), answer, { kpi: { name: 'k', metric: 'cpu', direction: 'higher', warning: 100, critical: 50 } });
    expect(seriesOf(kpiPanel as Record<string, unknown>)[0]).toMatchObject({ axisLine: { lineStyle: { color: [[0.25, expect.any(String)], [0.5, expect.any(String)], [1, expect.any(String)]] } } });
  });

  it('gauge bands run bad to good per direction', () => {
    const c = { good: 'G', warning: 'W', critical: 'C', neutral: 'N' };
    expect(gaugeBands({ direction: 'higher', warning: 50, critical: 20 }, 0, 100, c)).toEqual([[0.2, 'C'], [0.5, 'W'], [1, 'G']]);
    expect(gaugeBands({ direction: 'lower', warning: 50, critical: 80 }, 0, 100, c)).toEqual([[0.5, 'G'], [0.8, 'W'], [1, 'C']]);
    expect(gaugeBands({ direction: 'higher', target: 75 }, 0, 100, c)).toEqual([[0.75, 'W'], [1, 'G']]);
    expect(gaugeBands({}, 0, 100, c)).toEqual([[1, 'N']]);
  });
});

describe('kpiStatus', () => {
  const cases: Array<[number | null, KpiThresholds, KpiStatus]> = [
    [100, { direction: 'higher', warning: 80, critical: 50 }, 'good'],
    [80, { direction: 'higher', warning: 80, critical: 50 }, 'good'],
    [79.9, { direction: 'higher', warning: 80, critical: 50 }, 'warning'],
    [50, { direction: 'higher', warning: 80, critical: 50 }, 'warning'],
    [49, { direction: 'higher', warning: 80, critical: 50 }, 'critical'],
    [-5, { direction: 'higher', critical: 0 }, 'critical'],
    [5, { direction: 'higher', critical: 0 }, 'good'],
    [100, { direction: 'lower', warning: 200, critical: 500 }, 'good'],
    [250, { direction: 'lower', warning: 200, critical: 500 }, 'warning'],
    [501, { direction: 'lower', warning: 200, critical: 500 }, 'critical'],
    [300, { direction: 'lower', warning: 200 }, 'warning'],
    [40_000, { direction: 'higher', target: 50_000 }, 'warning'],
    [50_000, { direction: 'higher', target: 50_000 }, 'good'],
    [120, { direction: 'lower', target: 100 }, 'warning'],
    [90, { direction: 'lower', target: 100 }, 'good'],
    [90, { target: 100 }, 'warning'],
    [42, {}, 'neutral'],
    [null, { direction: 'higher', warning: 1 }, 'neutral'],
    [10, { direction: 'higher', target: 5, warning: 20, critical: 15 }, 'critical'],
  ];
  it.each(cases)('%s with %j is %s', (value, thresholds, status) => {
    expect(kpiStatus(value, thresholds)).toBe(status);
  });
});

describe('format', () => {
  it('formats by unit', () => {
    expect(formatValue(12345.675, 'currency')).toBe('$12,345.68');
    expect(formatValue(12345.6, 'currency')).toBe('$12,345.60');
    expect(formatValue(0.1234, 'ratio')).toBe('12.3 %');
    expect(formatValue(12.34, 'percent')).toBe('12.3 %');
    expect(formatValue(850, 'ms')).toBe('850 ms');
    expect(formatValue(1250, 'ms')).toBe('1.25 s');
    expect(formatValue(1234567.8, 'count')).toBe('1,234,568');
    expect(formatValue(null, 'count')).toBe('—');
    expect(formatCompact(12_345)).toBe('12.3k');
    expect(formatCompact(4_500_000)).toBe('4.5M');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(12_345, 'currency')).toBe('$12.3k');
    expect(formatChange(0.042)).toBe('+4.2 %');
    expect(formatChange(-0.03)).toBe('−3.0 %');
    expect(formatTimeFull('2026-03-29T05:30:00+05:30', 'hour')).toBe('2026-03-29 05:30');
  });
});

/** A small RFC 4180 parser, written here so that the CSV writer is checked by something else. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe('answerToCsv', () => {
  const TEXT = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', 'münchen', '東京 🚀', '=SUM(A1:A2)', '+1', '-2', '@cmd', '\tx', '\rx', '', ' padded '];
  for (let seed = 600; seed < 610; seed++) {
    it(`seed ${seed}: round-trips through an RFC 4180 parser`, () => {
      const rand = prng(seed);
      const columns: Column[] = [
        { name: 'props.label', type: 'string' },
        { name: 'value', type: 'number' },
        { name: 'note, "quoted"', type: 'string' },
      ];
      const rows = Array.from({ length: int(rand, 1, 30) }, () => [
        rand() < 0.1 ? null : pick(rand, TEXT),
        rand() < 0.1 ? null : pick(rand, [0, -2, 1.5, -0.000001, 1e21, 123456789.125, Math.round(rand() * 1e6) / 100]),
        pick(rand, TEXT),
      ]);
      const csv = answerToCsv({ columns, rows });
      const parsed = parseCsv(csv);
      expect(parsed[0]).toEqual(columns.map((c) => c.name));
      expect(parsed.length).toBe(rows.length + 1);
      rows.forEach((row, r) => {
        row.forEach((cell, c) => {
          const out = parsed[r + 1][c];
          if (cell === null) expect(out).toBe('');
          else if (typeof cell === 'number') {
            expect(out).toBe(JSON.stringify(cell));
            expect(JSON.parse(out)).toBe(cell);
          } else if (/^[=+\-@\t\r]/.test(cell)) expect(out).toBe(`'${cell}`);
          else expect(out).toBe(cell);
        });
      });
    });
  }

  it('writes JSON as {columns, rows}', () => {
    const answer = { columns: [{ name: 'a', type: 'string' as const }], rows: [['x'], [null]] };
    expect(JSON.parse(answerToJson(answer))).toEqual(answer);
  });
});
