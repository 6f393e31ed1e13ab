import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

export interface TestApp {
  app: FastifyInstance;
  dataDir: string;
  config: Config;
  close(): Promise<void>;
}

/** A fresh data dir under the OS temp dir, removed by the caller. */
export function makeDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'sightline-test-'));
}

/**
 * Builds an app on a fresh embedded store in a temp dir. `now` pins the clock (event-time defaults,
 * relative query ranges). `close()` shuts the app and removes the data dir unless `keep` is set.
 */
export async function startTestApp(
  opts: { now?: number; config?: Partial<Config>; dataDir?: string; keep?: boolean } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? makeDataDir();
  const config = loadConfig({}, { dataDir, logLevel: 'silent', ...opts.config });
  const now = opts.now;
  const app = await buildApp(config, now === undefined ? {} : { clock: () => now });
  await app.ready();
  return {
    app,
    dataDir,
    config,
    async close() {
      await app.close();
      if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
