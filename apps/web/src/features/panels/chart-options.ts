import type { DashboardPanel, Kpi, QueryResult } from '@sightline/sdk';
import type { ChartOption } from '../../components/charts/types';
import { cartesianOption } from './cartesian-options';
import type { OptionContext } from './chart-option-types';
import { gaugeOption } from './gauge-options';
import { heatmapOption } from './heatmap-options';
import { funnelOption, pieOption } from './proportion-options';
import type { ResolvedTheme } from './types';

export { PREVIOUS_ID_PREFIX, PREVIOUS_LABEL, type DrillItem, type SeriesSpec } from './chart-option-types';

export interface ChartOptionInput {
  kpi?: Kpi;
  theme?: ResolvedTheme;
}

/** The unit a panel's values are formatted in: the panel's own, else its KPI's. */
export function panelUnit(panel: DashboardPanel, kpi: Kpi | undefined): string | undefined {
  return panel.options?.unit ?? kpi?.unit;
}

/**
 * A panel's answer as an ECharts option, for every drawn kind (kpi and table are not charts and
 * are drawn as lines if asked). Pure: the same answer gives the same option.
 */
export function buildChartOption(panel: DashboardPanel, answer: QueryResult, input: ChartOptionInput = {}): ChartOption {
  const ctx: OptionContext = { panel, kpi: input.kpi, theme: input.theme ?? 'light', unit: panelUnit(panel, input.kpi) };
  switch (panel.chart) {
    case 'pie':
    case 'donut':
      return pieOption(answer, ctx);
    case 'funnel':
      return funnelOption(answer, ctx);
    case 'gauge':
      return gaugeOption(answer, ctx);
    case 'heatmap':
      return heatmapOption(answer, ctx);
    default:
      return cartesianOption(answer, ctx);
  }
}
