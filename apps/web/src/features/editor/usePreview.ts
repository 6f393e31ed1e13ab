import { useEffect, useRef, useState } from 'react';
import type { ErrorDetail, Query, QueryResult } from '@sightline/sdk';
import { isSightlineError } from '@sightline/sdk';
import { isRunnable } from './draft-query';

export const PREVIEW_DELAY_MS = 400;

export interface PreviewProblem {
  message: string;
  errors: ErrorDetail[];
  /** The draft (as JSON) the problem was found in. */
  query: string;
}

export interface PreviewState {
  /** The last answer; kept while a newer query runs so that the preview does not flicker. */
  answer: QueryResult | undefined;
  /** Counts the answers received, so that a view can tell a new answer from the one before. */
  version: number;
  problem: PreviewProblem | null;
  /**
   * The problem's located errors while the draft is still the one they were found in: after an
   * edit a pointer like `/measures/1` may name another measure, so the fields stop showing them.
   */
  fieldErrors: ErrorDetail[];
  running: boolean;
  /** Whether the draft has enough (a source and a measure or two steps) to be worth running. */
  runnable: boolean;
}

function describe(error: unknown, query: string): PreviewProblem {
  if (isSightlineError(error)) return { message: error.detail ?? error.message, errors: error.errors, query };
  return { message: error instanceof Error ? error.message : String(error), errors: [], query };
}

const NO_ERRORS: ErrorDetail[] = [];

/**
 * Runs the draft query a moment after the last change. A change aborts the run in flight: its
 * answer would be for a query that no longer is the draft.
 */
export function usePreview(query: Query, runQuery: (query: Query, signal: AbortSignal) => Promise<QueryResult>): PreviewState {
  const [state, setState] = useState<Omit<PreviewState, 'runnable' | 'fieldErrors'>>({ answer: undefined, version: 0, problem: null, running: false });
  const run = useRef(runQuery);
  run.current = runQuery;
  const key = JSON.stringify(query);
  const runnable = isRunnable(query);

  useEffect(() => {
    if (!runnable) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setState((s) => ({ ...s, running: true }));
      run.current(JSON.parse(key) as Query, controller.signal).then(
        (answer) => {
          if (!controller.signal.aborted) setState((s) => ({ answer, version: s.version + 1, problem: null, running: false }));
        },
        (error: unknown) => {
          if (!controller.signal.aborted) setState((s) => ({ ...s, problem: describe(error, key), running: false }));
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, runnable]);

  const fieldErrors = state.problem && state.problem.query === key ? state.problem.errors : NO_ERRORS;
  return { ...state, problem: runnable ? state.problem : null, fieldErrors, running: state.running && runnable, runnable };
}
