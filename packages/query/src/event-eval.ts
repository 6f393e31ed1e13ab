/**
 * Predicates and fields of the query language evaluated on one event in memory, with the rules of
 * the SQL a query compiles to (compile.ts): numbers compare as numbers where the field holds one,
 * everything else as text; a missing field is unknown (SQL NULL), so `neq`/`nin` hold for it.
 * Used by event tails (event-filter.ts) and by live queries kept up to date from new events
 * (incremental.ts).
 */
import type { Field } from './grammar.js';
import type { Predicate } from './ir.js';

/** An event as it is evaluated: the stored fields, `props` parsed. */
export interface FilterableEvent {
  source: string;
  name: string;
  actor: string | null;
  value: number | null;
  props: Record<string, unknown> | null;
}

/** True, false or null (unknown: a missing field), as in SQL. */
function evaluate(p: Predicate, event: FilterableEvent): boolean | null {
  switch (p.kind) {
    case 'in': {
      const num = numberOf(p.field, event);
      const text = textOf(p.field, event);
      let unknown = false;
      for (const v of p.values) {
        if (typeof v === 'number') {
          if (num === undefined) continue; // the field is never a number: the SQL drops this branch
          if (num === null) unknown = true;
          else if (num === v) return true;
        } else if (text === null) unknown = true;
        else if (text === String(v)) return true;
      }
      return unknown ? null : false;
    }
    case 'not':
      return evaluate(p.inner, event) !== true;
    case 'cmp': {
      if (typeof p.value === 'string') {
        const text = textOf(p.field, event);
        return text === null ? null : compare(text, p.value, p.op);
      }
      const num = numberOf(p.field, event);
      if (num === undefined) return false;
      return num === null ? null : compare(num, p.value, p.op);
    }
    case 'contains': {
      const text = textOf(p.field, event);
      return text === null ? null : text.includes(p.value);
    }
    case 'exists': {
      const present = p.field.kind === 'column' && p.field.column === 'value' ? event.value !== null : textOf(p.field, event) !== null;
      return present === p.present;
    }
  }
}

export function holds(p: Predicate, event: FilterableEvent): boolean {
  return evaluate(p, event) === true;
}

function compare<T extends number | string>(a: T, b: T, op: '>' | '>=' | '<' | '<='): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

function propOf(event: FilterableEvent, path: readonly string[]): unknown {
  let at: unknown = event.props;
  for (const segment of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

/** The field as text (`->>` for props: strings bare, anything else as JSON), or null when absent. */
export function textOf(field: Field, event: FilterableEvent): string | null {
  if (field.kind === 'column') {
    if (field.column === 'value') return event.value === null ? null : numberText(event.value);
    return event[field.column];
  }
  const v = propOf(event, field.path);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return JSON.stringify(v);
  return JSON.stringify(v);
}

/** Integral numbers print without a fraction (`42`, not `42.0`), as the SQL's numberText does. */
function numberText(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : JSON.stringify(n);
}

/** The field as a number; null when it holds none here; undefined when it never can (name, actor, source). */
export function numberOf(field: Field, event: FilterableEvent): number | null | undefined {
  if (field.kind === 'column') return field.column === 'value' ? event.value : undefined;
  const v = propOf(event, field.path);
  return typeof v === 'number' ? v : null;
}
