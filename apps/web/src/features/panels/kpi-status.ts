import type { Kpi, KpiDirection, PanelOptions } from '@sightline/sdk';

export type KpiStatus = 'good' | 'warning' | 'critical' | 'neutral';

export interface KpiThresholds {
  direction?: KpiDirection;
  target?: number;
  warning?: number;
  critical?: number;
}

/**
 * How a value stands against its thresholds. On the bad side of `critical` (below it when higher
 * is better, above it when lower is) → critical; of `warning` → warning; else good. With only a
 * target, missing it is a warning. With nothing set (or no value) there is nothing to judge.
 */
export function kpiStatus(value: number | null | undefined, thresholds: KpiThresholds): KpiStatus {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'neutral';
  const higher = (thresholds.direction ?? 'higher') === 'higher';
  const worse = (limit: number) => (higher ? value < limit : value > limit);
  const { warning, critical, target } = thresholds;
  if (warning === undefined && critical === undefined) {
    if (target === undefined) return 'neutral';
    return worse(target) ? 'warning' : 'good';
  }
  if (critical !== undefined && worse(critical)) return 'critical';
  if (warning !== undefined && worse(warning)) return 'warning';
  return 'good';
}

/** The thresholds of a panel: its KPI's first, else the panel's own `options.thresholds`. */
export function panelThresholds(kpi: Kpi | undefined, options: PanelOptions | undefined): KpiThresholds {
  if (kpi) return { direction: kpi.direction, target: kpi.target, warning: kpi.warning, critical: kpi.critical };
  const own = options?.thresholds;
  return { direction: own?.direction, warning: own?.warning, critical: own?.critical };
}
