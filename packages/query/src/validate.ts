/**
 * Structural validation of a query body: every problem is reported at its JSON Pointer, unknown
 * fields included. What comes out is typed and grammar-checked; names are resolved in normalize.ts.
 */
import { INTERVALS, type FunnelQuery, type Interval, type MetricDefinition, type TrendQuery } from '@sightline/protocol';
import { Problems } from './errors.js';
import { DIMENSION_RULE, DURATION_RULE, fieldLabel, isTimeZone, nameProblem, parseDuration, parseField } from './grammar.js';
import { parseFormula } from './formula.js';
import {
  type ResolvedRange,
  checkKeys,
  isObject,
  validateFilters,
  validateFn,
  validateOf,
  validateRange,
  validateSource,
  validateWhere,
} from './validate-parts.js';

const TREND_KEYS = ['kind', 'source', 'measures', 'dimensions', 'interval', 'range', 'timezone', 'filters', 'compare', 'order', 'limit'];
const FUNNEL_KEYS = ['kind', 'source', 'steps', 'window', 'range', 'timezone', 'filters', 'breakdown'];
const MAX_MEASURES = 20;
const MAX_DIMENSIONS = 5;
export const MAX_LIMIT = 10_000;

export type ValidQuery =
  | { kind: 'trend'; query: TrendQuery; sources: string[]; range: ResolvedRange; timeZone: string }
  | { kind: 'funnel'; query: FunnelQuery; sources: string[]; range: ResolvedRange; windowMs: number };

export function validateQuery(input: unknown, now: number, metrics: ReadonlyMap<string, MetricDefinition>): ValidQuery {
  const problems = new Problems();
  if (!isObject(input)) {
    problems.add('', 'a query must be a JSON object');
    problems.throwIfAny('invalid_query');
  }
  const body = input as Record<string, unknown>;
  const kind = body.kind ?? 'trend';
  if (kind !== 'trend' && kind !== 'funnel') {
    problems.add('/kind', 'must be "trend" (the default) or "funnel"');
    problems.throwIfAny('invalid_query');
  }
  checkKeys(body, kind === 'funnel' ? FUNNEL_KEYS : TREND_KEYS, '', problems);
  const sources = validateSource(body.source, '/source', problems);
  const range = validateRange(body.range, now, '/range', problems);
  const timeZone = body.timezone ?? 'UTC';
  if (!isTimeZone(timeZone)) problems.add('/timezone', 'must be an IANA time zone name (e.g. Europe/Berlin) or UTC');
  if (body.filters !== undefined) validateFilters(body.filters, '/filters', problems);

  if (kind === 'funnel') {
    validateSteps(body.steps, problems);
    const windowMs = body.window === undefined ? 86_400_000 : parseDuration(body.window);
    if (windowMs === undefined) problems.add('/window', DURATION_RULE);
    if (body.breakdown !== undefined) {
      const field = parseField(body.breakdown);
      if (!field || fieldLabel(field) === 'value') problems.add('/breakdown', DIMENSION_RULE);
    }
    problems.throwIfAny('invalid_query');
    return { kind, query: body as unknown as FunnelQuery, sources: sources!, range: range!, windowMs: windowMs! };
  }

  const names = validateMeasures(body.measures, metrics, problems);
  const dims = validateDimensions(body.dimensions, problems);
  const interval = body.interval;
  if (interval !== undefined && !(INTERVALS as readonly unknown[]).includes(interval)) {
    problems.add('/interval', `must be one of ${INTERVALS.join(', ')}`);
  }
  if (body.compare !== undefined && body.compare !== 'previous_period') problems.add('/compare', 'must be "previous_period"');
  if (body.limit !== undefined && (!Number.isInteger(body.limit) || (body.limit as number) < 1 || (body.limit as number) > MAX_LIMIT)) {
    problems.add('/limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  for (const dim of dims) {
    if (names.includes(dim)) problems.add('/dimensions', `"${dim}" is both a dimension and a measure name`);
  }
  const columns = [
    ...(interval !== undefined ? ['time'] : []),
    ...dims,
    ...names,
    ...(body.compare !== undefined ? names.map((n) => `${n}_previous`) : []),
  ];
  validateOrder(body.order, columns, problems);
  problems.throwIfAny('invalid_query');
  return { kind: 'trend', query: body as unknown as TrendQuery, sources: sources!, range: range!, timeZone: timeZone as string };
}

/** Returns the output names of the measures (for the duplicate and order checks). */
function validateMeasures(input: unknown, metrics: ReadonlyMap<string, MetricDefinition>, problems: Problems): string[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_MEASURES) {
    problems.add('/measures', `must be a list of 1 to ${MAX_MEASURES} measures`);
    return [];
  }
  const names: string[] = [];
  input.forEach((m, i) => {
    const path = `/measures/${i}`;
    let name: string | undefined;
    if (typeof m === 'string') {
      if (!metrics.has(m)) problems.add(path, `no catalog metric is named "${m.slice(0, 64)}"; use a metric name or {"as","fn"} or {"as","formula"}`);
      else name = m;
    } else if (isObject(m)) {
      const asProblem = nameProblem(m.as);
      if (asProblem) problems.add(`${path}/as`, asProblem);
      else name = m.as as string;
      if ('formula' in m) {
        checkKeys(m, ['as', 'formula'], path, problems);
        const ast = parseFormula(m.formula);
        if (typeof ast === 'string') problems.add(`${path}/formula`, ast);
      } else if ('fn' in m) {
        checkKeys(m, ['as', 'fn', 'of', 'where'], path, problems);
        const fn = validateFn(m.fn, `${path}/fn`, problems);
        validateOf(fn, m.of, `${path}/of`, problems);
        if (m.where !== undefined) validateWhere(m.where, `${path}/where`, problems);
      } else {
        problems.add(path, 'must have "fn" (an aggregate) or "formula"');
      }
    } else {
      problems.add(path, 'must be a metric name, {"as","fn","of","where"} or {"as","formula"}');
    }
    if (name !== undefined) {
      if (names.includes(name)) problems.add(typeof m === 'string' ? path : `${path}/as`, `"${name}" is already a column of this query`);
      names.push(name);
    }
  });
  return names;
}

