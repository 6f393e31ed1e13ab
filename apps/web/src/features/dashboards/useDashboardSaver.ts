import { useCallback, useEffect, useRef, useState } from 'react';
import { dashboardBody, type Dashboard } from '@sightline/sdk';
import { call } from '../../api/client';
import { problemOf } from '../../api/panel-answer';

export type SaveStatus = 'idle' | 'pending' | 'saving' | 'saved' | 'error';

export interface DashboardSaver {
  status: SaveStatus;
  error: string | undefined;
  /** Saves after `delayMs` without a newer change (a drag sends many layout changes). */
  saveLater: (dashboard: Dashboard, delayMs?: number) => void;
  /** Saves now (after a save under way); resolves once the server has stored it. */
  saveNow: (dashboard: Dashboard) => Promise<Dashboard>;
}

/**
 * PUT /v1/dashboards/:id of the whole dashboard, one at a time and always the latest version: a
 * change made while a save is under way is sent right after it. A change still waiting when
 * the page is left is sent then.
 */
export function useDashboardSaver(): DashboardSaver {
  const [status, setStatus] = useState<SaveStatus>('idle');
  const [error, setError] = useState<string | undefined>();
  const latest = useRef<Dashboard | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const lastSaved = useRef<Dashboard | undefined>(undefined);

  const send = useCallback((): Promise<Dashboard> => {
    clearTimeout(timer.current);
    timer.current = undefined;
    const run = chain.current.catch(() => undefined).then(async () => {
      const dashboard = latest.current;
      // An earlier save in the chain already sent this version.
      if (dashboard === undefined && lastSaved.current !== undefined) return lastSaved.current;
      if (dashboard === undefined) throw new Error('nothing to save');
      latest.current = undefined;
      setStatus('saving');
      try {
        const saved = await call((sl) => sl.dashboards.update(dashboard.id, dashboardBody(dashboard)));
        setStatus(latest.current === undefined ? 'saved' : 'pending');
        setError(undefined);
        lastSaved.current = saved;
        return saved;
      } catch (e) {
        const problem = problemOf(e);
        setStatus('error');
        setError(problem.detail ?? problem.title);
        throw e;
      }
    });
    chain.current = run;
    return run;
  }, []);

  const saveLater = useCallback(
    (dashboard: Dashboard, delayMs = 500) => {
      latest.current = dashboard;
      setStatus('pending');
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void send().catch(() => undefined), delayMs);
    },
    [send],
  );

  const saveNow = useCallback(
    (dashboard: Dashboard) => {
      latest.current = dashboard;
      return send();
    },
    [send],
  );

  useEffect(
    () => () => {
      if (timer.current !== undefined) void send().catch(() => undefined);
    },
    [send],
  );

  return { status, error, saveLater, saveNow };
}
