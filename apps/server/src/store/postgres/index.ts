import type pg from 'pg';
import type { Stores } from '../open.js';
import { PgAuditStore } from './audit-store.js';
import { PgDashboardStore } from './dashboard-store.js';
import { migrate, openPool } from './database.js';
import { PgEventStore } from './event-store.js';
import { PgKeyStore } from './key-store.js';
import { PgMetaStore } from './meta-store.js';
import { Partitions } from './partitions.js';
import { PgPortableTables } from './portable-tables.js';
import { PgRoleStore } from './role-store.js';
import { PgSessionStore } from './session-store.js';
import { PgSourceStore } from './source-store.js';
import { PgUserStore } from './user-store.js';

export interface PgStores extends Stores {
  /** The pool of reads and metadata, for tests and benchmarks that go around the stores. */
  pool: pg.Pool;
  events: PgEventStore;
}

export interface PgStoreOptions {
  /** Logs an error of an idle pooled connection (PostgreSQL restarted); without it, such errors are dropped. */
  onPoolError?: (error: Error) => void;
}

/**
 * Opens the production tier on `url` (postgres://…): applies pending migrations (schema.ts), then
 * opens the stores. Two pools: ingest groups on their own connections (each holds its temp
 * staging tables), reads and metadata on the other, so a burst of queries never starves ingest.
 */
export async function openPostgresStores(url: string, options: PgStoreOptions = {}): Promise<PgStores> {
  const onError = options.onPoolError ?? (() => undefined);
  const pool = openPool(url, { max: 10 }, onError);
  const writerPool = openPool(url, { max: 2 }, onError);
  try {
    const { from } = await migrate(pool);
    const partitions = new Partitions(writerPool);
    await partitions.load();
    const events = await PgEventStore.open(pool, writerPool, partitions);
    return {
      pool,
      created: from === 0,
      events,
      meta: new PgMetaStore(pool),
      users: new PgUserStore(pool),
      roles: new PgRoleStore(pool),
      sessions: new PgSessionStore(pool),
      keys: new PgKeyStore(pool),
      audit: new PgAuditStore(pool),
      sources: new PgSourceStore(pool),
      dashboards: new PgDashboardStore(pool),
      portable: new PgPortableTables(pool),
      async close() {
        await events.close();
        await Promise.all([pool.end(), writerPool.end()]);
      },
    };
  } catch (error) {
    await Promise.all([pool.end(), writerPool.end()]).catch(() => undefined);
    throw error;
  }
}
