/**
 * The metadata stores of both tiers opened for the contract suites (meta-stores.test.ts,
 * pg-portable-tables.test.ts): fresh, resettable stores per tier, and the fixtures they share.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { GENESIS_HASH, entryHash } from '../../src/features/audit/chain.js';
import { openDuckDbStores, type DuckDbStores } from '../../src/store/duckdb/index.js';
import { PgAuditStore } from '../../src/store/postgres/audit-store.js';
import { migrate, openPool } from '../../src/store/postgres/database.js';
import { PgDashboardStore } from '../../src/store/postgres/dashboard-store.js';
import { PgKeyStore } from '../../src/store/postgres/key-store.js';
import { PgMetaStore } from '../../src/store/postgres/meta-store.js';
import { PgRoleStore } from '../../src/store/postgres/role-store.js';
import { PgSessionStore } from '../../src/store/postgres/session-store.js';
import { PgSourceStore } from '../../src/store/postgres/source-store.js';
import { PgUserStore } from '../../src/store/postgres/user-store.js';
import type {
  AuditStore,
  DashboardStore,
  KeyStore,
  MetaStore,
  RoleStore,
  SessionStore,
  SourceStore,
  StoredAuditEntry,
  StoredRefreshToken,
  StoredUser,
  UserStore,
} from '../../src/store/types.js';
import { makeDataDir } from './harness.js';
import { createTestDatabase } from './postgres.js';
import { TEST_PG_URL, pgAvailable } from './services.js';

export type Tier = 'duckdb' | 'postgres';

export interface MetaStores {
  meta: MetaStore;
  users: UserStore;
  roles: RoleStore;
  sessions: SessionStore;
  keys: KeyStore;
  audit: AuditStore;
  sources: SourceStore;
  dashboards: DashboardStore;
}

export const TABLES = ['metrics', 'kpis', 'dashboards', 'users', 'roles', 'refresh_tokens', 'api_keys', 'audit_log', 'sources'];

/** An open tier: its stores, a way to empty every metadata table between tests, and (PG) a second instance. */
export interface OpenTier {
  stores: MetaStores;
  /** PG only: the first instance's pool. */
  pool?: pg.Pool;
  /** Stores of a second instance over its own connections (PG only): for the races. */
  other?: MetaStores;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function pgStores(pool: pg.Pool): MetaStores {
  return {
    meta: new PgMetaStore(pool),
    users: new PgUserStore(pool),
    roles: new PgRoleStore(pool),
    sessions: new PgSessionStore(pool),
    keys: new PgKeyStore(pool),
    audit: new PgAuditStore(pool),
    sources: new PgSourceStore(pool),
    dashboards: new PgDashboardStore(pool),
  };
}

export async function openDuckDb(): Promise<OpenTier> {
  const dir = makeDataDir();
  const stores: DuckDbStores = await openDuckDbStores(dir);
  const connection = await stores.instance.connect();
  return {
    stores,
    async reset() {
      for (const table of TABLES) await connection.run(`DELETE FROM ${table}`);
    },
    async close() {
      connection.closeSync();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the server has closed every connection to `name`. pool.end() resolves before the
 * server has seen every Terminate; a DROP … WITH (FORCE) then would kill those backends, whose FATAL
 * reaches a client nobody listens to any more (an unhandled error in the run).
 */
export async function connectionsGone(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (Number(rows[0]!.n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.end();
  }
}

/** A fresh, uniquely named database with the PostgreSQL tier's schema (its migrations); dropped on close. */
export async function openPostgres(): Promise<OpenTier> {
  const db = await createTestDatabase();
  // Pools as the server opens them (database.ts: its type parsers).
  const pool = openPool(db.url, { max: 4 });
  const otherPool = openPool(db.url, { max: 4 });
  const drop = async () => {
    await Promise.all([pool.end(), otherPool.end()]);
    await connectionsGone(db.name);
    await db.drop();
  };
  try {
    await migrate(pool);
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    pool,
    stores: pgStores(pool),
    other: pgStores(otherPool),
    async reset() {
      await pool.query(`TRUNCATE ${TABLES.join(', ')}`);
    },
    close: drop,
  };
}

export const PG = await pgAvailable();
export const TIERS: Tier[] = PG ? ['duckdb', 'postgres'] : ['duckdb'];

// Times with a millisecond part, one far ahead (2100) and one before 1970.
export const T1 = 1_700_000_000_123;
export const T2 = 1_700_000_060_456;
export const T3 = 4_102_444_800_999;
export const T_OLD = -86_400_001;

/** JSON that has bitten stores before: unicode (astral plane too), escapes, nested nulls, numbers. */
export const TRICKY = {
  label: 'Größe – 日本語 😀 "quoted" \\ back\nline',
  nested: { a: null, b: [1, 2.5, -1.25e-7, 1e21, null, 'x'], c: { d: true, e: false } },
  empty: {},
  list: [],
};

export function user(id: string, email: string, over: Partial<StoredUser> = {}): StoredUser {
  return {
    id,
    email,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${id}`,
    role: 'viewer',
    disabled: false,
    mustChangePassword: true,
    createdAt: T1,
    updatedAt: T1,
    lastLoginAt: null,
    ...over,
  };
}

export function token(id: string, familyId: string, userId: string, over: Partial<StoredRefreshToken> = {}): StoredRefreshToken {
  return { id, familyId, userId, secretHash: `h-${id}`, createdAt: T1, expiresAt: T3, usedAt: null, revokedAt: null, ...over };
}

/** Builds the chain the way AuditLog does: each entry hashes the one before. */
export function chain(records: Omit<StoredAuditEntry, 'seq' | 'prevHash' | 'hash'>[], after = { seq: 0, hash: GENESIS_HASH }): StoredAuditEntry[] {
  let head = after;
  return records.map((record) => {
    const unhashed = { ...record, seq: head.seq + 1, prevHash: head.hash };
    const entry = { ...unhashed, hash: entryHash(unhashed) };
    head = { seq: entry.seq, hash: entry.hash };
    return entry;
  });
}

export function record0(): Omit<StoredAuditEntry, 'seq' | 'prevHash' | 'hash'> {
  return { at: T1, actor: 'z', action: 'x.y', target: null, outcome: 'success', requestId: null, ip: null, details: null };
}

