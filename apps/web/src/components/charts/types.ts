import type { ECElementEvent, EChartsCoreOption, EChartsType } from 'echarts/core';

/** An ECharts option as the wrapper takes it (the loose core shape: parts are registered on demand). */
export type ChartOption = EChartsCoreOption;

/** A live chart instance, as exposed on the wrapper's container (`el.sightlineChart`). */
export type ChartInstance = EChartsType;

/** What a click on a chart element reports (series, data index, the data item as given…). */
export type ChartClickParams = ECElementEvent;

/** The pieces of ECharts a chart may need; each is loaded once, on first use. */
export type ChartPart =
  | 'line'
  | 'bar'
  | 'pie'
  | 'scatter'
  | 'funnel'
  | 'gauge'
  | 'heatmap'
  | 'grid'
  | 'tooltip'
  | 'legend'
  | 'visualMap'
  | 'markLine'
  | 'canvas'
  | 'svg';

export type ChartRenderer = 'canvas' | 'svg';

/** A container element carrying its chart, for tests and exports. */
export interface ChartHostElement extends HTMLElement {
  sightlineChart?: ChartInstance;
}
