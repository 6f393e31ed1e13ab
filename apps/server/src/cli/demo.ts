import type { Config } from '../config.js';
import { PACK_ROLLUP_DIMENSIONS, generateDemoBatches, type DemoOptions } from '../features/packs/index.js';
import type { FastifyInstance } from 'fastify';
import { inProcessApi, openApi, type Api } from './api-client.js';

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
    await declarePackDimensions(api, log);
    const app = api.app;
    if (app) {
      log(`Loading ${options.events} demo events into ${config.dataDir}…`);
      return await run('data-dir', options, log, (batch) => app.ingest.ingest(batch));
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

/**
 * Declares the rollup dimensions the packs' dashboards group and filter by, on sources that declare
 * none yet, before their events arrive: rollups are then kept from the first event on (a later
 * declaration rebuilds the source's rollups instead).
 */
async function declarePackDimensions(api: Api, log: (line: string) => void): Promise<void> {
  for (const [source, dimensions] of PACK_ROLLUP_DIMENSIONS) {
    if (dimensions.length === 0) continue;
    const current = await api.request('GET', `/v1/sources/${source}`);
    const declared = (current.body as { rollup?: { dimensions?: unknown[] } }).rollup?.dimensions ?? [];
    if (current.status === 200 && declared.length > 0) continue;
    const rollup = { dimensions: [...dimensions] };
    const response =
      current.status === 404
        ? await api.request('POST', '/v1/sources', { name: source, rollup })
        : await api.request('PATCH', `/v1/sources/${source}`, { rollup });
    if (response.status >= 300) throw new Error(`declaring the rollup dimensions of ${source} failed: ${JSON.stringify(response.body)}`);
    log(`Source ${source}: rollups by ${dimensions.join(', ')}.`);
  }
}

/** Loads the demo into an app that is already running in this process (`sightline start --demo`). */
export async function loadDemoInto(app: FastifyInstance, options: DemoOptions, log: (line: string) => void): Promise<DemoLoadResult> {
  await declarePackDimensions(await inProcessApi(app), log);
  return run('data-dir', options, log, (batch) => app.ingest.ingest(batch));
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
