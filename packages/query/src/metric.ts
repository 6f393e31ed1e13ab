/** Catalog metric definitions: flat, a measure with a name; exactly one of fn and formula. */
import { METRIC_UNITS, type MetricDefinition } from '@sightline/protocol';
import { Problems } from './errors.js';
import { nameProblem } from './grammar.js';
import { parseFormula } from './formula.js';
import { checkKeys, isObject, validateFn, validateOf, validateWhere } from './validate-parts.js';

const KEYS = ['name', 'description', 'unit', 'pack', 'fn', 'of', 'where', 'formula'];

export function validateMetricDefinition(input: unknown): MetricDefinition {
  const problems = new Problems();
  if (!isObject(input)) {
    problems.add('', 'a metric definition must be a JSON object');
    problems.throwIfAny('invalid_metric');
  }
  const m = input as Record<string, unknown>;
  checkKeys(m, KEYS, '', problems);
  const nameIssue = nameProblem(m.name);
  if (nameIssue) problems.add('/name', nameIssue);
  if (m.description !== undefined && (typeof m.description !== 'string' || m.description.length > 1000)) {
    problems.add('/description', 'must be a string of at most 1000 characters');
  }
  if (m.unit !== undefined && !(METRIC_UNITS as readonly unknown[]).includes(m.unit)) {
    problems.add('/unit', `must be one of ${METRIC_UNITS.join(', ')}`);
  }
  if (m.pack !== undefined && (typeof m.pack !== 'string' || !/^[a-z0-9_-]{1,64}$/.test(m.pack))) {
    problems.add('/pack', 'must match [a-z0-9_-]{1,64}');
  }
  if ((m.fn === undefined) === (m.formula === undefined)) {
    problems.add('', 'must have exactly one of "fn" and "formula"');
  } else if (m.fn !== undefined) {
    const fn = validateFn(m.fn, '/fn', problems);
    validateOf(fn, m.of, '/of', problems);
    if (m.where !== undefined) validateWhere(m.where, '/where', problems);
  } else {
    const ast = parseFormula(m.formula);
    if (typeof ast === 'string') problems.add('/formula', ast);
    if (m.of !== undefined) problems.add('/of', 'only an aggregate (fn) takes "of"');
    if (m.where !== undefined) problems.add('/where', 'only an aggregate (fn) takes "where"');
  }
  problems.throwIfAny('invalid_metric');
  const out: MetricDefinition = { name: m.name as string };
  for (const key of KEYS.slice(1)) if (m[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = m[key];
  return out;
}
