import { useEffect, useMemo, useState } from 'react';
import type { Dashboard } from '@sightline/sdk';
import { call, getClient } from '../../api/client';
import { problemOf, type PanelOutcome } from '../../api/panel-answer';
import { applyView, viewKey, type DashboardView } from './apply-view';

export interface PanelAnswers {
  /** By panel id; a panel missing here is still loading. */
  outcomes: Record<string, PanelOutcome>;
  /** The whole request failed (the panels have nothing to show). Each panel fails on its own here. */
  error: unknown;
  /** Some panel has not answered for the current view yet. */
  loading: boolean;
  reload: () => void;
}

/** Panel queries in flight at once. */
const PANEL_QUERIES_AT_ONCE = 3;

interface Answers {
  key: string | undefined;
  outcomes: Record<string, PanelOutcome>;
  /** The panels that answered for `key`. */
  fresh: ReadonlySet<string>;
}

/**
 * Every panel's answer, panel by panel (one POST /v1/query each, a few at a time), so that a quick
 * panel is drawn without waiting for the slowest: the first chart on screen comes with the first
 * answer. Once every panel has answered, a live dashboard subscribes each panel on the live
 * channel, whose messages then replace its answer (starting the subscriptions later keeps their
 * first computations from competing with the first paint). A change of view keeps every answer on
 * screen until that panel's new one is in (no skeleton flash, no flicker).
 */
export function usePanelAnswers(dashboard: Dashboard | undefined, view: DashboardView): PanelAnswers {
  const [answers, setAnswers] = useState<Answers>({ key: undefined, outcomes: {}, fresh: new Set() });
  const [round, setRound] = useState(0);
  const queries = dashboard === undefined ? '' : JSON.stringify(dashboard.panels.map((p) => [p.id, p.query]));
  const key = dashboard === undefined ? undefined : `${dashboard.id}|${viewKey(view)}|${queries}|${round}`;
  const panelCount = dashboard?.panels.length ?? 0;
  const loaded = answers.key === key && answers.fresh.size >= panelCount;
  const liveKey = loaded && dashboard?.live === true ? key : undefined;

  useEffect(() => {
    if (key === undefined || dashboard === undefined) return;
    const defaults = { range: dashboard.range, timezone: dashboard.timezone };
    const controller = new AbortController();
    const settle = (id: string, outcome: PanelOutcome) => {
      if (controller.signal.aborted) return;
      setAnswers((prev) => ({ key, outcomes: { ...prev.outcomes, [id]: outcome }, fresh: new Set(prev.key === key ? [...prev.fresh, id] : [id]) }));
    };
    // Top to bottom, a few at a time: the server answers the panels on screen first instead of
    // sharing its cores among all of them (a 30 ms KPI waited ~1 s behind a dozen queries at once).
    const queue = [...dashboard.panels].sort((a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x);
    const next = async (): Promise<void> => {
      for (let panel = queue.shift(); panel !== undefined && !controller.signal.aborted; panel = queue.shift()) {
        const id = panel.id;
        await call((sl) => sl.query(applyView(panel.query, view, defaults), { signal: controller.signal })).then(
          (result) => settle(id, { result }),
          (error: unknown) => settle(id, { error: problemOf(error) }),
        );
      }
    };
    for (let i = 0; i < PANEL_QUERIES_AT_ONCE; i++) void next();
    return () => controller.abort();
    // The key stands for the dashboard's queries and the view; the objects change identity on every edit.
  }, [key]);

  useEffect(() => {
    if (liveKey === undefined || dashboard === undefined) return;
    const defaults = { range: dashboard.range, timezone: dashboard.timezone };
    const sl = getClient();
    const subscriptions = dashboard.panels.map((panel) =>
      sl.live.subscribe(
        { query: applyView(panel.query, view, defaults) },
        (result) => setAnswers((prev) => (prev.key === liveKey ? { ...prev, outcomes: { ...prev.outcomes, [panel.id]: { result } } } : prev)),
        // A refused subscription leaves the panel with its answer; the query already said what was wrong.
        { onError: () => undefined },
      ),
    );
    return () => {
      for (const s of subscriptions) s.unsubscribe();
    };
  }, [liveKey]);

  return useMemo(
    () => ({ outcomes: answers.outcomes, error: undefined, loading: !loaded, reload: () => setRound((r) => r + 1) }),
    [answers, loaded],
  );
}
