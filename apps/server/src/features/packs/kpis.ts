import type { Kpi } from '@sightline/protocol';

/**
 * The KPIs every pack ships, seeded into the catalog on a first start (like the metrics). Targets
 * and thresholds are on ratios and latencies, which do not grow with traffic, and sit around what
 * the demo data shows in a normal month, so that a planted anomaly turns a KPI amber or red.
 */
export const PACK_KPIS: readonly Omit<Kpi, 'unit' | 'pack'>[] = [
  { name: 'conversion_rate', metric: 'conversion_rate', direction: 'higher', target: 0.3, warning: 0.25, critical: 0.2, description: 'Share of visitors who buy.' },
  { name: 'aov', metric: 'aov', direction: 'higher', target: 180, warning: 160, critical: 130, description: 'Average order value.' },
  { name: 'cac', metric: 'cac', direction: 'lower', target: 6, warning: 8, critical: 12, description: 'Ad spend per new customer.' },
  { name: 'completion_rate', metric: 'completion_rate', direction: 'higher', target: 0.7, warning: 0.6, critical: 0.5, description: 'Tasks completed per task created.' },
  { name: 'accuracy', metric: 'accuracy', direction: 'higher', target: 0.9, warning: 0.85, critical: 0.8, description: 'Share of predictions with a known outcome that were right.' },
  { name: 'latency_p95', metric: 'latency_p95', direction: 'lower', target: 500, warning: 800, critical: 1500, description: '95th percentile prediction latency (ms).' },
  { name: 'cpu_p95', metric: 'cpu_p95', direction: 'lower', target: 70, warning: 80, critical: 90, description: '95th percentile CPU use (%).' },
  { name: 'memory_p95', metric: 'memory_p95', direction: 'lower', target: 75, warning: 85, critical: 95, description: '95th percentile memory use (%).' },
  { name: 'error_rate', metric: 'error_rate', direction: 'lower', target: 0.04, warning: 0.06, critical: 0.1, description: 'Share of requests answered with a 5xx status.' },
  { name: 'request_latency_p95', metric: 'request_latency_p95', direction: 'lower', target: 150, warning: 300, critical: 600, description: '95th percentile request latency (ms).' },
];
