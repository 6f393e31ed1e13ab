/** `sightline user|key|audit …`: on the data dir directly, and through a running server. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataDir } from './support/harness.js';
import { runCli, startServerProcess, waitForExit } from './support/server-process.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const NO_SERVER = { SIGHTLINE_PORT: '9' };

describe('sightline user and key commands', () => {
  it('manage users and keys on the data dir', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const env = { ...NO_SERVER, SIGHTLINE_DATA_DIR: dataDir };

    const created = await runCli(['user', 'create', '--email', 'Ops@Example.com', '--role', 'editor'], env);
    expect(created.code).toBe(0);
    // The very first command found no users: it made the first admin and printed its one-time password once.
    expect(created.stderr).toMatch(/created the admin admin@localhost with the one-time password \S{24}/);
    expect(created.stdout).toMatch(/^Created ops@example\.com \(editor, id [0-9a-f-]{36}\)\.$/m);
    const otp = /One-time password \(shown once; to be changed at first login\): (\S+)/.exec(created.stdout)![1]!;
    expect(otp).toHaveLength(24);

    const list = await runCli(['user', 'list'], env);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/ops@example\.com\s+editor\s+false\s+true/);
    expect(list.stdout).toMatch(/admin@localhost\s+admin/);

    expect((await runCli(['user', 'set-role', 'ops@example.com', 'viewer'], env)).stdout).toMatch(/now has the role viewer/);
    expect((await runCli(['user', 'disable', 'ops@example.com'], env)).stdout).toMatch(/Disabled ops@example\.com/);
    expect((await runCli(['user', 'list'], env)).stdout).toMatch(/ops@example\.com\s+viewer\s+true/);
    const reset = await runCli(['user', 'reset-password', 'ops@example.com'], env);
    expect(reset.stdout).toMatch(/One-time password .*: \S{24}/);

    const badRole = await runCli(['user', 'set-role', 'ops@example.com', 'wizard'], env);
    expect(badRole.code).toBe(1);
    expect(JSON.parse(badRole.stderr)).toMatchObject({ status: 400, errors: [{ path: '/role' }] });
    const weak = await runCli(['user', 'create', '--email', 'x@example.com', '--password', 'short'], env);
    expect(weak.code).toBe(1);
    expect(JSON.parse(weak.stderr)).toMatchObject({ status: 400, errors: [{ path: '/password' }] });
    const noUser = await runCli(['user', 'disable', 'ghost@example.com'], env);
    expect(noUser.code).toBe(1);
    expect(noUser.stderr.trim()).toBe('No user "ghost@example.com".');

    const key = await runCli(['key', 'create', '--scope', 'ingest', '--sources', 'shop,tasks', '--expires', '90d'], env);
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/Created key [0-9a-f]{12} \(ingest on shop, tasks, expires 20\d\d-/);
    expect(key.stdout).toMatch(/Key \(shown once; keep it secret\): sl_[0-9a-f]{12}_\S{32}$/m);
    const keys = await runCli(['key', 'list'], env);
    expect(keys.stdout).toMatch(/ingest\s+shop,tasks/);
    expect(keys.stdout).not.toMatch(/sl_[0-9a-f]{12}_\S{32}/);
    const badExpiry = await runCli(['key', 'create', '--scope', 'read', '--sources', 'shop', '--expires', 'soon'], env);
    expect(badExpiry.code).toBe(1);
    expect(badExpiry.stderr).toMatch(/--expires expects a number of days/);

    const verify = await runCli(['audit', 'verify'], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/intact/);
  });

  it('work through a running server: a key made there works at once, a revoked one stops at once', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir });
    try {
      const env = { SIGHTLINE_PORT: new URL(server.url).port, SIGHTLINE_DATA_DIR: dataDir };
      const made = await runCli(['key', 'create', '--scope', 'ingest', '--sources', 'shop', '--name', 'shop ingest'], env);
      expect(made.code).toBe(0);
      const secret = /Key \(shown once; keep it secret\): (\S+)/.exec(made.stdout)![1]!;
      const id = /Created key ([0-9a-f]{12})/.exec(made.stdout)![1]!;
      const send = (source: string) =>
        fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify([{ source, name: 'order_completed' }]),
        });
      expect((await send('shop')).status).toBe(200);
      expect((await send('tasks')).status).toBe(403);
      expect((await runCli(['key', 'revoke', id], env)).stdout).toMatch(/Revoked key/);
      expect((await send('shop')).status).toBe(401);

      // The command line acts as the local operator, and the trail says so.
      const audit = await fetch(`${server.url}/v1/audit?action=key.`, { headers: await server.auth() });
      const actions = ((await audit.json()) as { entries: { action: string; actor: string }[] }).entries;
      expect(actions.map((e) => e.action)).toEqual(['key.revoke', 'key.create']);
      for (const entry of actions) expect(entry.actor).toMatch(/^cli:/);
    } finally {
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    }
  });
});
