import type { Filter, FunnelQuery, Measure, MetricDefinition, PanelOptions, Query, TrendQuery } from '@sightline/sdk';
import { FILTER_OPS } from '@sightline/protocol';

// The editor's one source of truth is the draft query object; the form only reads it and writes
// changed copies back. A query may come from the JSON text in any shape, so every reader here is
// defensive, and every writer spreads the old object so that fields the form does not know survive.

type FilterOp = Filter['op'];
type Scalar = string | number | boolean;
type Loose = Record<string, unknown>;

export type MeasureKind = 'metric' | 'aggregate' | 'formula';
export type QueryKind = 'trend' | 'funnel';

/** The fields that both kinds of query have, kept when switching between them. */
const COMMON_FIELDS = ['source', 'range', 'timezone', 'filters'] as const;

export function emptyTrendQuery(): TrendQuery {
  return { source: '', measures: [] };
}

function loose(query: Query): Loose {
  return query as unknown as Loose;
}

/** Rebuild a query with one field set, or removed when `value` is undefined. */
export function setField(query: Query, key: string, value: unknown): Query {
  const next: Loose = { ...loose(query) };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next as unknown as Query;
}

export function queryKind(query: Query): QueryKind {
  return loose(query).kind === 'funnel' ? 'funnel' : 'trend';
}

// ---- sources ----

export function readSources(query: Query): string[] {
  const source = loose(query).source;
  if (typeof source === 'string') return source === '' ? [] : [source];
  if (Array.isArray(source)) return source.filter((s): s is string => typeof s === 'string');
  return [];
}

/** One source is written as a string, several as a list (the server takes both). */
export function writeSources(query: Query, sources: string[]): Query {
  const unique = [...new Set(sources.map((s) => s.trim()).filter((s) => s !== ''))];
  return setField(query, 'source', unique.length === 1 ? unique[0] : unique.length === 0 ? '' : unique);
}

// ---- measures ----

export function readMeasures(query: Query): Measure[] {
  const measures = loose(query).measures;
  return Array.isArray(measures) ? (measures as Measure[]) : [];
}

export function measureKind(measure: Measure): MeasureKind {
  if (typeof measure === 'string') return 'metric';
  if (typeof measure === 'object' && measure !== null && 'formula' in measure) return 'formula';
  return 'aggregate';
}

/** The output column a measure gives. */
export function measureName(measure: Measure): string {
  if (typeof measure === 'string') return measure;
  if (typeof measure === 'object' && measure !== null && typeof measure.as === 'string') return measure.as;
  return '';
}

