/**
 * Turns a validated query into the IR: filters become predicates, measures become aggregates and
 * formulas with every name resolved (query measures first, then the catalog, recursively), cycles
 * and unknown names reported at the measure that leads to them.
 */
import type { Filter, FunnelQuery, MetricDefinition, TrendQuery, Where } from '@sightline/protocol';
import { Problems } from './errors.js';
import { type Field, parseField } from './grammar.js';
import { type FormulaAst, formulaRefs, parseFormula } from './formula.js';
import type { Aggregate, FunnelIR, OrderKey, Predicate, TrendIR, ValueRef } from './ir.js';
import { listBuckets, MAX_BUCKETS } from './buckets.js';
import type { ResolvedRange } from './validate-parts.js';
import { MAX_LIMIT } from './validate.js';

export function toPredicate(filter: Filter): Predicate {
  const field = parseField(filter.field) as Field;
  const v = filter.value;
  switch (filter.op) {
    case 'eq':
      return { kind: 'in', field, values: [v as string] };
    case 'neq':
      return { kind: 'not', inner: { kind: 'in', field, values: [v as string] } };
    case 'in':
      return { kind: 'in', field, values: v as string[] };
    case 'nin':
      return { kind: 'not', inner: { kind: 'in', field, values: v as string[] } };
    case 'gt':
      return { kind: 'cmp', field, op: '>', value: v as number | string };
    case 'gte':
      return { kind: 'cmp', field, op: '>=', value: v as number | string };
    case 'lt':
      return { kind: 'cmp', field, op: '<', value: v as number | string };
    case 'lte':
      return { kind: 'cmp', field, op: '<=', value: v as number | string };
    case 'contains':
      return { kind: 'contains', field, value: v as string };
    case 'exists':
      return { kind: 'exists', field, present: v === true };
  }
}

export function whereToPredicates(where: Where | undefined): Predicate[] {
  if (where === undefined) return [];
  if (Array.isArray(where)) return where.map(toPredicate);
  return [{ kind: 'in', field: { kind: 'column', column: 'name' }, values: [where.name] }];
}

/** Catalog metrics live in their own namespace, so a query's `as` never shadows what a metric means. */
const catalogKey = (name: string) => `#${name}`;

function renameRefs(ast: FormulaAst, rename: (name: string) => string): FormulaAst {
  switch (ast.kind) {
    case 'num':
      return ast;
    case 'ref':
      return { kind: 'ref', name: rename(ast.name) };
    case 'neg':
      return { kind: 'neg', arg: renameRefs(ast.arg, rename) };
    case 'bin':
      return { ...ast, left: renameRefs(ast.left, rename), right: renameRefs(ast.right, rename) };
  }
}

class MeasureResolver {
  readonly aggregates: Aggregate[] = [];
  readonly values = new Map<string, ValueRef>();

  constructor(
    private readonly metrics: ReadonlyMap<string, MetricDefinition>,
    private readonly problems: Problems,
  ) {}

  addAggregate(agg: Aggregate): ValueRef {
    this.aggregates.push(agg);
    return { kind: 'agg', index: this.aggregates.length - 1 };
  }

  /** Resolves a catalog metric (and what its formula needs); returns its key, or undefined on error. */
  metric(name: string, path: string, stack: readonly string[] = []): string | undefined {
    const key = catalogKey(name);
    if (this.values.has(key)) return key;
    const def = this.metrics.get(name);
    const via = stack.length > 0 ? `metric "${stack[stack.length - 1]}" refers to ` : '';
    if (!def) {
      this.problems.add(path, `${via}unknown metric "${name}"`);
      return undefined;
    }
    if (stack.includes(name)) {
      this.problems.add(path, `metric formulas form a cycle: ${[...stack, name].join(' → ')}`);
      return undefined;
    }
    if (def.formula === undefined) {
      if (def.fn === undefined) {
        this.problems.add(path, `metric "${name}" has neither fn nor formula`);
        return undefined;
      }
      const of = def.of === undefined ? undefined : parseField(def.of);
      this.values.set(key, this.addAggregate({ fn: def.fn, of, where: whereToPredicates(def.where) }));
      return key;
    }
    const ast = parseFormula(def.formula);
    if (typeof ast === 'string') {
      this.problems.add(path, `metric "${name}": formula ${ast}`);
      return undefined;
    }
    let ok = true;
    for (const ref of formulaRefs(ast)) ok = this.metric(ref, path, [...stack, name]) !== undefined && ok;
    if (!ok) return undefined;
    this.values.set(key, { kind: 'formula', ast: renameRefs(ast, catalogKey) });
    return key;
  }
}

