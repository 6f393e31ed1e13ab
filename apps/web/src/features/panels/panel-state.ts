import type { QueryResult } from '@sightline/sdk';

export type PanelState = 'loading' | 'ready' | 'empty' | 'error';

/** The state a panel frame shows as `data-state` for an answer (an error is the frame's to know). */
export function panelState(answer: QueryResult | undefined, error?: unknown): PanelState {
  if (error) return 'error';
  if (!answer) return 'loading';
  return answer.rows.length === 0 ? 'empty' : 'ready';
}
