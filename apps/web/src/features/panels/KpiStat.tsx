import type { DashboardPanel, Kpi, QueryResult } from '@sightline/sdk';
import { analyzeAnswer, pickMeasure, sumColumn } from './answer-shape';
import { formatChange, formatValue } from './format';
import { kpiStatus, panelThresholds } from './kpi-status';

export interface KpiStatProps {
  panel: DashboardPanel;
  answer: QueryResult;
  kpi?: Kpi;
  unit?: string;
}

/** The change from `previous` to `value` relative to `previous`; undefined when it has no meaning. */
export function relativeChange(value: number | null, previous: number | null): number | undefined {
  if (value === null || previous === null || previous === 0) return undefined;
  return (value - previous) / Math.abs(previous);
}

/** One number, large: the measure over the range, its change, coloured by the KPI's thresholds. */
export function KpiStat({ panel, answer, kpi, unit }: KpiStatProps) {
  const shape = analyzeAnswer(answer);
  const measure = pickMeasure(shape, panel.options?.measure);
  const value = measure ? sumColumn(answer.rows, measure.index) : null;
  const previous = measure?.previousIndex !== undefined ? sumColumn(answer.rows, measure.previousIndex) : null;
  const change = relativeChange(value, previous);
  const hasComparison = measure?.previousIndex !== undefined;
  const thresholds = panelThresholds(kpi, panel.options);
  const status = kpiStatus(value, thresholds);
  const higher = (thresholds.direction ?? 'higher') === 'higher';
  const trend = change === undefined || change === 0 ? 'flat' : change > 0 === higher ? 'better' : 'worse';
  const arrow = change === undefined || change === 0 ? '→' : change > 0 ? '↑' : '↓';

  return (
    <div className="kpi-stat" data-status={status}>
      <div className="kpi-stat-value" data-testid="kpi-value" data-value={value ?? undefined} title={measure?.name}>
        {formatValue(value, unit)}
      </div>
      <div className="kpi-stat-meta">
        {/* Present even without a comparison (then empty), so that its place in the layout is stable. */}
        <span className="kpi-stat-change" data-testid="kpi-change" data-trend={trend} data-value={change ?? undefined}>
          {hasComparison && (
            <>
              <span aria-hidden="true" data-export>
                {arrow}
              </span> {change === undefined ? '—' : formatChange(change)}
              <span className="visually-hidden"> compared with the previous period</span>
            </>
          )}
        </span>
        {kpi?.target !== undefined && <span className="kpi-stat-target">target {formatValue(kpi.target, unit)}</span>}
      </div>
      {measure && <div className="kpi-stat-measure">{measure.name}</div>}
    </div>
  );
}
