/**
 * One contract for the metadata stores, run against both tiers: the embedded DuckDB stores and the
 * PostgreSQL ones (on a fresh database, dropped afterwards). Same calls, same answers — including
 * the documented return values, times to the millisecond, JSON with unicode and nulls — plus the
 * promises that matter once several instances share PostgreSQL: markUsed is a compare-and-set, and
 * the audit chain cannot fork.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/features/audit/audit-log.js';
import { GENESIS_HASH, entryHash } from '../src/features/audit/chain.js';
import { openDuckDbStores, type DuckDbStores } from '../src/store/duckdb/index.js';
import { PORTABLE_TABLES, type PortableRow } from '../src/store/portable.js';
import { PgAuditStore } from '../src/store/postgres/audit-store.js';
import { migrate, openPool } from '../src/store/postgres/database.js';
import { PgDashboardStore } from '../src/store/postgres/dashboard-store.js';
import { PgKeyStore } from '../src/store/postgres/key-store.js';
import { PgMetaStore } from '../src/store/postgres/meta-store.js';
import { PgPortableTables } from '../src/store/postgres/portable-tables.js';
import { PgRoleStore } from '../src/store/postgres/role-store.js';
import { PgSessionStore } from '../src/store/postgres/session-store.js';
import { PgSourceStore } from '../src/store/postgres/source-store.js';
import { PgUserStore } from '../src/store/postgres/user-store.js';
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
} from '../src/store/types.js';
import { makeDataDir } from './support/harness.js';
import { createTestDatabase } from './support/postgres.js';
import { TEST_PG_URL, pgAvailable } from './support/services.js';

type Tier = 'duckdb' | 'postgres';

interface MetaStores {
  meta: MetaStore;
  users: UserStore;
  roles: RoleStore;
  sessions: SessionStore;
  keys: KeyStore;
  audit: AuditStore;
  sources: SourceStore;
  dashboards: DashboardStore;
}

const TABLES = ['metrics', 'kpis', 'dashboards', 'users', 'roles', 'refresh_tokens', 'api_keys', 'audit_log', 'sources'];

/** An open tier: its stores, a way to empty every metadata table between tests, and (PG) a second instance. */
interface OpenTier {
  stores: MetaStores;
  /** PG only: the first instance's pool. */
  pool?: pg.Pool;
  /** Stores of a second instance over its own connections (PG only): for the races. */
  other?: MetaStores;
  reset(): Promise<void>;
  close(): Promise<void>;
}