export function normalizeTrend(
  query: TrendQuery,
  sources: string[],
  range: ResolvedRange,
  timeZone: string,
  metrics: ReadonlyMap<string, MetricDefinition>,
): TrendIR {
  const problems = new Problems();
  const resolver = new MeasureResolver(metrics, problems);
  const outputs: TrendIR['outputs'][number][] = [];
  const queryNames = new Map<string, number>();
  query.measures.forEach((m, i) => queryNames.set(typeof m === 'string' ? m : m.as, i));
  const formulas: { name: string; ast: FormulaAst; index: number }[] = [];

  query.measures.forEach((m, i) => {
    if (typeof m === 'string') {
      const key = resolver.metric(m, `/measures/${i}`);
      if (key === undefined) return;
      const ref = resolver.values.get(key)!;
      resolver.values.set(m, ref);
      const def = metrics.get(m)!;
      outputs.push({ name: m, type: ref.kind === 'agg' && (def.fn === 'count' || def.fn === 'uniq') ? 'integer' : 'number' });
    } else if ('formula' in m) {
      formulas.push({ name: m.as, ast: parseFormula(m.formula) as FormulaAst, index: i });
      outputs.push({ name: m.as, type: 'number' });
    } else {
      const of = m.of === undefined ? undefined : parseField(m.of);
      resolver.values.set(m.as, resolver.addAggregate({ fn: m.fn, of, where: whereToPredicates(m.where) }));
      outputs.push({ name: m.as, type: m.fn === 'count' || m.fn === 'uniq' ? 'integer' : 'number' });
    }
  });

  // Query formulas may name other measures of the query (formulas too) or catalog metrics.
  const formulaByName = new Map(formulas.map((f) => [f.name, f]));
  for (const f of formulas) {
    const path = `/measures/${f.index}/formula`;
    let ok = true;
    for (const ref of formulaRefs(f.ast)) {
      if (queryNames.has(ref)) continue;
      if (!metrics.has(ref)) {
        problems.add(path, `"${ref}" is neither a measure of this query nor a catalog metric`);
        ok = false;
      } else if (resolver.metric(ref, path) === undefined) ok = false;
    }
    if (ok && cycleFrom(f.name, formulaByName, new Set())) problems.add(path, 'formulas of this query refer to each other in a cycle');
    const ast = renameRefs(f.ast, (n) => (queryNames.has(n) ? n : catalogKey(n)));
    resolver.values.set(f.name, { kind: 'formula', ast });
  }

  let previous: TrendIR['previous'];
  if (query.compare === 'previous_period') previous = { from: range.from - (range.to - range.from), to: range.from };
  if (query.interval !== undefined && problems.empty) {
    const count = listBuckets(query.interval, timeZone, range, MAX_BUCKETS + 1).length;
    if (count > MAX_BUCKETS) problems.add('/interval', `the range holds more than ${MAX_BUCKETS} ${query.interval} buckets; use a longer interval or a shorter range`);
  }
  problems.throwIfAny('invalid_query');

  const order: OrderKey[] = (query.order ?? []).map((o) => ({ column: o.by, desc: o.dir === 'desc' }));
  return {
    kind: 'trend',
    sources,
    range,
    previous,
    interval: query.interval,
    timeZone,
    dimensions: (query.dimensions ?? []).map((d) => parseField(d) as Field),
    filters: (query.filters ?? []).map(toPredicate),
    aggregates: resolver.aggregates,
    values: resolver.values,
    outputs,
    order,
    limit: query.limit ?? MAX_LIMIT,
    limitExplicit: query.limit !== undefined,
  };
}

function cycleFrom(name: string, formulas: Map<string, { ast: FormulaAst }>, stack: Set<string>): boolean {
  if (stack.has(name)) return true;
  const f = formulas.get(name);
  if (!f) return false;
  stack.add(name);
  const found = formulaRefs(f.ast).some((r) => cycleFrom(r, formulas, stack));
  stack.delete(name);
  return found;
}

export function normalizeFunnel(query: FunnelQuery, sources: string[], range: ResolvedRange, windowMs: number): FunnelIR {
  return {
    kind: 'funnel',
    sources,
    range,
    windowMs,
    filters: (query.filters ?? []).map(toPredicate),
    steps: query.steps.map((s) => ({ name: s.name, where: (s.where ?? []).map(toPredicate) })),
    breakdown: query.breakdown === undefined ? undefined : parseField(query.breakdown),
  };
}
