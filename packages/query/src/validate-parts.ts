/** Validators shared by trend, funnel and metric definitions. Each records problems at JSON Pointers. */
import { FILTER_OPS, QUERY_FNS, type Filter, type FilterOp, type FilterScalar, type Fn, type Where } from '@sightline/protocol';
import type { Problems } from './errors.js';
import { FIELD_RULE, MAX_SPAN_MS, SOURCE_RE, parseDuration, parseField, parseInstant, DURATION_RULE } from './grammar.js';

export const MAX_FILTERS = 50;
export const MAX_IN_VALUES = 1000;

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reports every key of `obj` outside `allowed`; unknown fields are errors, never ignored. */
export function checkKeys(obj: Json, allowed: readonly string[], path: string, problems: Problems): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      problems.add(`${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, `unknown field; allowed: ${allowed.join(', ')}`);
    }
  }
}

const isScalar = (v: unknown): v is FilterScalar =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

export function validateFilter(input: unknown, path: string, problems: Problems): Filter | undefined {
  if (!isObject(input)) {
    problems.add(path, 'must be an object {"field", "op", "value"}');
    return undefined;
  }
  const before = problems.list.length;
  checkKeys(input, ['field', 'op', 'value'], path, problems);
  if (!parseField(input.field)) problems.add(`${path}/field`, FIELD_RULE);
  const op = input.op;
  if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
    problems.add(`${path}/op`, `must be one of ${FILTER_OPS.join(', ')}`);
  } else {
    const value = input.value;
    const vpath = `${path}/value`;
    switch (op as FilterOp) {
      case 'eq':
      case 'neq':
        if (!isScalar(value)) problems.add(vpath, 'must be a string, number or boolean');
        break;
      case 'in':
      case 'nin':
        if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
          problems.add(vpath, `must be a non-empty list of at most ${MAX_IN_VALUES} strings, numbers or booleans`);
        } else {
          value.forEach((v, i) => {
            if (!isScalar(v)) problems.add(`${vpath}/${i}`, 'must be a string, number or boolean');
          });
        }
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
          problems.add(vpath, 'must be a number or a string');
        }
        break;
      case 'contains':
        if (typeof value !== 'string') problems.add(vpath, 'must be a string');
        break;
      case 'exists':
        if (typeof value !== 'boolean') problems.add(vpath, 'must be true or false');
        break;
    }
  }
  return problems.list.length === before ? (input as unknown as Filter) : undefined;
}

export function validateFilters(input: unknown, path: string, problems: Problems): Filter[] | undefined {
  if (!Array.isArray(input) || input.length > MAX_FILTERS) {
    problems.add(path, `must be a list of at most ${MAX_FILTERS} filters`);
    return undefined;
  }
  const out = input.map((f, i) => validateFilter(f, `${path}/${i}`, problems));
  return out.every((f) => f !== undefined) ? (out as Filter[]) : undefined;
}

/** `{"name": "…"}` or a list of filters. */
export function validateWhere(input: unknown, path: string, problems: Problems): Where | undefined {
  if (Array.isArray(input)) return validateFilters(input, path, problems);
  if (isObject(input)) {
    const before = problems.list.length;
    checkKeys(input, ['name'], path, problems);
    if (typeof input.name !== 'string' || input.name === '') problems.add(`${path}/name`, 'must be a non-empty string');
    return problems.list.length === before ? { name: input.name as string } : undefined;
  }
  problems.add(path, 'must be {"name": "<event name>"} or a list of filters');
  return undefined;
}

export function validateFn(input: unknown, path: string, problems: Problems): Fn | undefined {
  if (typeof input === 'string' && (QUERY_FNS as readonly string[]).includes(input)) return input as Fn;
  problems.add(path, `must be one of ${QUERY_FNS.join(', ')}`);
  return undefined;
}

/** `of` of an aggregate: `value` or `props.<path>`; count takes none. */
export function validateOf(fn: Fn | undefined, input: unknown, path: string, problems: Problems): void {
  if (input === undefined) return;
  const field = parseField(input);
  if (!field || (field.kind === 'column' && field.column !== 'value')) {
    problems.add(path, 'must be value or props.<path>');
  } else if (fn === 'count') {
    problems.add(path, 'count counts events and takes no "of" (uniq counts distinct values)');
  }
}

export function validateSource(input: unknown, path: string, problems: Problems): string[] | undefined {
  const rule = 'must be a source name ([a-z0-9_-]{1,64}) or a non-empty list of at most 50 of them';
  if (typeof input === 'string') {
    if (SOURCE_RE.test(input)) return [input];
    problems.add(path, rule);
    return undefined;
  }
  if (!Array.isArray(input) || input.length === 0 || input.length > 50) {
    problems.add(path, rule);
    return undefined;
  }
  let ok = true;
  input.forEach((s, i) => {
    if (typeof s !== 'string' || !SOURCE_RE.test(s)) {
      problems.add(`${path}/${i}`, 'must be a source name ([a-z0-9_-]{1,64})');
      ok = false;
    }
  });
  return ok ? [...new Set(input as string[])].sort() : undefined;
}

export interface ResolvedRange {
  from: number;
  to: number;
}

/** `{from,to}` or `{last}`; the default is the last 30 days. */
export function validateRange(input: unknown, now: number, path: string, problems: Problems): ResolvedRange | undefined {
  if (input === undefined) return { from: now - 30 * 86_400_000, to: now };
  if (!isObject(input)) {
    problems.add(path, 'must be {"from", "to"} or {"last": "<duration>"}');
    return undefined;
  }
  if ('last' in input) {
    checkKeys(input, ['last'], path, problems);
    const ms = parseDuration(input.last);
    if (ms === undefined) {
      problems.add(`${path}/last`, DURATION_RULE);
      return undefined;
    }
    return { from: now - ms, to: now };
  }
  const before = problems.list.length;
  checkKeys(input, ['from', 'to'], path, problems);
  const rule = 'must be an ISO-8601 date-time with Z or an offset (e.g. 2026-03-01T00:00:00+01:00)';
  const from = parseInstant(input.from);
  const to = parseInstant(input.to);
  if (from === undefined) problems.add(`${path}/from`, rule);
  if (to === undefined) problems.add(`${path}/to`, rule);
  if (from !== undefined && to !== undefined) {
    if (to <= from) problems.add(`${path}/to`, 'must be after from');
    else if (to - from > MAX_SPAN_MS) problems.add(path, 'may span at most 3660 days');
  }
  return problems.list.length === before && from !== undefined && to !== undefined ? { from, to } : undefined;
}