function pgStores(pool: pg.Pool): MetaStores {
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

async function openDuckDb(): Promise<OpenTier> {
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
async function connectionsGone(name: string): Promise<void> {
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
async function openPostgres(): Promise<OpenTier> {
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

const PG = await pgAvailable();
const TIERS: Tier[] = PG ? ['duckdb', 'postgres'] : ['duckdb'];

// Times with a millisecond part, one far ahead (2100) and one before 1970.
const T1 = 1_700_000_000_123;
const T2 = 1_700_000_060_456;
const T3 = 4_102_444_800_999;
const T_OLD = -86_400_001;

/** JSON that has bitten stores before: unicode (astral plane too), escapes, nested nulls, numbers. */
const TRICKY = {
  label: 'Größe – 日本語 😀 "quoted" \\ back\nline',
  nested: { a: null, b: [1, 2.5, -1.25e-7, 1e21, null, 'x'], c: { d: true, e: false } },
  empty: {},
  list: [],
};

function user(id: string, email: string, over: Partial<StoredUser> = {}): StoredUser {
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

function token(id: string, familyId: string, userId: string, over: Partial<StoredRefreshToken> = {}): StoredRefreshToken {
  return { id, familyId, userId, secretHash: `h-${id}`, createdAt: T1, expiresAt: T3, usedAt: null, revokedAt: null, ...over };
}

/** Builds the chain the way AuditLog does: each entry hashes the one before. */
function chain(records: Omit<StoredAuditEntry, 'seq' | 'prevHash' | 'hash'>[], after = { seq: 0, hash: GENESIS_HASH }): StoredAuditEntry[] {
  let head = after;
  return records.map((record) => {
    const unhashed = { ...record, seq: head.seq + 1, prevHash: head.hash };
    const entry = { ...unhashed, hash: entryHash(unhashed) };
    head = { seq: entry.seq, hash: entry.hash };
    return entry;
  });
}

describe.each(TIERS)('metadata stores on %s', (tier) => {
  let opened: OpenTier;
  let s: MetaStores;

  beforeAll(async () => {
    opened = tier === 'duckdb' ? await openDuckDb() : await openPostgres();
    s = opened.stores;
  });
  afterAll(async () => {
    await opened?.close();
  });
  beforeEach(async () => {
    await opened.reset();
  });

  describe('metrics and KPIs', () => {
    it('puts (created → true, replaced → false), gets, lists by name and deletes', async () => {
      const before = Date.now();
      expect(await s.meta.putMetric('b_metric', { event: 'b', agg: 'count' })).toBe(true);
      expect(await s.meta.putMetric('a_metric', TRICKY)).toBe(true);
      expect(await s.meta.putMetric('b_metric', { event: 'b2', agg: 'sum' })).toBe(false);
      // Byte order, as DuckDB sorts: upper case before lower case.
      expect(await s.meta.putMetric('Z_metric', {})).toBe(true);

      const b = await s.meta.getMetric('b_metric');
      expect(b).toEqual({ name: 'b_metric', definition: { event: 'b2', agg: 'sum' }, updatedAt: expect.any(Number) });
      expect(b!.updatedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(b!.updatedAt).toBeLessThanOrEqual(Date.now() + 1000);
      expect(Number.isInteger(b!.updatedAt)).toBe(true);
      expect((await s.meta.getMetric('a_metric'))!.definition).toEqual(TRICKY);
      expect(await s.meta.getMetric('missing')).toBeUndefined();

      expect((await s.meta.listMetrics()).map((m) => m.name)).toEqual(['Z_metric', 'a_metric', 'b_metric']);
      expect(await s.meta.deleteMetric('b_metric')).toBe(true);
      expect(await s.meta.deleteMetric('b_metric')).toBe(false);
      expect((await s.meta.listMetrics()).map((m) => m.name)).toEqual(['Z_metric', 'a_metric']);
      // KPIs are a table of their own.
      expect(await s.meta.listKpis()).toEqual([]);
    });

    it('keeps KPIs apart from metrics', async () => {
      expect(await s.meta.putKpi('signups', { metric: 'signups', target: 100, thresholds: { warn: 0.8, bad: null } })).toBe(true);
      expect(await s.meta.putKpi('signups', { metric: 'signups', target: 120 })).toBe(false);
      expect(await s.meta.putKpi('ärger', TRICKY)).toBe(true);
      const kpis = await s.meta.listKpis();
      expect(kpis.map((k) => [k.name, k.definition])).toEqual([
        ['signups', { metric: 'signups', target: 120 }],
        ['ärger', TRICKY],
      ]);
      expect(await s.meta.getMetric('signups')).toBeUndefined();
      expect(await s.meta.deleteKpi('signups')).toBe(true);
      expect(await s.meta.deleteKpi('signups')).toBe(false);
      expect(await s.meta.deleteMetric('ärger')).toBe(false);
    });
  });

  describe('dashboards', () => {
    it('inserts, gets, lists newest change first, updates and deletes', async () => {
      await s.dashboards.insert({ id: 'd1', title: 'Überblick 📈', body: TRICKY, createdBy: 'user:u1', createdAt: T1, updatedAt: T1 });
      await s.dashboards.insert({ id: 'd2', title: 'Two', body: { panels: [] }, createdBy: 'cli:ops', createdAt: T_OLD, updatedAt: T2 });
      await s.dashboards.insert({ id: 'd0', title: 'Zero', body: { panels: [{ q: null }] }, createdBy: 'user:u1', createdAt: T1, updatedAt: T2 });

      expect(await s.dashboards.get('d1')).toEqual({ id: 'd1', title: 'Überblick 📈', body: TRICKY, createdBy: 'user:u1', createdAt: T1, updatedAt: T1 });
      expect((await s.dashboards.get('d2'))!.createdAt).toBe(T_OLD);
      expect(await s.dashboards.get('nope')).toBeUndefined();
      // Newest change first, ties by id.
      expect((await s.dashboards.list()).map((d) => d.id)).toEqual(['d0', 'd2', 'd1']);

      expect(await s.dashboards.update('d1', 'Renamed', { panels: [{ title: 'ü' }] }, T3)).toBe(true);
      expect(await s.dashboards.update('nope', 'x', {}, T3)).toBe(false);
      expect(await s.dashboards.get('d1')).toEqual({
        id: 'd1',
        title: 'Renamed',
        body: { panels: [{ title: 'ü' }] },
        createdBy: 'user:u1',
        createdAt: T1,
        updatedAt: T3,
      });
      expect((await s.dashboards.list()).map((d) => d.id)).toEqual(['d1', 'd0', 'd2']);

      expect(await s.dashboards.delete('d1')).toBe(true);
      expect(await s.dashboards.delete('d1')).toBe(false);
      expect((await s.dashboards.list()).map((d) => d.id)).toEqual(['d0', 'd2']);
    });
  });

  describe('users', () => {
    it('inserts (a taken e-mail → false), reads by id and e-mail, counts and lists by creation', async () => {
      expect(await s.users.count()).toBe(0);
      expect(await s.users.insert(user('u2', 'zoë@example.com', { createdAt: T2 }))).toBe(true);
      expect(await s.users.insert(user('u1', 'ann@example.com', { role: 'admin', disabled: true, mustChangePassword: false, lastLoginAt: T_OLD }))).toBe(true);
      expect(await s.users.insert(user('u3', 'ann@example.com'))).toBe(false);
      expect(await s.users.count()).toBe(2);

      expect(await s.users.get('u1')).toEqual(user('u1', 'ann@example.com', { role: 'admin', disabled: true, mustChangePassword: false, lastLoginAt: T_OLD }));
      expect(await s.users.getByEmail('zoë@example.com')).toEqual(user('u2', 'zoë@example.com', { createdAt: T2 }));
      expect(await s.users.get('u3')).toBeUndefined();
      expect(await s.users.getByEmail('nobody@example.com')).toBeUndefined();
      expect((await s.users.list()).map((u) => u.id)).toEqual(['u1', 'u2']);
    });

    it('updates only the given fields (plus updatedAt), removes, and counts a role', async () => {
      await s.users.insert(user('u1', 'a@example.com'));
      await s.users.insert(user('u2', 'b@example.com', { role: 'analyst' }));
      await s.users.insert(user('u3', 'c@example.com', { role: 'analyst' }));

      expect(await s.users.update('u1', { lastLoginAt: T3 }, T2)).toBe(true);
      expect(await s.users.get('u1')).toEqual(user('u1', 'a@example.com', { lastLoginAt: T3, updatedAt: T2 }));
      expect(await s.users.update('u1', { role: 'analyst', disabled: true, mustChangePassword: false, passwordHash: 'new', lastLoginAt: null }, T3)).toBe(true);
      expect(await s.users.get('u1')).toEqual(
        user('u1', 'a@example.com', { role: 'analyst', disabled: true, mustChangePassword: false, passwordHash: 'new', lastLoginAt: null, updatedAt: T3 }),
      );
      // An empty change still records the time.
      expect(await s.users.update('u2', {}, T3)).toBe(true);
      expect((await s.users.get('u2'))!.updatedAt).toBe(T3);
      expect(await s.users.update('missing', { disabled: true }, T3)).toBe(false);

      expect(await s.users.countWithRole('analyst')).toBe(3);
      expect(await s.users.countWithRole('admin')).toBe(0);
      expect(await s.users.remove('u2')).toBe(true);
      expect(await s.users.remove('u2')).toBe(false);
      expect(await s.users.countWithRole('analyst')).toBe(2);
      expect(await s.users.count()).toBe(2);
    });
  });

  describe('roles', () => {
    it('puts (created → true, replaced → false), gets, lists by name and deletes', async () => {
      expect(await s.roles.put({ name: 'support', description: 'Support — read only', grants: [{ source: 'web', access: 'read' }], updatedAt: T1 })).toBe(true);
      expect(await s.roles.put({ name: 'analyst', description: '', grants: [], updatedAt: T1 })).toBe(true);
      const replaced = { name: 'support', description: 'Support ✓', grants: [{ source: '*', access: 'write' as const }], updatedAt: T2 };
      expect(await s.roles.put(replaced)).toBe(false);
      expect(await s.roles.get('support')).toEqual(replaced);
      expect(await s.roles.get('nope')).toBeUndefined();
      expect((await s.roles.list()).map((r) => r.name)).toEqual(['analyst', 'support']);
      expect(await s.roles.delete('support')).toBe(true);
      expect(await s.roles.delete('support')).toBe(false);
      expect(await s.roles.list()).toEqual([{ name: 'analyst', description: '', grants: [], updatedAt: T1 }]);
    });
  });

  describe('sessions', () => {
    it('inserts and reads tokens, nulls and times to the millisecond', async () => {
      const t = token('t1', 'f1', 'u1', { revokedAt: T_OLD });
      await s.sessions.insert(t);
      await s.sessions.insert(token('t2', 'f1', 'u1', { usedAt: T2 }));
      expect(await s.sessions.get('t1')).toEqual(t);
      expect(await s.sessions.get('t2')).toEqual(token('t2', 'f1', 'u1', { usedAt: T2 }));
      expect(await s.sessions.get('t3')).toBeUndefined();
    });

    it('marks a token used once: not twice, not when revoked, not when missing', async () => {
      await s.sessions.insert(token('t1', 'f1', 'u1'));
      await s.sessions.insert(token('t2', 'f2', 'u1', { revokedAt: T1 }));
      expect(await s.sessions.markUsed('t1', T2)).toBe(true);
      expect(await s.sessions.markUsed('t1', T3)).toBe(false);
      expect((await s.sessions.get('t1'))!.usedAt).toBe(T2);
      expect(await s.sessions.markUsed('t2', T2)).toBe(false);
      expect((await s.sessions.get('t2'))!.usedAt).toBeNull();
      expect(await s.sessions.markUsed('missing', T2)).toBe(false);
    });

    it('lets exactly one of many concurrent refreshes win (across instances on PostgreSQL)', async () => {
      for (let round = 0; round < 20; round++) {
        const id = `race-${round}`;
        await s.sessions.insert(token(id, `f-${round}`, 'u1'));
        // On PostgreSQL half the calls go through a second instance's own pool.
        const stores = [s, opened.other ?? s];
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stores[i % 2]!.sessions.markUsed(id, T1 + i)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await s.sessions.get(id))!.usedAt).toBe(T1 + winner);
      }
    });

    it('revokes a family, a user (returning the family ids once each), and lists families revoked since', async () => {
      await s.sessions.insert(token('a1', 'fa', 'u1'));
      await s.sessions.insert(token('a2', 'fa', 'u1'));
      await s.sessions.insert(token('b1', 'fb', 'u1'));
      await s.sessions.insert(token('c1', 'fc', 'u2'));
      await s.sessions.insert(token('d1', 'fd', 'u1', { revokedAt: T_OLD }));

      await s.sessions.revokeFamily('fc', T1);
      expect((await s.sessions.get('c1'))!.revokedAt).toBe(T1);
      // Already revoked: the first revocation time stays.
      await s.sessions.revokeFamily('fc', T2);
      expect((await s.sessions.get('c1'))!.revokedAt).toBe(T1);

      expect((await s.sessions.revokeUser('u1', T2)).sort()).toEqual(['fa', 'fb']);
      expect(await s.sessions.revokeUser('u1', T3)).toEqual([]);
      expect((await s.sessions.get('a2'))!.revokedAt).toBe(T2);
      expect((await s.sessions.get('d1'))!.revokedAt).toBe(T_OLD);

      expect((await s.sessions.revokedSince(T1)).sort()).toEqual(['fa', 'fb', 'fc']);
      expect((await s.sessions.revokedSince(T1 + 1)).sort()).toEqual(['fa', 'fb']);
      expect((await s.sessions.revokedSince(T_OLD)).sort()).toEqual(['fa', 'fb', 'fc', 'fd']);
      expect(await s.sessions.revokedSince(T2 + 1)).toEqual([]);
      expect(await s.sessions.markUsed('a1', T3)).toBe(false);
    });
  });

  describe('API keys', () => {
    const key = (id: string, createdAt: number) => ({
      id,
      name: `Key ${id} — ünïcödé`,
      keyHash: `hash-${id}`,
      scopes: ['ingest' as const, 'read' as const],
      sources: ['web', 'app'],
      createdBy: 'user:u1',
      createdAt,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });

    it('inserts, gets, lists by creation, revokes once', async () => {
      await s.keys.insert(key('k2', T2));
      await s.keys.insert({ ...key('k1', T1), scopes: ['admin'], sources: ['*'], expiresAt: T3 });
      expect(await s.keys.get('k1')).toEqual({ ...key('k1', T1), scopes: ['admin'], sources: ['*'], expiresAt: T3 });
      expect(await s.keys.get('k2')).toEqual(key('k2', T2));
      expect(await s.keys.get('k3')).toBeUndefined();
      expect((await s.keys.list()).map((k) => k.id)).toEqual(['k1', 'k2']);

      expect(await s.keys.revoke('k1', T2)).toBe(true);
      expect(await s.keys.revoke('k1', T3)).toBe(false);
      expect(await s.keys.revoke('missing', T3)).toBe(false);
      expect((await s.keys.get('k1'))!.revokedAt).toBe(T2);
    });

    it('records last-used times in a batch', async () => {
      await s.keys.insert(key('k1', T1));
      await s.keys.insert(key('k2', T1));
      await s.keys.insert(key('k3', T1));
      await s.keys.touch(new Map());
      await s.keys.touch(
        new Map([
          ['k1', T2],
          ['k2', T3],
          ['missing', T3],
        ]),
      );
      expect((await s.keys.list()).map((k) => [k.id, k.lastUsedAt])).toEqual([
        ['k1', T2],
        ['k2', T3],
        ['k3', null],
      ]);
      await s.keys.touch(new Map([['k1', T3]]));
      expect((await s.keys.get('k1'))!.lastUsedAt).toBe(T3);
    });
  });

  describe('audit log', () => {
    const record = (i: number, over: Partial<StoredAuditEntry> = {}) => ({
      at: T1 + i * 1000,
      actor: i % 2 === 0 ? 'user:u1' : 'user:u2',
      action: i % 3 === 0 ? 'auth.login' : i % 3 === 1 ? 'user.create' : 'auth.logout',
      target: i % 4 === 0 ? null : `user:t${i}`,
      outcome: (i % 5 === 0 ? 'failure' : 'success') as StoredAuditEntry['outcome'],
      requestId: i % 2 === 0 ? `req-${i}` : null,
      ip: i % 2 === 0 ? '203.0.113.7' : null,
      details: i % 3 === 0 ? null : { i, note: 'ünïcödé 😀', nested: { n: null } },
      ...over,
    });

    it('appends in order; last, scan and list (newest first) return what was written', async () => {
      expect(await s.audit.last()).toBeUndefined();
      const entries = chain(Array.from({ length: 12 }, (_, i) => record(i + 1)));
      for (const entry of entries) await s.audit.append(entry);

      expect(await s.audit.last()).toEqual(entries[11]);
      expect(await s.audit.scan(0, 100)).toEqual(entries);
      expect(await s.audit.scan(5, 3)).toEqual(entries.slice(5, 8));
      expect(await s.audit.scan(12, 10)).toEqual([]);
      expect(await s.audit.list({}, 100)).toEqual([...entries].reverse());
      expect(await s.audit.list({}, 2)).toEqual([entries[11], entries[10]]);
    });

    it('filters by actor, action (exact or a prefix ending in "."), target, outcome, time range and seq', async () => {
      const entries = chain(Array.from({ length: 12 }, (_, i) => record(i + 1)));
      for (const entry of entries) await s.audit.append(entry);
      const seqs = (list: StoredAuditEntry[]) => list.map((e) => e.seq);
      const expected = (keep: (e: StoredAuditEntry) => boolean) => seqs([...entries].reverse().filter(keep));

      expect(seqs(await s.audit.list({ actor: 'user:u1' }, 100))).toEqual(expected((e) => e.actor === 'user:u1'));
      expect(seqs(await s.audit.list({ action: 'auth.login' }, 100))).toEqual(expected((e) => e.action === 'auth.login'));
      expect(seqs(await s.audit.list({ action: 'auth.' }, 100))).toEqual(expected((e) => e.action.startsWith('auth.')));
      expect(seqs(await s.audit.list({ action: 'auth' }, 100))).toEqual([]);
      expect(seqs(await s.audit.list({ target: 'user:t3' }, 100))).toEqual([3]);
      expect(seqs(await s.audit.list({ outcome: 'failure' }, 100))).toEqual(expected((e) => e.outcome === 'failure'));
      expect(seqs(await s.audit.list({ from: T1 + 3000, to: T1 + 6000 }, 100))).toEqual([5, 4, 3]);
      expect(seqs(await s.audit.list({ beforeSeq: 4 }, 100))).toEqual([3, 2, 1]);
      expect(seqs(await s.audit.list({ actor: 'user:u1', action: 'auth.', beforeSeq: 12 }, 2))).toEqual(
        expected((e) => e.actor === 'user:u1' && e.action.startsWith('auth.') && e.seq < 12).slice(0, 2),
      );
    });

    it('verifies through AuditLog', async () => {
      const log = new AuditLog(s.audit, () => T2);
      for (let i = 0; i < 5; i++) await log.record({ actor: 'user:u1', action: 'user.create', outcome: 'success', details: { i, name: 'Zoë' } });
      expect(await log.verify()).toEqual({ ok: true, checked: 5 });
    });
  });

  describe('sources', () => {
    const source = (name: string, over: Record<string, unknown> = {}) => ({
      name,
      description: `Source ${name} – ✓`,
      retentionDays: null as number | null,
      pii: { 'props.email': 'hash' as const, actor: 'mask' as const },
      webhookSecret: null as string | null,
      rollupDimensions: [] as string[],
      createdAt: T1,
      updatedAt: T1,
      ...over,
    });

    it('puts (created → true, replaced → false), gets, lists by name and deletes', async () => {
      expect(await s.sources.put(source('web'))).toBe(true);
      expect(await s.sources.put(source('app', { retentionDays: 30, pii: {}, webhookSecret: 'sealed:v1' }))).toBe(true);
      expect(await s.sources.put(source('web', { description: '', retentionDays: 7, pii: { 'props.card': 'drop' }, updatedAt: T2 }))).toBe(false);

      expect(await s.sources.get('web')).toMatchObject(source('web', { description: '', retentionDays: 7, pii: { 'props.card': 'drop' }, updatedAt: T2 }));
      expect(await s.sources.get('app')).toMatchObject(source('app', { retentionDays: 30, pii: {}, webhookSecret: 'sealed:v1' }));
      expect(await s.sources.get('nope')).toBeUndefined();
      expect((await s.sources.list()).map((x) => x.name)).toEqual(['app', 'web']);

      expect(await s.sources.delete('web')).toBe(true);
      expect(await s.sources.delete('web')).toBe(false);
      expect((await s.sources.list()).map((x) => x.name)).toEqual(['app']);
    });

    it('keeps the declared rollup dimensions ([] by default)', async () => {
      await s.sources.put(source('web'));
      await s.sources.put(source('app', { rollupDimensions: ['props.plan', 'props.geo.country_ü'] }));
      expect((await s.sources.get('web'))!.rollupDimensions).toEqual([]);
      expect((await s.sources.get('app'))!.rollupDimensions).toEqual(['props.plan', 'props.geo.country_ü']);
      expect(await s.sources.put(source('app', { rollupDimensions: ['props.plan'], updatedAt: T2 }))).toBe(false);
      expect((await s.sources.list()).map((x) => x.rollupDimensions)).toEqual([['props.plan'], []]);
    });

    it('replaces a webhook secret only while it is still the expected one', async () => {
      await s.sources.put(source('web', { webhookSecret: 'old' }));
      await s.sources.put(source('bare'));
      expect(await s.sources.replaceWebhookSecret('web', 'stale', 'new')).toBe(false);
      expect((await s.sources.get('web'))!.webhookSecret).toBe('old');
      expect(await s.sources.replaceWebhookSecret('web', 'old', 'new')).toBe(true);
      expect((await s.sources.get('web'))!.webhookSecret).toBe('new');
      expect(await s.sources.replaceWebhookSecret('bare', 'old', 'new')).toBe(false);
      expect(await s.sources.replaceWebhookSecret('missing', 'old', 'new')).toBe(false);
    });
  });

  // Only PostgreSQL is shared by several instances (the embedded file has one writer): registered
  // for that tier alone rather than skipped on the other.
  if (tier === 'postgres') describe('several instances', () => {
    it('refuses an audit append from an instance whose head is stale: the chain never forks', async () => {
      const other = opened.other!;
      const [first, second] = chain([
        { at: T1, actor: 'a', action: 'x.y', target: null, outcome: 'success', requestId: null, ip: null, details: null },
        { at: T2, actor: 'b', action: 'x.y', target: null, outcome: 'success', requestId: null, ip: null, details: null },
      ]);
      await s.audit.append(first!);
      // The other instance computed its own entry 2 from the same head: it loses.
      const [rival] = chain([{ at: T3, actor: 'c', action: 'x.z', target: null, outcome: 'denied', requestId: null, ip: null, details: null }], {
        seq: 1,
        hash: first!.hash,
      });
      await s.audit.append(second!);
      await expect(other.audit.append(rival!)).rejects.toThrow(/head moved/);
      // Not linked to the head (wrong prev_hash, or a seq that skips one): refused too.
      await expect(other.audit.append({ ...rival!, seq: 3 })).rejects.toThrow(/head moved/);
      await expect(other.audit.append({ ...rival!, seq: 5 })).rejects.toThrow(/head moved/);
      const [, genesisRival] = chain([record0(), record0()]);
      await expect(other.audit.append({ ...genesisRival!, seq: 1 })).rejects.toThrow(/head moved/);
      expect(await s.audit.scan(0, 10)).toEqual([first, second]);
    });

    it('appendNext serialises appends across instances: none refused, one linear chain', async () => {
      const stores = [s.audit as PgAuditStore, opened.other!.audit as PgAuditStore];
      const written = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          stores[i % 2]!.appendNext((head) => {
            const unhashed = { ...record0(), actor: `instance:${i % 2}`, details: { i }, seq: head.seq + 1, prevHash: head.hash };
            return { ...unhashed, hash: entryHash(unhashed) };
          }),
        ),
      );
      expect(written.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(await new AuditLog(s.audit).verify()).toEqual({ ok: true, checked: 60 });
      // A build that ignores the head is refused, not forked.
      await expect(stores[1]!.appendNext(() => chain([record0()])[0]!)).rejects.toThrow(/head moved/);
    });

    it('keeps one linear chain when two instances record at once', async () => {
      const logs = [new AuditLog(s.audit), new AuditLog(opened.other!.audit)];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => logs[i % 2]!.record({ actor: `instance:${i % 2}`, action: 'test.race', outcome: 'success', details: { i } })),
      );
      const written = outcomes.filter((o) => o.status === 'fulfilled').length;
      // Losers are refused (AuditLog re-reads its head afterwards), never written on a fork.
      for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason)).toMatch(/head moved/);
      expect(written).toBeGreaterThan(0);
      expect(await logs[0]!.verify()).toEqual({ ok: true, checked: written });
    });
  });
});

