import type { DashboardPanel, Kpi } from '@sightline/sdk';
import type { ResolvedTheme } from './types';
import type { DrillRef } from './answer-shape';

/** A drawn data item that remembers which dimension values it stands for (for drill-down). */
export interface DrillItem {
  value: unknown;
  name?: string;
  drill?: DrillRef[];
  [key: string]: unknown;
}

/** A series as the option builders write it (a loose ECharts series option). */
export interface SeriesSpec {
  id: string;
  name: string;
  type: string;
  data: unknown[];
  [key: string]: unknown;
}

export interface OptionContext {
  panel: DashboardPanel;
  kpi?: Kpi;
  theme: ResolvedTheme;
  /** The unit values are formatted in: `options.unit`, else the KPI's. */
  unit?: string;
}

/** Series ids of "previous period" companions start with this. */
export const PREVIOUS_ID_PREFIX = 'previous:';
export const PREVIOUS_LABEL = 'previous period';

/** Short transitions for updates, so that live data moves instead of redrawing. */
export const ANIMATION = { animationDuration: 500, animationDurationUpdate: 250, animationEasingUpdate: 'cubicOut' } as const;
