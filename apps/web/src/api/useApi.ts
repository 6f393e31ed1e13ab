import { useCallback, useEffect, useRef, useState } from 'react';
import { call } from './client';
import type { Sightline } from '@sightline/sdk';

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeping the current data on screen meanwhile). */
  reload: () => void;
  /** Replaces the data locally, e.g. with the answer of a write. */
  setData: (data: T | undefined) => void;
}

/**
 * Loads `load` whenever `key` changes (undefined: nothing to load), aborting the previous request
 * and the one under way on unmount. `keepPrevious` keeps the last data on screen while the next
 * arrives (a new time range), instead of going back to the loading state (another dashboard).
 */
export function useApi<T>(key: string | undefined, load: (sl: Sightline, signal: AbortSignal) => Promise<T>, keepPrevious = false): ApiState<T> {
  const [state, setState] = useState<{ key: string | undefined; data: T | undefined; error: unknown; loading: boolean }>({ key, data: undefined, error: undefined, loading: key !== undefined });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    setState((s) => ({ key, data: s.key === key || keepPrevious ? s.data : undefined, error: undefined, loading: true }));
    call((sl) => loadRef.current(sl, controller.signal)).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ key, data: keepPrevious ? s.data : undefined, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [key, generation, keepPrevious]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((data: T | undefined) => setState((s) => ({ ...s, data, error: undefined, loading: false })), []);
  const stale = state.key !== key && !keepPrevious;
  return { data: stale ? undefined : state.data, error: stale ? undefined : state.error, loading: stale ? key !== undefined : state.loading, reload, setData };
}
