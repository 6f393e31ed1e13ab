import type { Config } from '../config.js';
import { openDuckDbStores } from './duckdb/index.js';
import { openPostgresStores } from './postgres/index.js';
import type { PortableTables } from './portable.js';
import type { AuditStore, DashboardStore, EventStore, KeyStore, MetaStore, RoleStore, SessionStore, SourceStore, UserStore } from './types.js';

export interface Stores {
  /** True when the stores were created by this open (a first start): built-in content is seeded then. */
  created: boolean;
  events: EventStore;
  meta: MetaStore;
  users: UserStore;
  roles: RoleStore;
  sessions: SessionStore;
  keys: KeyStore;
  audit: AuditStore;
  sources: SourceStore;
  dashboards: DashboardStore;
  /** Every logical table as plain rows, for `sightline backup` / `sightline restore`. */
  portable: PortableTables;
  close(): Promise<void>;
}

/**
 * Opens the stores of the configured tier: PostgreSQL when `config.databaseUrl` is set (the
 * production tier, store/postgres/), else the embedded DuckDB file under dataDir.
 */
export async function openStores(config: Config): Promise<Stores> {
  if (config.databaseUrl !== undefined) return openPostgresStores(config.databaseUrl);
  return openDuckDbStores(config.dataDir);
}
