/**
 * One contract for the metadata stores, run against both tiers: the embedded DuckDB stores and the
 * PostgreSQL ones (on a fresh database, dropped afterwards). Same calls, same answers — including
 * the documented return values, times to the millisecond, JSON with unicode and nulls — plus the
 * promises that matter once several instances share PostgreSQL: markUsed is a compare-and-set, and
 * the audit chain cannot fork.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/features/audit/audit-log.js';
import { entryHash } from '../src/features/audit/chain.js';
import type { PgAuditStore } from '../src/store/postgres/audit-store.js';
import type { StoredAuditEntry } from '../src/store/types.js';
import { TIERS, chain, openDuckDb, openPostgres, record0, token, user, T1, T2, T3, T_OLD, TRICKY, type MetaStores, type OpenTier } from './support/meta-tiers.js';

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

