// Authentication and rate-limit benchmark, against one server process:
// (a) one API key ingesting at 10x its per-key limit is held to the limit, while a second key
//     sending at a modest rate at the same time is not refused once;
// (b) the latency authentication adds to a request: the same trivial route with an API key, with a
//     JWT access token, and a public route of the same weight without credentials.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKey, login } from './lib/credentials.js';
import { sampleEvents } from './lib/events.js';
import { load } from './lib/load.js';
import { loadInProcess } from './lib/load-process.js';
import { startSightline } from './lib/processes.js';

/** The per-key ingest limit under test, requests per second. */
const KEY_LIMIT = 200;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One GET over a kept-alive connection; resolves with the status once the body is read. */
function get(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', reject);
  });
}

/**
 * Latency of each variant, one request at a time (so that it is the server's time per request, not
 * a queue), each on its own kept-alive connection, interleaved round by round so that a noisy moment
 * of this shared machine hits all variants alike.
 */
async function sequentialLatency(variants, rounds) {
  const agents = variants.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const times = variants.map(() => []);
  try {
    for (let i = 0; i < rounds + 500; i++) {
      for (const [v, variant] of variants.entries()) {
        const started = performance.now();
        const status = await get(agents[v], variant.url, variant.headers);
        const ms = performance.now() - started;
        if (status !== 200) throw new Error(`${variant.name}: answered ${status}`);
        if (i >= 500) times[v].push(ms); // the first 500 rounds warm up
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return Object.fromEntries(
    variants.map((variant, v) => {
      const sorted = times[v].sort((a, b) => a - b);
      return [variant.name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }];
    }),
  );
}

export async function benchAuth({ seconds = 10 } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-bench-auth-'));
  // Per-key ingest limit of KEY_LIMIT/s; the per-address limit is off, because both keys send from
  // this one address and the point is the per-key limit. Everything else is generous.
  const server = await startSightline(dataDir, { SIGHTLINE_RATE_LIMIT_INGEST: `ip=0,user=100000000/1s,key=${KEY_LIMIT}/1s` });
  try {
    const admin = await login(server.url);
    const floodKey = await createKey(server.url, admin, { name: 'flood', scopes: ['ingest'], sources: ['shop'] });
    const quietKey = await createKey(server.url, admin, { name: 'quiet', scopes: ['ingest'], sources: ['shop'] });
    const readKey = await createKey(server.url, admin, { name: 'latency', scopes: ['read'], sources: ['shop'] });

    // (a) 10x the limit from one key, a quarter of the limit from another, concurrently; before
    // that, the quiet key alone, as the reference of its rate and latency. The flood comes from a
    // process of its own: sharing this one's event loop, it would slow the quiet client's own
    // measurement. The quiet client keeps 10 connections (5 requests/s each), so that a slower
    // answer lowers its rate only when it takes over 200 ms.
    const body = JSON.stringify(sampleEvents(1));
    const ingest = (key, connections, overallRate) => ({
      url: `${server.url}/v1/events`,
      body,
      connections,
      seconds,
      overallRate,
      headers: { authorization: `Bearer ${key}` },
    });
    const quietAlone = await load(ingest(quietKey, 10, KEY_LIMIT / 4));
    const [flood, quiet] = await Promise.all([loadInProcess(ingest(floodKey, 50, 10 * KEY_LIMIT)), load(ingest(quietKey, 10, KEY_LIMIT / 4))]);
    const audit = await fetch(`${server.url}/v1/audit?action=access.rate_limited&limit=1000`, { headers: { authorization: `Bearer ${admin}` } });
    const auditEntries = (await audit.json()).entries.length;

    // (b) GET /v1/auth/me and GET /health both answer a few fields from memory, with no store
    // access, so the difference between them is what the guard does for a credential: verify the
    // JWT (HS256) and look up its session, or hash and look up the API key, plus the principal's
    // rate-limit counter. Both pass the same per-address limit, CORS, security-header and logging
    // hooks.
    const rounds = Math.max(2000, seconds * 500);
    const latency = await sequentialLatency(
      [
        { name: 'public', url: `${server.url}/health`, headers: {} },
        { name: 'api_key', url: `${server.url}/v1/auth/me`, headers: { authorization: `Bearer ${readKey}` } },
        { name: 'jwt', url: `${server.url}/v1/auth/me`, headers: { authorization: `Bearer ${admin}` } },
      ],
      rounds,
    );

    return {
      key_limit_per_s: KEY_LIMIT,
      flood_sent_per_s: flood.sent_per_s,
      flood_accepted_per_s: flood.requests_per_s,
      flood_accepted_ratio_to_limit: round(flood.requests_per_s / KEY_LIMIT),
      flood_429: flood.rate_limited,
      flood_other_non_2xx: flood.non_2xx - flood.rate_limited + flood.errors,
      quiet_sent_per_s: quiet.sent_per_s,
      quiet_accepted_per_s: quiet.requests_per_s,
      quiet_429: quiet.rate_limited,
      quiet_other_non_2xx: quiet.non_2xx - quiet.rate_limited + quiet.errors,
      quiet_latency_p50_ms: quiet.latency_p50_ms,
      quiet_latency_p99_ms: quiet.latency_p99_ms,
      quiet_alone_accepted_per_s: quietAlone.requests_per_s,
      quiet_alone_429: quietAlone.rate_limited,
      quiet_alone_latency_p50_ms: quietAlone.latency_p50_ms,
      quiet_alone_latency_p99_ms: quietAlone.latency_p99_ms,
      rate_limited_audit_entries: auditEntries,
      latency_rounds: rounds,
      public_p50_ms: round(latency.public.p50),
      public_p99_ms: round(latency.public.p99),
      api_key_p50_ms: round(latency.api_key.p50),
      api_key_p99_ms: round(latency.api_key.p99),
      jwt_p50_ms: round(latency.jwt.p50),
      jwt_p99_ms: round(latency.jwt.p99),
      api_key_added_p50_ms: round(latency.api_key.p50 - latency.public.p50),
      api_key_added_p99_ms: round(latency.api_key.p99 - latency.public.p99),
      jwt_added_p50_ms: round(latency.jwt.p50 - latency.public.p50),
      jwt_added_p99_ms: round(latency.jwt.p99 - latency.public.p99),
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