function record0(): Omit<StoredAuditEntry, 'seq' | 'prevHash' | 'hash'> {
  return { at: T1, actor: 'z', action: 'x.y', target: null, outcome: 'success', requestId: null, ip: null, details: null };
}

const DAY = 86_400_000;

/** Every portable table of a tier, read in full. */
async function readAll(portable: { read(table: string): AsyncIterable<PortableRow[]> }): Promise<Record<string, PortableRow[]>> {
  const out: Record<string, PortableRow[]> = {};
  for (const table of PORTABLE_TABLES) {
    out[table.name] = [];
    for await (const chunk of portable.read(table.name)) out[table.name]!.push(...chunk);
  }
  // PostgreSQL reads events in storage order (partition by partition), not in seq order.
  out.events!.sort((a, b) => Number(a.seq) - Number(b.seq));
  return out;
}

/** A backup's worth of rows: every table, unicode and nulls, times with milliseconds, events over three months. */
function sampleBackup(events: number): Record<string, PortableRow[]> {
  const rows: Record<string, PortableRow[]> = Object.fromEntries(PORTABLE_TABLES.map((t) => [t.name, []]));
  rows.metrics = [{ name: 'signups', definition: TRICKY, updated_at: T1 }];
  rows.kpis = [{ name: 'ärger', definition: { metric: 'signups', target: 3 }, updated_at: T2 }];
  rows.dashboards = [{ id: 'd1', title: 'Überblick', body: { panels: [] }, created_by: 'user:u1', created_at: T1, updated_at: T2 }];
  rows.users = [
    { id: 'u1', email: 'zoë@example.com', password_hash: 'x', role: 'admin', disabled: false, must_change_password: true, created_at: T1, updated_at: T1, last_login_at: null },
  ];
  rows.roles = [{ name: 'support', description: '—', grants: [{ source: 'web', access: 'read' }], updated_at: T1 }];
  rows.refresh_tokens = [{ id: 't1', family_id: 'f1', user_id: 'u1', secret_hash: 'h', created_at: T1, expires_at: T3, used_at: null, revoked_at: T_OLD }];
  rows.api_keys = [
    { id: 'k1', name: 'key', key_hash: 'h', scopes: ['ingest'], sources: ['*'], created_by: 'cli:x', created_at: T1, expires_at: null, last_used_at: T2, revoked_at: null },
  ];
  rows.audit_log = chain([record0(), { ...record0(), details: { note: '😀' } }]).map((e) => ({
    seq: e.seq, recorded_at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, request_id: e.requestId, ip: e.ip,
    details: e.details, prev_hash: e.prevHash, hash: e.hash,
  }));
  rows.sources = [
    { name: 'app', description: '', retention_days: 30, pii: {}, created_at: T1, updated_at: T1, webhook_secret: 'sealed', rollup_dimensions: ['props.plan'] },
    { name: 'web', description: 'Web ✓', retention_days: null, pii: { 'props.email': 'hash' }, created_at: T1, updated_at: T2, webhook_secret: null, rollup_dimensions: [] },
  ];
  rows.events = Array.from({ length: events }, (_, i) => ({
    seq: i + 1,
    source: i % 3 === 0 ? 'web' : 'app',
    id: `e${i}`,
    name: i % 2 === 0 ? 'page_view' : 'signup',
    // Spread over three months (three partitions), with milliseconds.
    ts: T1 + Math.floor((i * 90 * DAY) / events) + (i % 1000),
    actor: i % 5 === 0 ? null : `actor-${i % 7}`,
    value: i % 4 === 0 ? null : i / 8,
    props: i % 6 === 0 ? null : { plan: i % 2 === 0 ? 'pro' : 'free', label: 'ünï 😀' },
    received_at: T2 + i,
  }));
  return rows;
}

