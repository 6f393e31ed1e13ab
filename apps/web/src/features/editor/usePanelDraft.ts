import { useState } from 'react';
import type { ChartKind, DashboardPanel, PanelOptions, Query } from '@sightline/sdk';
import { cleanOptions, formatQueryJson, parseQueryJson, queryKind, switchQueryKind, type QueryKind } from './draft-query';

interface Draft {
  title: string;
  chart: ChartKind;
  query: Query;
  options: PanelOptions;
  /** The JSON text; it differs from `query` only while the user is typing it. */
  json: string;
  jsonError: string | null;
  /** The last query of the other kind, so that switching trend → funnel → trend loses nothing. */
  stash: Partial<Record<QueryKind, Query>>;
}

/** Charts that can draw a funnel's answer (one row per step) as well as a trend's. */
const FUNNEL_CAPABLE: readonly ChartKind[] = ['funnel', 'bar', 'table'];

function withKind(draft: Draft, kind: QueryKind): Draft {
  const current = queryKind(draft.query);
  if (current === kind) return draft;
  const query = switchQueryKind(draft.query, kind, draft.stash[kind]);
  return { ...draft, query, json: formatQueryJson(query), jsonError: null, stash: { ...draft.stash, [current]: draft.query } };
}

export interface PanelDraft extends Omit<Draft, 'stash'> {
  setTitle: (title: string) => void;
  setChart: (chart: ChartKind) => void;
  setQuery: (query: Query) => void;
  setQueryKind: (kind: QueryKind) => void;
  setJson: (text: string) => void;
  /** Drops JSON text that does not parse, back to the query it last parsed to. */
  revertJson: () => void;
  setOptions: (options: PanelOptions) => void;
  /** The panel as it would be saved: layout and id as they were. */
  result: () => DashboardPanel;
}

/** The editor's state: the draft query is the one truth, the JSON text and the form views of it. */
export function usePanelDraft(panel: DashboardPanel): PanelDraft {
  const [draft, setDraft] = useState<Draft>(() => {
    const query = panel.query ?? {};
    return { title: panel.title, chart: panel.chart, query, options: panel.options ?? {}, json: formatQueryJson(query), jsonError: null, stash: {} };
  });

  return {
    ...draft,
    setTitle: (title) => setDraft((d) => ({ ...d, title })),
    setChart: (chart) =>
      setDraft((d) => {
        const next = { ...d, chart };
        // While the JSON is being fixed the query is whatever it last parsed to: leave it alone.
        if (d.jsonError !== null) return next;
        if (chart === 'funnel') return withKind(next, 'funnel');
        if (d.chart === 'funnel' && !FUNNEL_CAPABLE.includes(chart)) return withKind(next, 'trend');
        return next;
      }),
    setQuery: (query) => setDraft((d) => ({ ...d, query, json: formatQueryJson(query), jsonError: null })),
    setQueryKind: (kind) => setDraft((d) => withKind(d, kind)),
    setJson: (json) =>
      setDraft((d) => {
        const parsed = parseQueryJson(json);
        return parsed.ok ? { ...d, json, jsonError: null, query: parsed.query } : { ...d, json, jsonError: parsed.error };
      }),
    revertJson: () => setDraft((d) => ({ ...d, json: formatQueryJson(d.query), jsonError: null })),
    setOptions: (options) => setDraft((d) => ({ ...d, options })),
    result: () => {
      const { options: _options, ...rest } = panel;
      const options = cleanOptions(draft.options);
      return { ...rest, title: draft.title, chart: draft.chart, query: draft.query, ...(options ? { options } : {}) };
    },
  };
}
