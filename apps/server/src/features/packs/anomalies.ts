import { DAY, HOUR, timeline } from './timeline.js';
import type { Anomalies, DemoOptions, PlantedAnomaly } from './types.js';

/** Where the anomalies go: fixed fractions of the period, so they exist for any --days. */
export function resolveAnomalies(opts: DemoOptions): Anomalies {
  const { start } = timeline(opts.now, opts.days);
  const dayAt = (fraction: number) => start + Math.floor(opts.days * fraction) * DAY;
  return {
    revenueDrop: { from: dayAt(0.62), to: dayAt(0.62) + DAY },
    latencySpike: { host: 'web-2', from: dayAt(0.41) + 14 * HOUR, to: dayAt(0.41) + 20 * HOUR },
    cpuSpike: { host: 'db-1', from: dayAt(0.8) + 3 * HOUR, to: dayAt(0.8) + 6 * HOUR },
    modelRelease: { model: 'churn-gbm', version: 'v2', at: dayAt(0.7) },
  };
}

export function plantedAnomalies(opts: DemoOptions): PlantedAnomaly[] {
  const a = resolveAnomalies(opts);
  return [
    { pack: 'commerce', metric: 'revenue', ...a.revenueDrop, description: 'A payment outage: most checkouts fail for one day, revenue and orders drop.' },
    { pack: 'system', metric: 'request_latency_p95', ...a.latencySpike, description: `Request latency on ${a.latencySpike.host} rises about eightfold for six hours, with more 5xx errors.` },
    { pack: 'system', metric: 'cpu_p95', ...a.cpuSpike, description: `CPU on ${a.cpuSpike.host} is pinned near 97 % for three hours.` },
    {
      pack: 'modelhub',
      metric: 'accuracy',
      from: a.modelRelease.at,
      to: opts.now,
      description: `${a.modelRelease.model} ${a.modelRelease.version} replaces v1 and its accuracy falls from about 92 % to about 74 %.`,
    },
  ];
}
