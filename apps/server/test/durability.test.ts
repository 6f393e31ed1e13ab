import { rmSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir } from './support/harness.js';
import { startServerProcess, waitForExit } from './support/server-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function storedIds(dataDir: string): Promise<Set<string>> {
  // Opening the file replays DuckDB's write-ahead log, exactly as a restarted server would.
  const instance = await DuckDBInstance.create(path.join(dataDir, 'sightline.duckdb'));
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll("SELECT source || '/' || id FROM events");
  const ids = new Set(reader.getRows().map(([id]) => String(id)));
  connection.closeSync();
  instance.closeSync();
  return ids;
}

function batch(prefix: string, size: number) {
  return Array.from({ length: size }, (_, i) => ({
    id: `${prefix}-${i}`,
    source: 'durable',
    name: 'order_completed',
    actor: `u${i % 17}`,
    value: i,
    props: { i },
  }));
}

describe('durability', () => {
  it('a server killed with SIGKILL right after acknowledging has every acknowledged event after restart', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir });
    const headers = await server.auth();
    const acknowledged: string[] = [];
    let killed = false;
    let sent = 0;

    // Keep many batches in flight; kill the process the moment the 30th acknowledgement arrives,
    // while other batches are still being written.
    const send = async (n: number): Promise<void> => {
      const events = batch(`b${n}`, 200);
      sent++;
      try {
        const response = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ events }),
        });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        const body = (await response.json()) as { accepted: number };
        expect(body.accepted).toBe(200);
        if (killed) return;
        acknowledged.push(...events.map((e) => `durable/${e.id}`));
        if (acknowledged.length >= 30 * 200) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      } catch {
        // Requests cut off by the kill were never acknowledged: they may or may not be stored.
      }
    };
    // A rejected batch (one bad event) in the mix must leave nothing behind.
    const rejected = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ events: [...batch('rejected', 50), { source: 'durable' }] }),
    });
    expect(rejected.status).toBe(400);

    let n = 0;
    while (!killed && n < 400) {
      await Promise.all(Array.from({ length: 8 }, () => send(n++)));
    }
    await waitForExit(server.child);
    expect(killed).toBe(true);
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(sent).toBeGreaterThan(30);

    const ids = await storedIds(dataDir);
    const missing = acknowledged.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect([...ids].filter((id) => id.startsWith('durable/rejected-'))).toEqual([]);

    // And a restarted server counts the same ids as duplicates.
    const again = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir });
    try {
      const response = await fetch(`${again.url}/v1/events`, {
        method: 'POST',
        headers: await again.auth(),
        body: JSON.stringify({ events: batch('b0', 200) }),
      });
      expect(await response.json()).toEqual({ accepted: 0, duplicates: 200 });
    } finally {
      again.child.kill('SIGTERM');
      await waitForExit(again.child);
    }
  });

  it('SIGTERM drains: everything acknowledged before shutdown is stored and the process exits 0', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir });
    const headers = await server.auth();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(batch(`t${n}`, 100)) }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    server.child.kill('SIGTERM');
    await waitForExit(server.child);
    expect(server.child.exitCode).toBe(0);
    expect((await storedIds(dataDir)).size).toBe(1000);
  });
});
