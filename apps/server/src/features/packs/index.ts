import { resolveAnomalies } from './anomalies.js';
import { commerce } from './commerce.js';
import { modelhub } from './modelhub.js';
import { Random } from './random.js';
import { system } from './system.js';
import { tasks } from './tasks.js';
import { timeline } from './timeline.js';
import type { DemoEvent, DemoOptions, Pack } from './types.js';

export { plantedAnomalies } from './anomalies.js';
export { PACK_METRICS } from './metrics.js';
export { PACK_KPIS } from './kpis.js';
export { PACK_DASHBOARDS } from './dashboards.js';
export type { DemoEvent, DemoOptions, PlantedAnomaly } from './types.js';

export const PACKS: readonly Pack[] = [commerce, tasks, modelhub, system];

/**
 * The rollup dimensions each pack's source should declare, so that its dashboards' breakdowns are
 * answered from rollups: `PATCH /v1/sources/<source>` with `{"rollup":{"dimensions":[…]}}`.
 */
export const PACK_ROLLUP_DIMENSIONS: ReadonlyMap<string, readonly string[]> = new Map(PACKS.map((p) => [p.source, p.rollupDimensions]));

/** How many of `total` events each pack generates: by share, the rounding left to the first pack. */
export function packCounts(total: number): number[] {
  const counts = PACKS.map((p) => Math.floor(total * p.share));
  counts[0]! += total - counts.reduce((a, b) => a + b, 0);
  return counts;
}

/**
 * Realistic demo events for every pack, exactly `opts.events` of them in [now − days, now), the same
 * for the same seed (ids included, so loading a demo twice stores nothing new), in batches.
 */
export function* generateDemoBatches(opts: DemoOptions, batchSize = 5000): Generator<DemoEvent[]> {
  const line = timeline(opts.now, opts.days);
  const anomalies = resolveAnomalies(opts);
  const counts = packCounts(opts.events);
  let batch: DemoEvent[] = [];
  for (let i = 0; i < PACKS.length; i++) {
    const pack = PACKS[i]!;
    // Each pack has its own stream of random numbers, so one pack's share does not shift another's data.
    const random = new Random(opts.seed * 7919 + i);
    for (const event of pack.events({ line, random, idPrefix: `demo-${opts.seed}-${opts.events}-${opts.days}-`, count: counts[i]!, anomalies })) {
      batch.push(event);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