/** Restores `rows` through `portable` (tables in PORTABLE_TABLES order, in chunks of `chunk`). */
async function restoreAll(portable: { restore: PgPortableTables['restore'] }, rows: Record<string, PortableRow[]>, chunk = 700): Promise<void> {
  await portable.restore(async (write) => {
    for (const table of PORTABLE_TABLES) {
      const all = rows[table.name] ?? [];
      for (let i = 0; i < all.length; i += chunk) await write(table.name, all.slice(i, i + chunk));
    }
  });
}

describe.runIf(PG)('PgPortableTables', () => {
  let opened: OpenTier;
  let portable: PgPortableTables;
  let pool: pg.Pool;

  beforeAll(async () => {
    opened = await openPostgres();
    pool = opened.pool!;
    portable = new PgPortableTables(pool);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('restores a backup and reads back exactly what was written, then rebuilds event_ids, the sequence and rollups', async () => {
    expect(await portable.isEmpty()).toBe(true);
    const backup = sampleBackup(12_345);
    await restoreAll(portable, backup);
    expect(await portable.isEmpty()).toBe(false);
    expect(await readAll(portable)).toEqual(backup);

    const one = async (sql: string) => (await pool.query<{ v: string }>(sql)).rows[0]!.v;
    expect(Number(await one('SELECT count(*) AS v FROM event_ids'))).toBe(12_345);
    expect(Number(await one(`SELECT nextval('events_seq') AS v`))).toBe(12_346);
    // The months' partitions were made before their rows went in: nothing landed in DEFAULT.
    expect(Number(await one('SELECT count(*) AS v FROM ONLY events_default'))).toBe(0);
    const partitions = await pool.query<{ name: string; n: number }>(
      `SELECT tableoid::regclass::text AS name, count(*) AS n FROM events GROUP BY 1 ORDER BY 1`,
    );
    expect(partitions.rows.map((r) => r.name)).toEqual(['events_2023_11', 'events_2023_12', 'events_2024_01', 'events_2024_02']);
    // The parent's statistics (autovacuum never makes them) describe the restored rows.
    expect(Number(await one(`SELECT count(*) AS v FROM pg_stats WHERE tablename = 'events' AND inherited`))).toBeGreaterThan(0);

    // Rollups against a reference computed here: events per (source, name, UTC day, d1).
    const reference = new Map<string, number>();
    for (const e of backup.events!) {
      const d1 = e.source === 'app' && e.props ? String((e.props as { plan: string }).plan) : null;
      const key = `${String(e.source)}|${String(e.name)}|${Math.floor(Number(e.ts) / DAY) * DAY}|${d1}`;
      reference.set(key, (reference.get(key) ?? 0) + 1);
    }
    const got = await pool.query<{ k: string; n: string }>(
      `SELECT source || '|' || name || '|' || bucket || '|' || coalesce(d1, 'null') AS k, sum(events) AS n FROM rollup_day GROUP BY 1`,
    );
    expect(new Map(got.rows.map((r) => [r.k, Number(r.n)]))).toEqual(reference);
    for (const grain of ['minute', 'hour']) {
      expect(Number(await one(`SELECT sum(events) AS v FROM rollup_${grain}`))).toBe(12_345);
    }
  });

  it('replaces what was there, and a failed restore leaves the database as it was', async () => {
    const first = sampleBackup(50);
    await restoreAll(portable, first);
    const before = await readAll(portable);
    const rollupsBefore = (await pool.query('SELECT count(*) AS n FROM rollup_minute')).rows[0];

    // Fails half way through the events.
    await expect(
      portable.restore(async (write) => {
        await write('metrics', [{ name: 'other', definition: {}, updated_at: T1 }]);
        await write('events', sampleBackup(10).events!.slice(0, 5));
        throw new Error('the backup file is truncated');
      }),
    ).rejects.toThrow(/truncated/);
    // A cell of the wrong kind names itself.
    await expect(restoreAll(portable, { ...first, users: [{ ...first.users![0]!, disabled: 'no' }] })).rejects.toThrow(/users, column disabled/);
    // A duplicate event id cannot be restored (event_ids keeps (source, id) unique).
    await expect(restoreAll(portable, { ...first, events: [...first.events!, { ...first.events![0]!, seq: 999 }] })).rejects.toThrow(/duplicate key/);
    await expect(portable.restore(async (write) => write('nope', [{}]))).rejects.toThrow(/unknown portable table/);

    expect(await readAll(portable)).toEqual(before);
    expect((await pool.query('SELECT count(*) AS n FROM rollup_minute')).rows[0]).toEqual(rollupsBefore);

    // An empty backup empties everything; the next event gets seq 1.
    await restoreAll(portable, {});
    expect(await portable.isEmpty()).toBe(true);
    expect((await pool.query(`SELECT nextval('events_seq') AS n`)).rows[0]).toEqual({ n: 1 });
    expect((await pool.query('SELECT count(*) AS n FROM rollup_day')).rows[0]).toEqual({ n: 0 });
  });

  it('reads in chunks and releases its connection when the reader stops early', async () => {
    await restoreAll(portable, sampleBackup(12_000));
    for (let i = 0; i < 6; i++) {
      let chunks = 0;
      for await (const chunk of portable.read('events')) {
        expect(chunk.length).toBeLessThanOrEqual(5_000);
        chunks++;
        break;
      }
      expect(chunks).toBe(1);
    }
    // The pool (max 4) would be exhausted had a stopped read kept its client.
    expect(pool.totalCount).toBeLessThanOrEqual(4);
    expect(pool.idleCount).toBe(pool.totalCount);
    const sizes: number[] = [];
    for await (const chunk of portable.read('events')) sizes.push(chunk.length);
    expect(sizes).toEqual([5_000, 5_000, 2_000]);
  });

  it('is portable: DuckDB → PostgreSQL → DuckDB gives back the same rows', async () => {
    const dir = makeDataDir();
    const duck = await openDuckDbStores(dir);
    try {
      const backup = sampleBackup(3_000);
      await restoreAll(duck.portable, backup);
      const fromDuck = await readAll(duck.portable);
      expect(fromDuck).toEqual(backup);
      await restoreAll(portable, fromDuck);
      const fromPg = await readAll(portable);
      expect(fromPg).toEqual(backup);
      await restoreAll(duck.portable, { metrics: [{ name: 'x', definition: {}, updated_at: T1 }] });
      await restoreAll(duck.portable, fromPg);
      expect(await readAll(duck.portable)).toEqual(backup);
      // Both tiers rebuilt the same rollups.
      const pgDay = await pool.query<{ source: string; name: string; bucket: string; d1: string | null; events: string }>(
        'SELECT source, name, bucket, d1, sum(events) AS events FROM rollup_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4',
      );
      const duckDay = await duck.events.query(
        'SELECT source, name, bucket, d1, sum(events) FROM rollup_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 NULLS LAST',
        [],
      );
      expect(pgDay.rows.map((r) => [r.source, r.name, Number(r.bucket), r.d1, Number(r.events)])).toEqual(duckDay);
    } finally {
      await duck.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps fractional milliseconds (PostgreSQL microseconds) through a round trip', async () => {
    await restoreAll(portable, { metrics: [{ name: 'm', definition: {}, updated_at: T1 + 0.456 }] });
    const { metrics } = await readAll(portable);
    expect(metrics).toEqual([{ name: 'm', definition: {}, updated_at: T1 + 0.456 }]);
  });
});
