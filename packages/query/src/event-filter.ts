/**
 * Filters of the query language evaluated on one event in memory, for tails of new events (the
 * live channel's `events:<source>` topics), with the same rules as the SQL (event-eval.ts).
 */
import { Problems } from './errors.js';
import { holds, type FilterableEvent } from './event-eval.js';
import { toPredicate } from './normalize.js';
import { validateFilters } from './validate-parts.js';

export type { FilterableEvent };

export type EventPredicate = (event: FilterableEvent) => boolean;

/**
 * Validates a list of filters (QueryError `invalid_query` locating every problem under `path`) and
 * returns a predicate that holds when every filter does. An empty list matches every event.
 */
export function compileEventFilter(input: unknown, path = '/filters'): EventPredicate {
  const problems = new Problems();
  const filters = validateFilters(input, path, problems);
  problems.throwIfAny('invalid_query');
  const predicates = filters!.map(toPredicate);
  return (event) => predicates.every((p) => holds(p, event));
}

