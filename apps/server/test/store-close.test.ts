/**
 * Closing the embedded store while a query still runs (a dashboard query whose browser went away,
 * then a SIGTERM): the running statement is interrupted and waited for before its connection is
 * closed. Closing a DuckDB connection under a running statement deadlocked as the statement ended,
 * and the server process then never exited.
 */
import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { openDuckDbStores } from '../src/store/duckdb/index.js';
import { makeDataDir } from './support/harness.js';

it('interrupts a running query and closes', async () => {
  const dir = makeDataDir();
  const stores = await openDuckDbStores(dir);
  try {
    // Long enough (minutes) to be still running when the store closes.
    const running = stores.events.query('SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3', []);
    const outcome = running.then(() => 'finished', (error: unknown) => String(error));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stores.close();
    expect(await outcome).toMatch(/interrupt/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
