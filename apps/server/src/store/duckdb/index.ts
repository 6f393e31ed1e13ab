import type { DuckDBInstance } from '@duckdb/node-api';
import { openDatabase } from './database.js';
import { DuckDbEventStore } from './event-store.js';
import { DuckDbMetaStore } from './meta-store.js';

export { isLockError } from './database.js';

export interface DuckDbStores {
  /** The DuckDB instance itself, for benchmarks that compare with hand-written SQL. */
  instance: DuckDBInstance;
  /** True when this open created the database (a first start). */
  created: boolean;
  events: DuckDbEventStore;
  meta: DuckDbMetaStore;
  close(): Promise<void>;
}

/** Opens the embedded tier: one DuckDB file under dataDir holding events and metadata. */
export async function openDuckDbStores(dataDir: string): Promise<DuckDbStores> {
  const { instance, created } = await openDatabase(dataDir);
  const events = await DuckDbEventStore.open(instance);
  const meta = await DuckDbMetaStore.open(instance);
  return {
    instance,
    created,
    events,
    meta,
    async close() {
      await events.close();
      meta.close();
      // Closing the instance checkpoints the WAL into the database file.
      instance.closeSync();
    },
  };
}
