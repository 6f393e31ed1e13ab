import type { JobsConfig } from '../config.js';
import type { EventStore, SourceStore } from '../store/types.js';
import type { JobQueue } from './jobs.js';
import type { PlatformLog } from './redis.js';

const DAY_MS = 86_400_000;

/** The job names (BullMQ scheduler ids: every instance upserts the same ones). */
export const MAINTENANCE_JOBS = { compactRollups: 'rollups:compact', retention: 'retention' } as const;

/**
 * The scheduled upkeep of the event store: merging rollup delta rows, and deleting events past
 * their source's retention. Every instance registers them; the queue runs each tick once.
 */
export function registerMaintenanceJobs(deps: {
  jobs: JobQueue;
  config: JobsConfig;
  events: EventStore;
  sources: SourceStore;
  clock: () => number;
  /** Live queries recompute after a deletion. */
  live: { eventsRemoved(): void };
  log: PlatformLog;
}): void {
  const { jobs, config, events, sources, clock, live, log } = deps;
  jobs.define({
    name: MAINTENANCE_JOBS.compactRollups,
    // Answers do not change (queries re-aggregate the deltas): nothing to invalidate.
    run: async () => ({ removed: await events.compactRollups() }),
  });
  jobs.define({
    name: MAINTENANCE_JOBS.retention,
    run: async () => {
      const now = clock();
      const deleted: Record<string, number> = {};
      for (const source of await sources.list()) {
        if (source.retentionDays === null || source.retentionDays <= 0) continue;
        const before = now - source.retentionDays * DAY_MS;
        const removed = await events.deleteOlderThan(source.name, before);
        if (removed === 0) continue;
        // The cached answers over the deleted times are dropped by the store (invalidating-events.ts).
        deleted[source.name] = removed;
      }
      if (Object.keys(deleted).length > 0) {
        live.eventsRemoved();
        log.info({ deleted }, 'events past their retention deleted');
      }
      return { deleted };
    },
  });
  jobs.schedule(MAINTENANCE_JOBS.compactRollups, config.rollupCompactSeconds * 1000);
  jobs.schedule(MAINTENANCE_JOBS.retention, config.retentionSeconds * 1000);
}
