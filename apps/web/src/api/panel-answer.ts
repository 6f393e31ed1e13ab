import { isSightlineError, type DashboardData, type QueryResult } from '@sightline/sdk';

/** A problem as a panel shows it. */
export interface PanelProblem {
  code: string;
  title: string;
  status: number;
  detail?: string;
}

/** One panel's outcome: its answer or its own problem. */
export type PanelOutcome = { result: QueryResult } | { error: PanelProblem };

/** The panels' outcomes of GET /v1/dashboards/:id/data, by panel id. */
export function outcomesOf(data: DashboardData): Record<string, PanelOutcome> {
  const out: Record<string, PanelOutcome> = {};
  for (const [id, entry] of Object.entries(data.panels)) {
    // The server sends the column types of the query language; the protocol's loose string is the same set.
    out[id] = 'error' in entry ? { error: entry.error } : { result: entry as QueryResult };
  }
  return out;
}

/** Any failure as a panel problem (the SDK's problem details when there are some). */
export function problemOf(error: unknown): PanelProblem {
  if (isSightlineError(error)) {
    const title = error.problem?.title ?? error.message;
    return { code: error.code, title, status: error.status, ...(error.detail !== undefined ? { detail: error.detail } : {}) };
  }
  return { code: 'internal', title: error instanceof Error ? error.message : String(error), status: 0 };
}
