import { useEffect, useMemo, useState } from 'react';
import type { Dashboard } from '@sightline/sdk';
import { getClient } from '../../api/client';
import { problemOf, type PanelOutcome } from '../../api/panel-answer';
import { useDashboardData } from '../../api/useDashboardData';
import { applyView, viewKey, type DashboardView } from './apply-view';

export interface PanelAnswers {
  /** By panel id; a panel missing here is still loading. */
  outcomes: Record<string, PanelOutcome>;
  /** The whole request failed (the panels have nothing to show). */
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Every panel's answer: first all at once from /data, then, on a live dashboard, each panel's
 * own live subscription replaces its answer as updates arrive. A change of view keeps the answers
 * on screen until the new ones are in.
 */
export function usePanelAnswers(dashboard: Dashboard | undefined, view: DashboardView): PanelAnswers {
  const data = useDashboardData(dashboard, view);
  // Live answers belong to the /data answer they were started after; a newer one supersedes them.
  const [live, setLive] = useState<{ base: unknown; answers: Record<string, PanelOutcome> }>({ base: undefined, answers: {} });

  const queries = dashboard === undefined ? '' : JSON.stringify(dashboard.panels.map((p) => [p.id, p.query]));
  const subscriptionKey = dashboard?.live === true && data.data !== undefined && !data.loading ? `${dashboard.id}|${viewKey(view)}|${queries}` : undefined;
  const base = data.data;

  useEffect(() => {
    if (subscriptionKey === undefined || dashboard === undefined) return;
    const sl = getClient();
    const defaults = { range: dashboard.range, timezone: dashboard.timezone };
    setLive({ base, answers: {} });
    const subscriptions = dashboard.panels.map((panel) =>
      sl.live.subscribe(
        { query: applyView(panel.query, view, defaults) },
        (result) => setLive((prev) => (prev.base === base ? { base, answers: { ...prev.answers, [panel.id]: { result } } } : prev)),
        // A refused subscription leaves the panel with its last answer; /data already said what was wrong.
        { onError: () => undefined },
      ),
    );
    return () => {
      for (const s of subscriptions) s.unsubscribe();
    };
    // The key stands for the dashboard's queries and the view; the objects themselves change identity on every edit.
  }, [subscriptionKey]);

  const failed = data.data === undefined ? data.error : undefined;
  const outcomes = useMemo(() => {
    if (failed !== undefined && dashboard !== undefined) {
      // The whole request failed: every panel says so rather than loading for ever.
      const error = problemOf(failed);
      return Object.fromEntries(dashboard.panels.map((p): [string, PanelOutcome] => [p.id, { error }]));
    }
    const out: Record<string, PanelOutcome> = { ...(data.data ?? {}) };
    if (live.base === data.data) Object.assign(out, live.answers);
    return out;
  }, [data.data, live, failed, dashboard]);

  return { outcomes, error: failed, loading: data.loading, reload: data.reload };
}
