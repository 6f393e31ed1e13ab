import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataDir } from './support/harness.js';
import { runCli, startServerProcess, waitForExit } from './support/server-process.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on, so the CLI works on the data dir directly. */
const NO_SERVER = { SIGHTLINE_PORT: '9' };
const ALL_SOURCES = ['shop', 'tasks', 'modelhub', 'system'];
const countQuery = JSON.stringify({ source: ALL_SOURCES, measures: [{ as: 'events', fn: 'count' }], dimensions: ['source'], range: { last: '11d' } });

function totals(stdout: string): Map<string, number> {
  const answer = JSON.parse(stdout) as { rows: [string, number][] };
  return new Map(answer.rows);
}

describe('sightline CLI', () => {
  it('demo loads into the data dir, idempotently; query prints JSON and tables', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const env = { ...NO_SERVER, SIGHTLINE_DATA_DIR: dataDir };

    const first = await runCli(['demo', '--events', '4000', '--days', '10', '--seed', '7'], env);
    expect(first.stderr).not.toMatch(/failed|error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Loaded 4000 events \(0 already present\).*via the data dir/);

    const again = await runCli(['demo', '--events', '4000', '--days', '10', '--seed', '7'], env);
    expect(again.stdout).toMatch(/Loaded 0 events \(4000 already present\)/);

    const json = await runCli(['query', '--json'], env, countQuery);
    expect(json.code).toBe(0);
    const bySource = totals(json.stdout);
    expect([...bySource.values()].reduce((a, b) => a + b, 0)).toBe(4000);
    for (const source of ALL_SOURCES) expect(bySource.get(source)).toBeGreaterThan(0);

    const table = await runCli(['query', '-'], env, countQuery);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^source\s+events$/);
    expect(lines[1]).toMatch(/^-+\s+-+$/);
    expect(lines.at(-1)).toBe('(4 rows)');

    const invalid = await runCli(['query'], env, '{"source":"shop","measures":[{"as":"x","fn":"median"}]}');
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stderr)).toMatchObject({ status: 422, errors: [{ path: '/measures/0/fn' }] });

    const bad = await runCli(['demo', '--events', 'many'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--events expects a positive integer/);
  });

  it('demo and query go through a running server, and say so', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    const server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir });
    try {
      const env = { SIGHTLINE_PORT: new URL(server.url).port, SIGHTLINE_DATA_DIR: dataDir };
      const demo = await runCli(['demo', '--events', '3000', '--days', '10'], env);
      expect(demo.code).toBe(0);
      expect(demo.stdout).toMatch(/Loaded 3000 events .*via the running server/);
      const json = await runCli(['query', '--json'], env, countQuery);
      expect([...totals(json.stdout).values()].reduce((a, b) => a + b, 0)).toBe(3000);

      // Every log line of a request carries its id; the answer echoes it.
      const traced = await fetch(`${server.url}/v1/query`, {
        method: 'POST',
        headers: { ...(await server.auth()), 'x-request-id': 'trace-me-42' },
        body: countQuery,
      });
      expect(traced.headers.get('x-request-id')).toBe('trace-me-42');
      await new Promise((r) => setTimeout(r, 200));
      const lines = server.output().split('\n').filter((l) => l.includes('trace-me-42')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) expect(line.reqId).toBe('trace-me-42');

      // Another process cannot open the file the server holds: a clear message, not a stack.
      const locked = await runCli(['demo', '--events', '10'], { ...NO_SERVER, SIGHTLINE_DATA_DIR: dataDir });
      expect(locked.code).toBe(1);
      expect(locked.stderr.trim()).toBe('The data directory is in use by another Sightline process that does not answer on the configured address.');
    } finally {
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    }
  });

  it('start --demo loads the demo on a first start with an empty store', async () => {
    const dataDir = makeDataDir();
    dirs.push(dataDir);
    // A small demo keeps the test quick; the size options of `demo` apply to `start --demo` too.
    const server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir }, ['--demo', '--events', '2000', '--days', '5']);
    try {
      const deadline = Date.now() + 30_000;
      let total = 0;
      while (Date.now() < deadline) {
        const res = await fetch(`${server.url}/v1/query`, { method: 'POST', headers: await server.auth(), body: countQuery });
        total = [...totals(await res.text()).values()].reduce((a, b) => a + b, 0);
        if (total >= 2000) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(total).toBe(2000);
    } finally {
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    }
  });
});
