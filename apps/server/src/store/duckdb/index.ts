import type { DuckDBInstance } from '@duckdb/node-api';
import type { Stores } from '../open.js';
import { DuckDbAuditStore } from './audit-store.js';
import { DuckDbDashboardStore } from './dashboard-store.js';
import { ConnectionPool } from './connection-pool.js';
import { openDatabase } from './database.js';
import { DuckDbEventStore } from './event-store.js';
import { DuckDbKeyStore } from './key-store.js';
import { DuckDbMetaStore } from './meta-store.js';
import { DuckDbPortableTables } from './portable-tables.js';
import { DuckDbRoleStore } from './role-store.js';
import { DuckDbSessionStore } from './session-store.js';
import { DuckDbSourceStore } from './source-store.js';
import { DuckDbUserStore } from './user-store.js';

export { isLockError } from './database.js';

export interface DuckDbStores extends Stores {
  /** The DuckDB instance itself, for benchmarks and tests that go around the stores. */
  instance: DuckDBInstance;
  events: DuckDbEventStore;
}

/** Opens the embedded tier: one DuckDB file under dataDir holding events and metadata. */
export async function openDuckDbStores(dataDir: string): Promise<DuckDbStores> {
  const { instance, created } = await openDatabase(dataDir);
  const events = await DuckDbEventStore.open(instance);
  // Metadata is small and changes rarely: one connection, so its statements run one at a time.
  const metaPool = await ConnectionPool.open(instance, 1);
  return {
    instance,
    created,
    events,
    meta: new DuckDbMetaStore(metaPool),
    users: new DuckDbUserStore(metaPool),
    roles: new DuckDbRoleStore(metaPool),
    sessions: new DuckDbSessionStore(metaPool),
    keys: new DuckDbKeyStore(metaPool),
    audit: new DuckDbAuditStore(metaPool),
    sources: new DuckDbSourceStore(metaPool),
    dashboards: new DuckDbDashboardStore(metaPool),
    portable: new DuckDbPortableTables(instance),
    async close() {
      await events.close();
      await metaPool.close();
      // Closing the instance checkpoints the WAL into the database file.
      instance.closeSync();
    },
  };
}
