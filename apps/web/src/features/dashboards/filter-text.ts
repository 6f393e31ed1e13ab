import type { Filter } from '@sightline/sdk';

export const FILTER_OPS: ReadonlyArray<{ op: Filter['op']; label: string }> = [
  { op: 'eq', label: '=' },
  { op: 'neq', label: '≠' },
  { op: 'in', label: 'in' },
  { op: 'nin', label: 'not in' },
  { op: 'gt', label: '>' },
  { op: 'gte', label: '≥' },
  { op: 'lt', label: '<' },
  { op: 'lte', label: '≤' },
  { op: 'contains', label: 'contains' },
  { op: 'exists', label: 'exists' },
];

/** How a chip reads: `props.plan = pro`, `props.country in DE, FR`. */
export function filterLabel(filter: Filter): string {
  const op = FILTER_OPS.find((o) => o.op === filter.op)?.label ?? filter.op;
  if (filter.op === 'exists') return `${filter.field} ${filter.value === false ? 'is missing' : 'exists'}`;
  const value = Array.isArray(filter.value) ? filter.value.map(String).join(', ') : String(filter.value);
  return `${filter.field} ${op} ${value}`;
}

function scalar(text: string): string | number | boolean {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  // Numbers compare as numbers (value > 100); text that only looks like one can be quoted.
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const quoted = /^"(.*)"$/.exec(t);
  return quoted !== null ? (quoted[1] ?? '') : t;
}

const FIELD_PATTERN = /^(name|actor|source|value|props\.[A-Za-z0-9_.-]+)$/;

/** The "Add filter" form's fields as a filter, or what is wrong with them. */
export function parseFilter(field: string, op: Filter['op'], valueText: string): { filter: Filter } | { error: string } {
  const f = field.trim();
  if (!FIELD_PATTERN.test(f)) return { error: 'The field is name, actor, source, value or props.<path>.' };
  if (op === 'exists') return { filter: { field: f, op, value: valueText.trim() !== 'false' } };
  if (valueText.trim() === '') return { error: 'Enter a value.' };
  if (op === 'in' || op === 'nin') {
    const values = valueText.split(',').map((v) => v.trim()).filter((v) => v !== '').map(scalar);
    if (values.length === 0) return { error: 'Enter one or more values, separated by commas.' };
    return { filter: { field: f, op, value: values } };
  }
  return { filter: { field: f, op, value: scalar(valueText) } };
}
