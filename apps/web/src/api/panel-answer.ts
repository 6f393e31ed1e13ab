import { isSightlineError, type QueryResult } from '@sightline/sdk';

/** A problem as a panel shows it. */
export interface PanelProblem {
  code: string;
  title: string;
  status: number;
  detail?: string;
}

/** One panel's outcome: its answer or its own problem. */
export type PanelOutcome = { result: QueryResult } | { error: PanelProblem };

/** Any failure as a panel problem (the SDK's problem details when there are some). */
export function problemOf(error: unknown): PanelProblem {
  if (isSightlineError(error)) {
    const title = error.problem?.title ?? error.message;
    return { code: error.code, title, status: error.status, ...(error.detail !== undefined ? { detail: error.detail } : {}) };
  }
  return { code: 'internal', title: error instanceof Error ? error.message : String(error), status: 0 };
}
