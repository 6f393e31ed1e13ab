import type { ChartKind } from '@sightline/sdk';
import type { ChartPart } from '../../components/charts/types';

/**
 * The ECharts parts a panel kind usually needs, for preloading while its answer loads. Only a
 * hint: the chart itself loads what its option names (a funnel answer on a `bar` panel, say).
 */
export function partsForKind(kind: ChartKind): ChartPart[] {
  const axes: ChartPart[] = ['grid', 'tooltip', 'legend', 'canvas'];
  switch (kind) {
    case 'line':
    case 'area':
      return ['line', ...axes];
    case 'bar':
    case 'stacked_bar':
      return ['bar', ...axes];
    case 'scatter':
      return ['scatter', ...axes];
    case 'pie':
    case 'donut':
      return ['pie', 'tooltip', 'legend', 'canvas'];
    case 'funnel':
      return ['funnel', 'tooltip', 'legend', 'canvas'];
    case 'gauge':
      return ['gauge', 'canvas'];
    case 'heatmap':
      return ['heatmap', 'grid', 'tooltip', 'visualMap', 'canvas'];
    default:
      return [];
  }
}
