import type { DashboardPanel, Filter, Kpi, QueryResult } from '@sightline/sdk';

/** The drawn theme: `system` is resolved to one of these by the app before it reaches a chart. */
export type ResolvedTheme = 'light' | 'dark';

/** What every panel renderer takes (features/panels/PanelView.tsx). */
export interface PanelViewProps {
  panel: DashboardPanel;
  /** The panel's answer; `undefined` while loading (a skeleton is shown). */
  answer: QueryResult | undefined;
  /** The KPI named by `panel.options.kpi`, when there is one: its target and thresholds colour the value. */
  kpi?: Kpi;
  theme: ResolvedTheme;
  /** Drill-down: a click on a bar, slice, point or table row asks to filter the dashboard by this. */
  onDrill?: (filter: Filter) => void;
  /** Pixel height available to the chart body. */
  height?: number;
  /** ECharts renderer; canvas by default (svg where there is no canvas, or for crisp exports). */
  renderer?: 'canvas' | 'svg';
}