function validateDimensions(input: unknown, problems: Problems): string[] {
  if (input === undefined) return [];
  if (!Array.isArray(input) || input.length > MAX_DIMENSIONS) {
    problems.add('/dimensions', `must be a list of at most ${MAX_DIMENSIONS} fields`);
    return [];
  }
  const labels: string[] = [];
  input.forEach((d, i) => {
    const field = parseField(d);
    if (!field || fieldLabel(field) === 'value') problems.add(`/dimensions/${i}`, DIMENSION_RULE);
    else if (labels.includes(fieldLabel(field))) problems.add(`/dimensions/${i}`, 'is already a dimension');
    else labels.push(fieldLabel(field));
  });
  return labels;
}

function validateOrder(input: unknown, columns: string[], problems: Problems): void {
  if (input === undefined) return;
  if (!Array.isArray(input) || input.length > 30) {
    problems.add('/order', 'must be a list of {"by": <output column>, "dir": "asc"|"desc"}');
    return;
  }
  input.forEach((o, i) => {
    const path = `/order/${i}`;
    if (!isObject(o)) {
      problems.add(path, 'must be {"by": <output column>, "dir": "asc"|"desc"}');
      return;
    }
    checkKeys(o, ['by', 'dir'], path, problems);
    if (typeof o.by !== 'string' || !columns.includes(o.by)) {
      problems.add(`${path}/by`, `must name an output column: ${columns.join(', ')}`);
    }
    if (o.dir !== undefined && o.dir !== 'asc' && o.dir !== 'desc') problems.add(`${path}/dir`, 'must be "asc" or "desc"');
  });
}

function validateSteps(input: unknown, problems: Problems): void {
  if (!Array.isArray(input) || input.length < 2 || input.length > 10) {
    problems.add('/steps', 'must be a list of 2 to 10 steps {"name", "where"?}');
    return;
  }
  input.forEach((s, i) => {
    const path = `/steps/${i}`;
    if (!isObject(s)) {
      problems.add(path, 'must be {"name": "<event name>", "where"?: [filters]}');
      return;
    }
    checkKeys(s, ['name', 'where'], path, problems);
    if (typeof s.name !== 'string' || s.name === '') problems.add(`${path}/name`, 'must be a non-empty event name');
    if (s.where !== undefined) validateFilters(s.where, `${path}/where`, problems);
  });
}

export type { Interval };
