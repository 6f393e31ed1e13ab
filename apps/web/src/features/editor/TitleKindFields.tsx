import { useId } from 'react';
import type { ChartKind } from '@sightline/sdk';
import { CHART_KINDS } from '@sightline/protocol';

const CHART_LABELS: Record<ChartKind, string> = {
  line: 'Line',
  area: 'Area',
  bar: 'Bar',
  stacked_bar: 'Stacked bar',
  pie: 'Pie',
  donut: 'Donut',
  scatter: 'Scatter',
  funnel: 'Funnel',
  gauge: 'Gauge',
  kpi: 'KPI stat',
  table: 'Table',
  heatmap: 'Heatmap',
};

interface TitleKindFieldsProps {
  title: string;
  chart: ChartKind;
  onTitle: (title: string) => void;
  onChart: (chart: ChartKind) => void;
}

export function TitleKindFields({ title, chart, onTitle, onChart }: TitleKindFieldsProps) {
  const id = useId();
  return (
    <div className="pe-row">
      <div className="pe-field pe-grow">
        <label htmlFor={`${id}-title`}>Title</label>
        <input id={`${id}-title`} type="text" value={title} maxLength={200} onChange={(e) => onTitle(e.target.value)} />
      </div>
      <div className="pe-field">
        <label htmlFor={`${id}-chart`}>Chart kind</label>
        <select id={`${id}-chart`} value={chart} onChange={(e) => onChart(e.target.value as ChartKind)}>
          {CHART_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {CHART_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
