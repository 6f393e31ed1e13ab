/**
 * A plain-TypeScript reference for trend queries, written from docs/query-language.md ("Trend")
 * only: it shares no code with the engine. It answers an already-valid trend query over an
 * in-memory array of events, the way the doc says the engine must.
 *
 * Time is handled with Intl only: a bucket is the longest run of instants that share a local
 * calendar key (minute/hour: local date, hour[, minute] and UTC offset; day: local date; week: the
 * Monday of the local date; month: local year and month), and bucket starts and ends are found by
 * searching instants for the first one whose key is the bucket's (or no longer is).
 */
import type { Column, Filter, FilterScalar, MetricDefinition, QueryAnswer, TrendQuery, Where } from '@sightline/protocol';
import type { TestEvent } from './db.js';

type Cell = string | number | null;
type Field = { kind: 'column'; column: 'name' | 'actor' | 'source' | 'value' } | { kind: 'prop'; path: string[] };

// ---------------------------------------------------------------------------------------------
// Instants in a time zone (Intl only)

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      hourCycle: 'h23', timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalTime {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  /** `±HH:MM` */
  offset: string;
}

function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) parts[p.type] = p.value;
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.slice(3);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second, offset };
}

/** `YYYY-MM-DDTHH:mm:ss±HH:MM` of an instant in a zone. */
export function timeLabel(ms: number, timeZone: string): string {
  const l = localTime(ms, timeZone);
  return `${l.year}-${l.month}-${l.day}T${l.hour}:${l.minute}:${l.second}${l.offset}`;
}

/** The ISO date of the Monday on or before a calendar date (calendar arithmetic, no time zone). */
function mondayOf(year: number, month: number, day: number): string {
  const civil = new Date(Date.UTC(year, month - 1, day));
  const back = (civil.getUTCDay() + 6) % 7;
  civil.setUTCDate(civil.getUTCDate() - back);
  return civil.toISOString().slice(0, 10);
}

type Interval = NonNullable<TrendQuery['interval']>;

function bucketIdentity(interval: Interval, ms: number, timeZone: string): string {
  const l = localTime(ms, timeZone);
  const date = `${l.year}-${l.month}-${l.day}`;
  switch (interval) {
    case 'minute':
      return `${date}T${l.hour}:${l.minute}${l.offset}`;
    case 'hour':
      return `${date}T${l.hour}${l.offset}`;
    case 'day':
      return date;
    case 'week':
      return mondayOf(Number(l.year), Number(l.month), Number(l.day));
    case 'month':
      return `${l.year}-${l.month}`;
  }
}

/** Longer than any bucket of the interval, so `t ± SPAN` always lies in another bucket. */
const SPAN: Record<Interval, number> = { minute: 2 * MINUTE, hour: 2 * HOUR, day: 2 * DAY, week: 14 * DAY, month: 62 * DAY };
const NOMINAL: Partial<Record<Interval, number>> = { minute: MINUTE, hour: HOUR, day: DAY, week: 7 * DAY };

/** The smallest instant in (lo, hi] for which `pred` holds; pred(lo) is false, pred(hi) true, and pred is monotone. */
function firstTrue(lo: number, hi: number, pred: (t: number) => boolean): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The starts of the buckets from the one holding `from` to the one holding `to − 1 ms`. */
export function bucketStarts(interval: Interval, timeZone: string, from: number, to: number): number[] {
  const key = (t: number) => bucketIdentity(interval, t, timeZone);
  const k0 = key(from);
  const starts = [firstTrue(from - SPAN[interval], from, (t) => key(t) === k0)];
  for (;;) {
    const b = starts[starts.length - 1];
    const kb = key(b);
    let next: number | undefined;
    const nominal = NOMINAL[interval];
    if (nominal !== undefined && key(b + nominal) !== kb && key(b + nominal - 1) === kb) next = b + nominal;
    next ??= firstTrue(b, b + SPAN[interval], (t) => key(t) !== kb);
    if (next >= to) return starts;
    starts.push(next);
  }
}

