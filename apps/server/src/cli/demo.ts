import type { Config } from '../config.js';
import { generateDemoBatches, type DemoOptions } from '../features/packs/index.js';
import type { IngestService } from '../features/ingest/service.js';
import { openApi } from './api-client.js';

export interface DemoLoadResult {
  accepted: number;
  duplicates: number;
  seconds: number;
  via: 'server' | 'data-dir';
}

/** Batches in flight at once: enough for group commit to merge them, few enough to bound memory. */
const IN_FLIGHT = 4;

/**
 * Loads the demo packs through the ingest path: over HTTP when a server answers on the configured
 * address (DuckDB allows one writing process), else straight into the data dir.
 */
export async function loadDemo(config: Config, options: DemoOptions, log: (line: string) => void): Promise<DemoLoadResult> {
  const api = await openApi(config);
  try {
    if (api.app) {
      log(`Loading ${options.events} demo events into ${config.dataDir}…`);
      return await loadDemoInto(api.app.ingest, options, log);
    }
    log(`Loading ${options.events} demo events through the server at ${config.host}:${config.port}…`);
    return await run('server', options, log, async (batch) => {
      const response = await api.request('POST', '/v1/events', { events: batch });
      if (response.status !== 200) throw new Error(`the server refused a demo batch: ${JSON.stringify(response.body)}`);
      return response.body as { accepted: number; duplicates: number };
    });
  } finally {
    await api.close();
  }
}

/** Loads the demo into an app that is already running in this process (`sightline start --demo`). */
export function loadDemoInto(ingest: IngestService, options: DemoOptions, log: (line: string) => void): Promise<DemoLoadResult> {
  return run('data-dir', options, log, (batch) => ingest.ingest(batch));
}

async function run(
  via: DemoLoadResult['via'],
  options: DemoOptions,
  log: (line: string) => void,
  send: (batch: unknown[]) => Promise<{ accepted: number; duplicates: number }>,
): Promise<DemoLoadResult> {
  const started = performance.now();
  let accepted = 0;
  let duplicates = 0;
  let sent = 0;
  let nextReport = 0.25;
  const inFlight = new Set<Promise<void>>();
  for (const batch of generateDemoBatches(options)) {
    const job = send(batch).then((result) => {
      accepted += result.accepted;
      duplicates += result.duplicates;
      sent += batch.length;
      if (sent / options.events >= nextReport) {
        log(`  ${Math.round((sent / options.events) * 100)} % (${sent} events)`);
        nextReport += 0.25;
      }
    });
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job)).catch(() => undefined);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { accepted, duplicates, seconds: (performance.now() - started) / 1000, via };
}
