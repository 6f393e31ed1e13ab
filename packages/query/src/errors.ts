import { pointerSegment, type ErrorDetail } from '@sightline/protocol';

export type QueryErrorCode = 'invalid_query' | 'invalid_metric';

/** A query or metric that cannot be planned; `errors` locates every problem by JSON Pointer. */
export class QueryError extends Error {
  readonly code: QueryErrorCode;
  readonly errors: ErrorDetail[];

  constructor(code: QueryErrorCode, errors: ErrorDetail[]) {
    super(errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '));
    this.name = 'QueryError';
    this.code = code;
    this.errors = errors;
  }
}

/** JSON Pointer of a path given as segments (`['measures', 1, 'fn']` → `/measures/1/fn`). */
export function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${pointerSegment(s)}`).join('');
}

/** Gathers every problem of one input so that a client sees them all at once. */
export class Problems {
  readonly list: ErrorDetail[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(code: QueryErrorCode): void {
    if (this.list.length > 0) throw new QueryError(code, this.list);
  }
}