/** Index of the bucket holding `t` (the last start at or before it). */
function bucketIndex(starts: readonly number[], t: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (starts[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Fields and filters

function parseField(text: string): Field {
  if (text === 'name' || text === 'actor' || text === 'source' || text === 'value') return { kind: 'column', column: text };
  return { kind: 'prop', path: text.slice('props.'.length).split('.') };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The field's JSON value; undefined when missing (JSON null counts as missing). */
function raw(e: TestEvent, f: Field): unknown {
  if (f.kind === 'column') {
    switch (f.column) {
      case 'name':
        return e.name;
      case 'actor':
        return e.actor ?? undefined;
      case 'source':
        return e.source ?? 'shop';
      case 'value':
        return e.value ?? undefined;
    }
  }
  let cur: unknown = e.props;
  for (const seg of f.path) {
    if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur === null ? undefined : cur;
}

/** Numeric only when the field is `value` or a props JSON number. */
function numberOf(e: TestEvent, f: Field): number | null {
  if (f.kind === 'column' && f.column !== 'value') return null;
  const v = raw(e, f);
  return typeof v === 'number' ? v : null;
}

/**
 * The text of a field: strings as is, numbers in their shortest form (an exponent, from 1e21 up or
 * below 1e-6, written without a `+`: `1e21`, `1e-7`), booleans true/false.
 */
function textOf(e: TestEvent, f: Field): string | null {
  const v = raw(e, f);
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v).replace('e+', 'e');
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v); // objects/arrays: not pinned by the doc, never compared by the tests
}

/** Compares strings by Unicode code point. */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

function equalsOne(e: TestEvent, f: Field, values: readonly FilterScalar[]): boolean {
  const num = numberOf(e, f);
  const text = textOf(e, f);
  return values.some((v) => (typeof v === 'number' ? num !== null && num === v : text !== null && text === String(v)));
}

function holds(e: TestEvent, filter: Filter): boolean {
  const f = parseField(filter.field);
  const v = filter.value;
  switch (filter.op) {
    case 'eq':
      return equalsOne(e, f, [v as FilterScalar]);
    case 'neq':
      return !equalsOne(e, f, [v as FilterScalar]);
    case 'in':
      return equalsOne(e, f, v as FilterScalar[]);
    case 'nin':
      return !equalsOne(e, f, v as FilterScalar[]);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      let c: number;
      if (typeof v === 'number') {
        const num = numberOf(e, f);
        if (num === null) return false;
        c = num < v ? -1 : num > v ? 1 : 0;
      } else {
        const text = textOf(e, f);
        if (text === null) return false;
        c = compareCodePoints(text, String(v));
      }
      return filter.op === 'gt' ? c > 0 : filter.op === 'gte' ? c >= 0 : filter.op === 'lt' ? c < 0 : c <= 0;
    }
    case 'contains': {
      const text = textOf(e, f);
      return text !== null && text.includes(v as string);
    }
    case 'exists':
      return (raw(e, f) !== undefined) === (v === true);
  }
}

function whereFilters(where: Where | undefined): Filter[] {
  if (where === undefined) return [];
  return Array.isArray(where) ? where : [{ field: 'name', op: 'eq', value: where.name }];
}

// ---------------------------------------------------------------------------------------------
// Aggregates

type Fn = NonNullable<MetricDefinition['fn']>;
interface Aggregate {
  fn: Fn;
  of?: string;
  where: Filter[];
}

const PERCENTILE: Partial<Record<Fn, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** numpy's default (linear) percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function aggregate(agg: Aggregate, events: readonly TestEvent[]): number | null {
  const matching = events.filter((e) => agg.where.every((w) => holds(e, w)));
  if (agg.fn === 'count') return matching.length;
  if (agg.fn === 'uniq') {
    const seen = new Set<string>();
    const of = agg.of === undefined ? undefined : parseField(agg.of);
    for (const e of matching) {
      const t = of === undefined ? (e.actor ?? null) : textOf(e, of);
      if (t !== null) seen.add(t);
    }
    return seen.size;
  }
  const of = parseField(agg.of ?? 'value');
  const nums = matching.map((e) => numberOf(e, of)).filter((n): n is number => n !== null);
  switch (agg.fn) {
    case 'sum':
      return nums.reduce((a, b) => a + b, 0);
    case 'avg':
      return nums.length === 0 ? null : nums.reduce((a, b) => a + b, 0) / nums.length;
    case 'min':
      return nums.length === 0 ? null : nums.reduce((a, b) => (b < a ? b : a));
    case 'max':
      return nums.length === 0 ? null : nums.reduce((a, b) => (b > a ? b : a));
    default:
      return percentile([...nums].sort((a, b) => a - b), PERCENTILE[agg.fn] as number);
  }
}

// ---------------------------------------------------------------------------------------------
// Formulas: + - * /, parentheses, numeric literals, names

type Expr = { num: number } | { ref: string } | { op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

function parseFormula(text: string): Expr {
  const tokens = text.match(/\d+(?:\.\d+)?|[a-z][a-z0-9_]*|[-+*/()]/g) ?? [];
  let pos = 0;
  const primary = (): Expr => {
    const t = tokens[pos++];
    if (t === '(') {
      const inner = sum();
      pos++; // ')'
      return inner;
    }
    return /^\d/.test(t) ? { num: Number(t) } : { ref: t };
  };
  const product = (): Expr => {
    let left = primary();
    while (tokens[pos] === '*' || tokens[pos] === '/') {
      const op = tokens[pos++] as '*' | '/';
      left = { op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Expr => {
    let left = product();
    while (tokens[pos] === '+' || tokens[pos] === '-') {
      const op = tokens[pos++] as '+' | '-';
      left = { op, left, right: product() };
    }
    return left;
  };
  return sum();
}

function evaluate(expr: Expr, lookup: (name: string) => number | null): number | null {
  if ('num' in expr) return expr.num;
  if ('ref' in expr) return lookup(expr.ref);
  const l = evaluate(expr.left, lookup);
  const r = evaluate(expr.right, lookup);
  if (l === null || r === null) return null;
  switch (expr.op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? null : l / r;
  }
}

/** How a name gets its value. Query formulas see query measures first, then the catalog; catalog formulas see the catalog. */
type Definition = { kind: 'agg'; agg: Aggregate } | { kind: 'formula'; expr: Expr; catalog: boolean };

function definitions(query: TrendQuery, metrics: ReadonlyMap<string, MetricDefinition>) {
  const queryDefs = new Map<string, Definition>();
  const outputs: { name: string; type: 'number' | 'integer' }[] = [];
  const catalogDef = (name: string): Definition => {
    const m = metrics.get(name) as MetricDefinition;
    if (m.formula !== undefined) return { kind: 'formula', expr: parseFormula(m.formula), catalog: true };
    return { kind: 'agg', agg: { fn: m.fn as Fn, of: m.of, where: whereFilters(m.where) } };
  };
  const integer = (d: Definition) => d.kind === 'agg' && (d.agg.fn === 'count' || d.agg.fn === 'uniq');
  for (const m of query.measures) {
    let name: string;
    let def: Definition;
    if (typeof m === 'string') {
      name = m;
      def = catalogDef(m);
    } else if ('formula' in m) {
      name = m.as;
      def = { kind: 'formula', expr: parseFormula(m.formula), catalog: false };
    } else {
      name = m.as;
      def = { kind: 'agg', agg: { fn: m.fn, of: m.of, where: whereFilters(m.where) } };
    }
    queryDefs.set(name, def);
    outputs.push({ name, type: integer(def) ? 'integer' : 'number' });
  }
  /** The visible measures' values over a set of events. */
  const measure = (events: readonly TestEvent[]): (number | null)[] => {
    const memo = new Map<string, number | null>();
    const valueOf = (name: string, catalog: boolean): number | null => {
      const key = `${catalog ? '#' : ''}${name}`;
      if (memo.has(key)) return memo.get(key) as number | null;
      const def = !catalog && queryDefs.has(name) ? (queryDefs.get(name) as Definition) : catalogDef(name);
      const v = def.kind === 'agg' ? aggregate(def.agg, events) : evaluate(def.expr, (n) => valueOf(n, def.catalog));
      memo.set(key, v);
      return v;
    };
    return outputs.map((o) => valueOf(o.name, false));
  };
  return { outputs, measure };
}

// ---------------------------------------------------------------------------------------------
// Ordering

/** Ascending comparison, nulls last whatever the direction. */
function compareCell(a: Cell, b: Cell, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = typeof a === 'number' && typeof b === 'number' ? (a < b ? -1 : a > b ? 1 : 0) : compareCodePoints(String(a), String(b));
  return desc ? -c : c;
}

// ---------------------------------------------------------------------------------------------
// The query

const DURATION_MS: Record<string, number> = { s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

function period(query: TrendQuery, now: number): { from: number; to: number } {
  const range = query.range ?? { last: '30d' };
  if ('last' in range) {
    const m = /^(\d+)([smhdw])$/.exec(range.last) as RegExpExecArray;
    return { from: now - Number(m[1]) * DURATION_MS[m[2]], to: now };
  }
  return { from: Date.parse(range.from), to: Date.parse(range.to) };
}

export interface ReferenceOptions {
  now: number;
  metrics?: ReadonlyMap<string, MetricDefinition>;
}

/** The answer (columns and rows) the doc specifies for a valid trend query over `events`. */
export function referenceTrend(query: TrendQuery, events: readonly TestEvent[], options: ReferenceOptions): QueryAnswer {
  const metrics = options.metrics ?? new Map<string, MetricDefinition>();
  const { from, to } = period(query, options.now);
  const prevFrom = from - (to - from);
  const compare = query.compare === 'previous_period';
  const sources = new Set(Array.isArray(query.source) ? query.source : [query.source]);
  const filters = query.filters ?? [];
  const dims = (query.dimensions ?? []).map(parseField);
  const zone = query.timezone ?? 'UTC';
  const interval = query.interval;
  const { outputs, measure } = definitions(query, metrics);

  const selected = (lo: number, hi: number) =>
    events.filter((e) => {
      const ts = typeof e.ts === 'number' ? e.ts : Date.parse(e.ts);
      return sources.has(e.source ?? 'shop') && ts >= lo && ts < hi && filters.every((f) => holds(e, f));
    });
  const current = selected(from, to);
  const previous = compare ? selected(prevFrom, from) : [];
  const dimValues = (e: TestEvent): Cell[] => dims.map((d) => textOf(e, d));
  const seriesKey = (values: readonly Cell[]) => JSON.stringify(values);

  const groupBySeries = (list: readonly TestEvent[]) => {
    const m = new Map<string, { dims: Cell[]; events: TestEvent[] }>();
    for (const e of list) {
      const values = dimValues(e);
      const key = seriesKey(values);
      let g = m.get(key);
      if (!g) m.set(key, (g = { dims: values, events: [] }));
      g.events.push(e);
    }
    return m;
  };
  let series = groupBySeries(current);
  if (dims.length === 0 && series.size === 0) series.set('[]', { dims: [], events: [] });
  const prevSeries = groupBySeries(previous);

  const columns: Column[] = [];
  if (interval) columns.push({ name: 'time', type: 'time' });
  for (const d of query.dimensions ?? []) columns.push({ name: d, type: 'string' });
  for (const o of outputs) columns.push({ name: o.name, type: o.type });
  if (compare) for (const o of outputs) columns.push({ name: `${o.name}_previous`, type: o.type });
  const order = (query.order ?? []).map((o) => ({ index: columns.findIndex((c) => c.name === o.by), desc: o.dir === 'desc' }));
  const nd = dims.length;

  if (!interval) {
    const rows: Cell[][] = [...series.values()].map((s) => {
      const row: Cell[] = [...s.dims, ...measure(s.events)];
      if (compare) row.push(...measure(prevSeries.get(seriesKey(s.dims))?.events ?? []));
      return row;
    });
    const keys = [...order, { index: nd, desc: true }, ...dims.map((_, i) => ({ index: i, desc: false }))];
    rows.sort((a, b) => {
      for (const k of keys) {
        const c = compareCell(a[k.index], b[k.index], k.desc);
        if (c !== 0) return c;
      }
      return 0;
    });
    return { columns, rows: rows.slice(0, query.limit ?? 10_000) };
  }

  // With an explicit limit, keep the top series ranked over the whole range.
  if (query.limit !== undefined && nd > 0) {
    const rankBy = (query.order ?? []).map((o) => ({ index: outputs.findIndex((m) => m.name === o.by), desc: o.dir === 'desc' })).find((o) => o.index >= 0) ?? {
      index: 0,
      desc: true,
    };
    const ranked = [...series.entries()].map(([key, s]) => ({ key, s, total: measure(s.events)[rankBy.index] }));
    ranked.sort((a, b) => {
      const c = compareCell(a.total, b.total, rankBy.desc);
      if (c !== 0) return c;
      for (let i = 0; i < nd; i++) {
        const d = compareCell(a.s.dims[i], b.s.dims[i], false);
        if (d !== 0) return d;
      }
      return 0;
    });
    series = new Map(ranked.slice(0, query.limit).map((r) => [r.key, r.s]));
  }

  const starts = bucketStarts(interval, zone, from, to);
  const prevStarts = compare ? bucketStarts(interval, zone, prevFrom, from) : [];
  const labels = starts.map((s) => timeLabel(s, zone));
  const byBucket = (list: readonly TestEvent[], bucketList: readonly number[]) => {
    const out: TestEvent[][] = bucketList.map(() => []);
    for (const e of list) out[bucketIndex(bucketList, typeof e.ts === 'number' ? e.ts : Date.parse(e.ts))].push(e);
    return out;
  };
  const rows: { cells: Cell[]; bucket: number }[] = [];
  for (const [key, s] of series) {
    const cur = byBucket(s.events, starts);
    const prev = compare ? byBucket(prevSeries.get(key)?.events ?? [], prevStarts) : [];
    starts.forEach((_, i) => {
      const cells: Cell[] = [labels[i], ...s.dims, ...measure(cur[i])];
      if (compare) cells.push(...(i < prevStarts.length ? measure(prev[i]) : outputs.map(() => null)));
      rows.push({ cells, bucket: i });
    });
  }
  const keys = [...order, { index: 0, desc: false }, ...dims.map((_, i) => ({ index: 1 + i, desc: false }))];
  rows.sort((a, b) => {
    for (const k of keys) {
      const c = k.index === 0 ? (k.desc ? b.bucket - a.bucket : a.bucket - b.bucket) : compareCell(a.cells[k.index], b.cells[k.index], k.desc);
      if (c !== 0) return c;
    }
    return 0;
  });
  return { columns, rows: rows.map((r) => r.cells) };
}
