import { useCallback, useEffect, useMemo } from 'react';
import type { TrendQuery } from '@sightline/sdk';
import { EChart } from '../../components/charts/EChart';
import { preloadECharts } from '../../components/charts/echarts-loader';
import type { ChartClickParams } from '../../components/charts/types';
import { buildChartOption, panelUnit } from './chart-options';
import { partsForKind } from './chart-parts';
import { DataTable } from './DataTable';
import { drillFilter, seriesDrillFilter } from './drill';
import { KpiStat } from './KpiStat';
import type { PanelViewProps } from './types';
import './panels.css';

function PanelSkeleton({ kind }: { kind: string }) {
  return (
    <div className={`panel-skeleton panel-skeleton-${kind === 'kpi' ? 'kpi' : kind === 'table' ? 'table' : 'chart'}`} aria-busy="true" aria-label="Loading">
      <span />
      <span />
      <span />
    </div>
  );
}

function ChartBody({ panel, answer, kpi, theme, onDrill, height, renderer }: PanelViewProps & { answer: NonNullable<PanelViewProps['answer']> }) {
  const option = useMemo(() => buildChartOption(panel, answer, { kpi, theme }), [panel, answer, kpi, theme]);
  const onClick = useCallback(
    (params: ChartClickParams) => {
      const filter = drillFilter(params.data) ?? seriesDrillFilter(option, params.seriesIndex);
      if (filter && onDrill) onDrill(filter);
    },
    [onDrill, option],
  );
  return (
    <EChart
      option={option}
      theme={theme}
      kind={panel.chart}
      panelId={panel.id}
      ariaLabel={panel.title ? `${panel.title} (${panel.chart.replace('_', ' ')} chart)` : `${panel.chart.replace('_', ' ')} chart`}
      height={height}
      renderer={renderer}
      onClick={onDrill ? onClick : undefined}
    />
  );
}

/** Draws a panel of any kind: a skeleton while loading, an empty state without rows, else the view. */
export function PanelView(props: PanelViewProps) {
  const { panel, answer, kpi, onDrill, height, renderer } = props;
  const loading = answer === undefined;
  useEffect(() => {
    if (!loading) return;
    const parts = partsForKind(panel.chart);
    if (parts.length) preloadECharts(renderer && renderer !== 'canvas' ? [...parts.filter((p) => p !== 'canvas'), renderer] : parts);
  }, [loading, panel.chart, renderer]);
  if (!answer) return <PanelSkeleton kind={panel.chart} />;
  if (answer.rows.length === 0) {
    return (
      <div className="panel-empty" style={height !== undefined ? { height } : undefined}>
        <p>No data in this range</p>
      </div>
    );
  }
  const unit = panelUnit(panel, kpi);
  if (panel.chart === 'kpi') return <KpiStat panel={panel} answer={answer} kpi={kpi} unit={unit} />;
  if (panel.chart === 'table') {
    return (
      <div className="panel-table" style={height !== undefined ? { height } : undefined}>
        <DataTable answer={answer} unit={unit} interval={(panel.query as TrendQuery).interval} onDrill={onDrill} />
      </div>
    );
  }
  return <ChartBody {...props} answer={answer} />;
}
