/**
 * The audit trail: what is recorded, how it is read back (filters, pages), and the hash chain that
 * `sightline audit verify` walks to find an edited, deleted or reordered entry.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/harness.js';
import { runCli } from './support/server-process.js';

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  request_id: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ keep: true });
  await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'ana@example.com', password: 'long enough test password', role: 'viewer' } });
  await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'ana@example.com', password: 'wrong wrong wrong' } }, null);
  await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'k', scopes: ['ingest'], sources: ['shop'] } });
  await t.inject({ method: 'PUT', url: '/v1/metrics/audited', payload: { fn: 'count' } });
  await t.inject({ method: 'DELETE', url: '/v1/metrics/audited' });
  await t.inject({ method: 'PUT', url: '/v1/roles/analyst', payload: { grants: [{ source: 'shop', access: 'read' }] } });
});
afterAll(async () => {
  await t.app.close(); // a second close (the verify test closes it first) does nothing
  rmSync(t.dataDir, { recursive: true, force: true });
});

const all = async (query = '') => (await t.inject(`/v1/audit?limit=1000${query}`)).json().entries as Entry[];

describe('audit entries', () => {
  it('records logins, failures and every change, with actor, time, target, outcome, request id and address', async () => {
    const entries = await all();
    const actions = entries.map((e) => e.action).reverse();
    expect(actions).toEqual(
      expect.arrayContaining(['user.create', 'auth.login', 'key.create', 'metric.create', 'metric.delete', 'role.create']),
    );
    const create = entries.find((e) => e.action === 'user.create' && e.actor !== 'system')!;
    expect(create).toMatchObject({ outcome: 'success', ip: '127.0.0.1', target: expect.stringMatching(/^user:/) });
    expect(create.actor).toMatch(/^user:/);
    expect(create.request_id).toEqual(expect.any(String));
    expect(Date.now() - Date.parse(create.at)).toBeLessThan(60_000);
    const failed = entries.find((e) => e.action === 'auth.login' && e.outcome === 'failure')!;
    expect(failed.details).toEqual({ reason: 'wrong_password' });
    // No password, e-mail address or key secret in the trail.
    expect(JSON.stringify(entries)).not.toMatch(/wrong wrong wrong|ana@example\.com|sl_[0-9a-f]{12}_/);
  });

  it('filters by action (exact or prefix), actor and outcome, newest first', async () => {
    const entries = await all();
    const logins = await all('&action=auth.login');
    expect(logins.map((e) => e.seq)).toEqual(entries.filter((e) => e.action === 'auth.login').map((e) => e.seq));
    const metricChanges = await all('&action=metric.');
    expect(metricChanges.map((e) => e.action)).toEqual(['metric.delete', 'metric.create']);
    const failures = await all('&outcome=failure');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.outcome === 'failure')).toBe(true);
    const system = await all('&actor=system');
    expect(system.map((e) => e.action)).toEqual(['user.create']);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.seq).toBeLessThan(entries[i - 1]!.seq);
  });

  it('pages with a cursor through exactly the whole trail', async () => {
    const entries = await all();
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { entries: Entry[]; next_cursor: string | null } = (await t.inject(`/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.next_cursor;
    }
    // The page requests above were not audited themselves, so the trail is as it was.
    expect(seen).toEqual(entries.map((e) => e.seq));
  });

  it('refuses bad filters with the path of the bad part', async () => {
    const res = await t.inject('/v1/audit?limit=0&outcome=maybe');
    expect(res.statusCode).toBe(400);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/limit', '/outcome']));
  });

  it('is for admins only', async () => {
    const viewer = await t.login('ana@example.com', 'long enough test password');
    expect((await t.inject('/v1/audit', viewer.access_token)).statusCode).toBe(403);
  });
});

describe('sightline audit verify', () => {
  const env = () => ({ SIGHTLINE_PORT: '9', SIGHTLINE_DATA_DIR: t.dataDir });

  async function tamper(sql: string): Promise<void> {
    const instance = await DuckDBInstance.create(path.join(t.dataDir, 'sightline.duckdb'));
    const connection = await instance.connect();
    await connection.run(sql);
    connection.closeSync();
    instance.closeSync();
  }

  it('passes on an intact trail and names the first broken link of an edited, deleted or reordered one', async () => {
    expect((await t.inject('/v1/audit/verify')).json()).toMatchObject({ ok: true });
    await t.app.close();

    const intact = await runCli(['audit', 'verify'], env());
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/The audit trail is intact: \d+ entries/);

    // Edited: the outcome of entry 3 rewritten.
    await tamper("UPDATE audit_log SET outcome = CASE WHEN outcome = 'success' THEN 'failure' ELSE 'success' END WHERE seq = 3");
    const edited = await runCli(['audit', 'verify'], env());
    expect(edited.code).toBe(1);
    expect(edited.stdout.trim()).toBe('The audit trail is broken at entry 3: entry 3 was edited: its content does not match its hash.');
    await tamper("UPDATE audit_log SET outcome = CASE WHEN outcome = 'success' THEN 'failure' ELSE 'success' END WHERE seq = 3");
    expect((await runCli(['audit', 'verify'], env())).code).toBe(0);

    // Reordered: entries 4 and 5 swap places.
    await tamper('UPDATE audit_log SET seq = CASE seq WHEN 4 THEN 5 ELSE 4 END WHERE seq IN (4, 5)');
    const reordered = await runCli(['audit', 'verify'], env());
    expect(reordered.code).toBe(1);
    expect(reordered.stdout).toMatch(/broken at entry 4: entry 4 does not link to entry 3/);
    await tamper('UPDATE audit_log SET seq = CASE seq WHEN 4 THEN 5 ELSE 4 END WHERE seq IN (4, 5)');

    // Deleted: entry 2 removed.
    await tamper('DELETE FROM audit_log WHERE seq = 2');
    const deleted = await runCli(['audit', 'verify'], env());
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toMatch(/broken at entry 2: entry 2 is missing \(deleted\?\): the next entry is 3/);

    // Deleted and the rest renumbered to hide the gap: the link after it still breaks.
    await tamper('UPDATE audit_log SET seq = seq - 1 WHERE seq > 2');
    const renumbered = await runCli(['audit', 'verify'], env());
    expect(renumbered.code).toBe(1);
    expect(renumbered.stdout).toMatch(/broken at entry 2/);
  });
});