/** `base`, or `base_2`, `base_3`… so that a new measure's column does not clash with another. */
export function uniqueName(taken: string[], base: string): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}_${i}`)) return `${base}_${i}`;
}

/** An `as` name from free text (`Add to cart` → `add_to_cart`), as the language allows them. */
export function toIdentifier(text: string): string {
  const id = text.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').replace(/_+$/, '').slice(0, 64);
  return id === '' || id === 'time' || id === 'step' || id.endsWith('_previous') ? `m_${id}`.replace(/_+$/, '') : id;
}

export function newMeasure(kind: MeasureKind, taken: string[], metrics: MetricDefinition[]): Measure {
  if (kind === 'metric') {
    const free = metrics.find((m) => !taken.includes(m.name));
    return free?.name ?? metrics[0]?.name ?? '';
  }
  if (kind === 'formula') return { as: uniqueName(taken, 'ratio'), formula: '' };
  return { as: uniqueName(taken, 'events'), fn: 'count' };
}

export function addMeasure(query: Query, kind: MeasureKind, metrics: MetricDefinition[]): Query {
  const measures = readMeasures(query);
  return setField(query, 'measures', [...measures, newMeasure(kind, measures.map(measureName), metrics)]);
}

export function updateMeasure(query: Query, index: number, measure: Measure): Query {
  return setField(query, 'measures', readMeasures(query).map((m, i) => (i === index ? measure : m)));
}

export function removeMeasure(query: Query, index: number): Query {
  return setField(query, 'measures', readMeasures(query).filter((_, i) => i !== index));
}

/**
 * A measure of another kind, keeping what it meant: a catalog metric becomes its own definition as
 * an aggregate or formula, and an aggregate or formula keeps its `as` name.
 */
export function changeMeasureKind(measure: Measure, kind: MeasureKind, metrics: MetricDefinition[], taken: string[]): Measure {
  if (measureKind(measure) === kind) return measure;
  const name = measureName(measure);
  const definition = typeof measure === 'string' ? metrics.find((m) => m.name === measure) : undefined;
  if (kind === 'metric') {
    return metrics.some((m) => m.name === name) ? name : newMeasure('metric', taken, metrics);
  }
  const as = name !== '' ? name : uniqueName(taken, kind === 'formula' ? 'ratio' : 'events');
  if (kind === 'formula') return { as, formula: definition?.formula ?? '' };
  if (definition?.fn) {
    return {
      as,
      fn: definition.fn,
      ...(definition.of !== undefined ? { of: definition.of } : {}),
      ...(definition.where !== undefined ? { where: definition.where } : {}),
    };
  }
  return { as, fn: 'count' };
}

// ---- list fields (dimensions, filters, order) ----

export function readStrings(query: Query, key: string): string[] {
  const value = loose(query)[key];
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : String(v))) : [];
}

/** A list field, left out of the query when empty (the language's defaults apply then). */
export function setList(query: Query, key: string, list: unknown[]): Query {
  return setField(query, key, list.length === 0 ? undefined : list);
}

export function readFilters(value: unknown): Filter[] {
  return Array.isArray(value) ? (value.filter((f) => typeof f === 'object' && f !== null) as Filter[]) : [];
}

export const MAX_DIMENSIONS = 5;
export const DIMENSION_SUGGESTIONS = ['name', 'actor', 'source'];
export const FIELD_SUGGESTIONS = ['name', 'actor', 'source', 'value'];

/** Every `props.<path>` the query already mentions, so that the form can offer them again. */
export function propsPaths(query: Query): string[] {
  const found = new Set<string>();
  JSON.stringify(query, (_key, value: unknown) => {
    if (typeof value === 'string' && /^props\.[A-Za-z_][A-Za-z0-9_.]*$/.test(value)) found.add(value);
    return value;
  });
  return [...found].sort();
}

// ---- filter values ----

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A scalar from text: a number when it reads as one; `"10"` (quoted) keeps a numeric-looking string. */
export function parseScalar(text: string): Scalar {
  const t = text.trim();
  if (NUMBER_TEXT.test(t) && Number.isFinite(Number(t))) return Number(t);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return t;
}

function formatScalar(value: unknown): string {
  if (typeof value === 'string') return NUMBER_TEXT.test(value.trim()) || value.includes(',') ? JSON.stringify(value) : value;
  return String(value);
}

/** The typed value for an op: a boolean for `exists`, a list for `in`/`nin`, else a scalar. */
export function parseFilterValue(op: FilterOp, text: string): Filter['value'] {
  if (op === 'exists') return text.trim() !== 'false';
  if (op === 'in' || op === 'nin') return splitList(text).map(parseScalar);
  return parseScalar(text);
}

/** Commas separate list items, except inside double quotes. */
function splitList(text: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      items.push(current);
      current = '';
    } else current += ch;
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

export function formatFilterValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatScalar).join(', ');
  if (value === undefined || value === null) return '';
  return formatScalar(value);
}

/** The same filter under another op, its value converted to what that op takes. */
export function changeFilterOp(filter: Filter, op: FilterOp): Filter {
  if (op === 'exists') return { ...filter, op, value: typeof filter.value === 'boolean' ? filter.value : true };
  const list = Array.isArray(filter.value) ? filter.value : typeof filter.value === 'boolean' ? [] : [filter.value];
  if (op === 'in' || op === 'nin') return { ...filter, op, value: list };
  return { ...filter, op, value: list[0] ?? '' };
}

export function isFilterOp(op: string): op is FilterOp {
  return (FILTER_OPS as readonly string[]).includes(op);
}

export function newFilter(): Filter {
  return { field: 'name', op: 'eq', value: '' };
}

// ---- trend ↔ funnel ----

function eventNameOf(measure: Measure): string | undefined {
  if (typeof measure !== 'object' || measure === null || !('where' in measure)) return undefined;
  const where = measure.where;
  if (where && !Array.isArray(where) && typeof where.name === 'string') return where.name;
  return undefined;
}

function copyCommon(from: Query, to: Loose): Loose {
  const source = loose(from);
  for (const key of COMMON_FIELDS) {
    if (source[key] === undefined) delete to[key];
    else to[key] = source[key];
  }
  return to;
}

/**
 * The query as the other kind. What both kinds share (source, range, timezone, filters) is kept;
 * `stash`, the last query of the target kind, gives back what only that kind has; without it, funnel
 * steps come from the measures' event names and measures from the steps, a breakdown from the first
 * dimension and back.
 */
export function switchQueryKind(query: Query, to: QueryKind, stash?: Query): Query {
  if (queryKind(query) === to) return query;
  if (stash && queryKind(stash) === to) return copyCommon(query, { ...loose(stash) }) as unknown as Query;
  const current = loose(query);
  if (to === 'funnel') {
    const names = readMeasures(query).map(eventNameOf).filter((n): n is string => n !== undefined && n !== '');
    const steps = [...new Set(names)].slice(0, 10).map((name) => ({ name }));
    while (steps.length < 2) steps.push({ name: '' });
    const funnel: Loose = { kind: 'funnel', source: current.source, steps };
    copyCommon(query, funnel);
    const dimensions = readStrings(query, 'dimensions');
    if (dimensions[0] !== undefined) funnel.breakdown = dimensions[0];
    return funnel as unknown as FunnelQuery;
  }
  const taken: string[] = [];
  const measures: Measure[] = readSteps(query)
    .filter((s) => s.name !== '')
    .map((step) => {
      const as = uniqueName(taken, toIdentifier(step.name));
      taken.push(as);
      return { as, fn: 'count', where: { name: step.name } };
    });
  const trend: Loose = { source: current.source, measures };
  copyCommon(query, trend);
  if (typeof current.breakdown === 'string') trend.dimensions = [current.breakdown];
  return trend as unknown as TrendQuery;
}

export function readSteps(query: Query): Array<{ name: string; where?: Filter[] }> {
  const steps = loose(query).steps;
  if (!Array.isArray(steps)) return [];
  return steps.map((s: unknown) => {
    const step = (typeof s === 'object' && s !== null ? s : {}) as Loose;
    return { ...step, name: typeof step.name === 'string' ? step.name : '' };
  });
}

export const MIN_STEPS = 2;
export const MAX_STEPS = 10;

// ---- JSON text ----

export function formatQueryJson(query: Query): string {
  return JSON.stringify(query, null, 2);
}

export type ParsedQuery = { ok: true; query: Query } | { ok: false; error: string };

/** The query from the JSON text; the server checks its fields, this only that it is an object. */
export function parseQueryJson(text: string): ParsedQuery {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'The query must be a JSON object.' };
  }
  return { ok: true, query: value as Query };
}

/** Whether a preview can be worth asking for: a source and something to compute. */
export function isRunnable(query: Query): boolean {
  if (readSources(query).length === 0) return false;
  if (queryKind(query) === 'funnel') return readSteps(query).filter((s) => s.name !== '').length >= MIN_STEPS;
  return readMeasures(query).length > 0;
}

/** The output columns a query has, for `order` and the measure a single-value panel shows. */
export function measureColumns(query: Query): string[] {
  return readMeasures(query).map(measureName).filter((n) => n !== '');
}

// ---- options ----

/** Options without empty entries; `undefined` when nothing is left. */
export function cleanOptions(options: PanelOptions | undefined): PanelOptions | undefined {
  if (!options) return undefined;
  const next: Loose = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === '') continue;
    if (key === 'thresholds' && typeof value === 'object' && value !== null) {
      const thresholds = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
      if (Object.keys(thresholds).length > 0) next[key] = thresholds;
      continue;
    }
    next[key] = value;
  }
  return Object.keys(next).length > 0 ? (next as PanelOptions) : undefined;
}

/** A number from an input's text, or undefined when the text is empty or not a number. */
export function parseOptionalNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Event names worth offering: those the catalog's metrics and the query already mention. */
export function eventNameSuggestions(query: Query, metrics: MetricDefinition[]): string[] {
  const names = new Set<string>();
  for (const metric of metrics) {
    const where = metric.where;
    if (where && !Array.isArray(where) && where.name) names.add(where.name);
  }
  for (const measure of readMeasures(query)) {
    const name = eventNameOf(measure);
    if (name) names.add(name);
  }
  for (const step of readSteps(query)) if (step.name) names.add(step.name);
  return [...names].sort();
}
