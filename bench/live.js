// Live-channel benchmark (`npm run bench:live`; `--connections N --seconds N` for smaller runs).
// N concurrent authenticated WebSocket connections (default 10,000) to one server process, opened
// from a client process of their own (lib/live-clients.js), spread over Q distinct live queries
// (default 100; connection i subscribes to query i % Q), while a third process
// (lib/live-ingest.js) ingests 10,000 events/s (100 batches of 100 per second) with an API key.
//
// What is measured:
// - connect time: `new WebSocket()` → `ready` of probe connections opened one at a time from this
//   process (which does nothing else meanwhile), with the N connections held: 50 before the ingest
//   (`quiet_connect_*`) and one every 100 ms during it (`connect_*`, the headline). The N
//   connections themselves are opened `concurrency` handshakes at a time (`bulk_*`): their times
//   are mostly that queue (concurrency ÷ rate), so they are reported apart, with the rate.
// - update latency: from a batch's ingest answer (wall clock in the ingest process) to the first
//   update callback of a sampled connection whose result includes the batch (wall clock in the
//   client process), for every (sampled connection, batch) pair; a pair never seen counts as
//   infinitely late (and is counted). Exact, because each ingest lane sends its batches one after
//   the other, numbered: a result whose max(value) for a lane is ≥ s includes the lane's batch s.
// - the server's RSS (peak) and CPU (mean over the ingest, % of one core; 200 % = both cores), from
//   /proc; the client and ingest processes' CPU too, to show whether they kept up.
// - the recompute cost: one of the queries alone at the end (meta.took_ms, median of 5), and the
//   took_ms that the live updates themselves carried during the ingest.
// The reference, in the same run, is a bare `ws` server (lib/live-bare-server.js) under the same
// clients, probes and ingest, pushing the same rows per topic under the same schedule (4 updates a second per topic, the server's default):
// the cost of the WebSocket fan-out and of the update schedule alone, without auth, Fastify,
// storage or queries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKey, login, serverEnv } from './lib/credentials.js';
import { probeConnect, startClients } from './lib/live-clients.js';
import { batchBody, runIngest } from './lib/live-ingest.js';
import { ProcessSampler, mib, round, summary } from './lib/live-stats.js';
import { ROOT, startProcess } from './lib/processes.js';

const log = (line) => process.stderr.write(`live: ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Query i of the bench: per lane (actor), the count of events and the highest batch number, over
 * the last hour, without the events named `q<i>` (there are none: the filter only makes the 100
 * queries distinct, so each is computed on its own, while every batch touches every one of them).
 * Typed columns only, so the recompute cost is DuckDB's scan, not JSON extraction.
 */
export function liveQuery(i) {
  return {
    source: 'livebench',
    measures: [
      { as: 'n', fn: 'count' },
      { as: 'seq', fn: 'max', of: 'value' },
    ],
    dimensions: ['actor'],
    range: { last: '1h' },
    filters: [{ field: 'name', op: 'neq', value: `q${i}` }],
  };
}

async function postJson(url, body, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

async function liveGauges(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { connections: gauge('sightline_live_connections'), queries: gauge('sightline_live_queries') };
}

async function bareGauges(url) {
  const stats = await (await fetch(`${url}/stats`)).json();
  return { connections: stats.connections, queries: stats.topics };
}

/**
 * Probe connections one at a time (one every `gapMs`) from this process, which does nothing else
 * meanwhile, while `keepGoing()` holds or until `count` are done: the connect time a client sees,
 * not the queue of a thundering herd.
 */
async function probes(wsUrl, token, { queries, count = Infinity, keepGoing = () => true, gapMs = 100 }) {
  const times = { open: [], ready: [], subscribe: [] };
  let failures = 0;
  for (let i = 0; i < count && keepGoing(); i++) {
    try {
      const t = await probeConnect(wsUrl, token, liveQuery(i % queries));
      times.open.push(t.open);
      times.ready.push(t.ready);
      times.subscribe.push(t.subscribe);
    } catch (error) {
      if (failures++ === 0) log(`probe connection failed: ${error.message}`);
    }
    await sleep(gapMs);
  }
  return {
    count: times.ready.length,
    failures,
    ...summary(times.open, 'open'),
    ...summary(times.ready, 'connect'),
    ...summary(times.subscribe, 'subscribe'),
  };
}

/** Runs the given promise, failing after `ms` with `what`. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * One measured run against a server already started: connect the clients, ingest, wait for the
 * last updates, collect the figures. `children` collects the processes to kill on failure.
 */
async function runPhase({ name, server, wsUrl, token, ingestUrl, ingestKey, gauges, o, children }) {
  const sampler = new ProcessSampler({ server: server.child.pid });
  const clients = startClients({
    url: wsUrl,
    token,
    connections: o.connections,
    queries: o.queries,
    queryBodies: Array.from({ length: o.queries }, (_, i) => liveQuery(i)),
    concurrency: o.concurrency,
    samplePerQuery: o.samplePerQuery,
    lanes: o.lanes,
  });
  children.push(() => clients.kill());
  sampler.add('clients', clients.child.pid);
  try {
    log(`${name}: opening ${o.connections} connections (${o.concurrency} handshakes at a time)`);
    sampler.mark('start');
    const connect = await within(Math.max(180_000, o.connections * 30), `${name} connect phase`, clients.connect());
    sampler.mark('connected');
    const atConnect = await gauges();
    log(`${name}: ${connect.live} live in ${round(connect.seconds)} s (bulk connect p95 ${connect.connect_p95_ms} ms); server sees ${atConnect.connections} connections, ${atConnect.queries} queries`);
    const quiet = await probes(wsUrl, token, { queries: o.queries, count: 50 });
    log(`${name}: probe connect p95 with ${o.connections} connections held, no ingest: ${quiet.connect_p95_ms} ms`);

    log(`${name}: ingesting ${o.batchesPerSecond * o.eventsPerBatch} events/s for ${o.seconds} s`);
    sampler.peakWindow = true;
    sampler.mark('ingest');
    let midRun;
    const midTimer = setTimeout(() => {
      gauges().then((g) => (midRun = g), () => undefined);
    }, o.seconds * 500);
    let ingesting = true;
    const busyProbes = probes(wsUrl, token, { queries: o.queries, keepGoing: () => ingesting });
    const ingest = await within(o.seconds * 1000 + 120_000, `${name} ingest`, runIngest(
      { url: ingestUrl, key: ingestKey, lanes: o.lanes, batchesPerSecond: o.batchesPerSecond, eventsPerBatch: o.eventsPerBatch, seconds: o.seconds },
      (child) => {
        sampler.add('ingest', child.pid);
        children.push(() => child.exitCode === null && child.kill('SIGKILL'));
      },
    ));
    clearTimeout(midTimer);
    sampler.mark('ingested');
    sampler.peakWindow = false;
    ingesting = false;
    const busy = await busyProbes;
    log(`${name}: probe connect p95 during ingest: ${busy.connect_p95_ms} ms (${busy.count} probes)`);
    log(`${name}: ${ingest.events_per_s} events/s accepted (answer p99 ${ingest.answer_p99_ms} ms, failures ${JSON.stringify(ingest.failures)})`);

    // The last batches' updates: wait until every sampled connection has seen every answered batch (at most 30 s).
    const settleStarted = performance.now();
    let unseen = Infinity;
    while (performance.now() - settleStarted < 30_000) {
      unseen = (await clients.pending(ingest.answers)).unseen;
      if (unseen === 0) break;
      await sleep(250);
    }
    const settleSeconds = (performance.now() - settleStarted) / 1000;
    const report = await clients.report(ingest.answers);
    sampler.mark('settled');
    log(`${name}: update p50 ${report.update_p50_ms} ms, p99 ${report.update_p99_ms} ms, ${report.missing_pairs} (connection, batch) pairs never seen`);
    await clients.close();
    sampler.stop();
    const ingestSeconds = ingest.seconds;
    return {
      connections: o.connections,
      connected: connect.connected,
      subscribed: connect.live,
      connect_p50_ms: busy.connect_p50_ms,
      connect_p95_ms: busy.connect_p95_ms,
      connect_p99_ms: busy.connect_p99_ms,
      open_p95_ms: busy.open_p95_ms,
      probe_subscribe_p95_ms: busy.subscribe_p95_ms,
      probes: busy.count,
      probe_failures: busy.failures,
      quiet_connect_p50_ms: quiet.connect_p50_ms,
      quiet_connect_p95_ms: quiet.connect_p95_ms,
      quiet_open_p95_ms: quiet.open_p95_ms,
      quiet_probe_failures: quiet.failures,
      bulk_connect_failures: connect.failures,
      bulk_connect_seconds: round(connect.seconds),
      bulk_connect_per_s: Math.round(connect.live / connect.seconds),
      connect_concurrency: o.concurrency,
      bulk_open_p95_ms: connect.open_p95_ms,
      bulk_connect_p50_ms: connect.connect_p50_ms,
      bulk_connect_p95_ms: connect.connect_p95_ms,
      bulk_subscribe_p95_ms: connect.subscribe_p95_ms,
      server_connections_seen: atConnect.connections,
      server_connections_seen_mid_ingest: midRun?.connections ?? null,
      server_live_queries: atConnect.queries,
      target_events_per_s: o.batchesPerSecond * o.eventsPerBatch,
      events_per_s: ingest.events_per_s,
      ingest_seconds: ingestSeconds,
      ingest_batches: ingest.batches,
      ingest_failures: ingest.failures,
      ingest_answer_p50_ms: ingest.answer_p50_ms,
      ingest_answer_p99_ms: ingest.answer_p99_ms,
      update_p50_ms: report.update_p50_ms,
      update_p95_ms: report.update_p95_ms,
      update_p99_ms: report.update_p99_ms,
      update_max_ms: report.update_max_ms,
      update_min_ms: report.update_min_ms,
      update_first_listener_p50_ms: report.update_first_listener_p50_ms,
      update_first_listener_p99_ms: report.update_first_listener_p99_ms,
      update_took_p50_ms: report.update_took_p50_ms,
      update_took_p99_ms: report.update_took_p99_ms,
      latency_sampled_connections: report.sampled_connections,
      latency_pairs: report.latency_pairs,
      latency_pairs_never_seen: report.missing_pairs,
      settle_seconds: round(settleSeconds),
      updates_received: report.updates_received,
      updates_per_connection_per_s: round(report.updates_received / o.connections / ingestSeconds),
      client_errors: report.errors,
      client_unexpected_closes: report.unexpected_closes,
      server_rss_after_connect_mib: sampler.rssAt('server', 'connected'),
      server_rss_peak_mib: mib(sampler.peakRss.server),
      server_cpu_connect_pct: sampler.cpuBetween('server', 'start', 'connected'),
      server_cpu_mean_pct: sampler.cpuBetween('server', 'ingest', 'ingested'),
      server_cpu_peak_pct: round(sampler.peakCpu.server, 1),
      clients_cpu_connect_pct: sampler.cpuBetween('clients', 'start', 'connected'),
      clients_cpu_mean_pct: sampler.cpuBetween('clients', 'ingest', 'ingested'),
      clients_rss_peak_mib: mib(sampler.peakRss.clients),
      ingest_cpu_mean_pct: ingest.cpu_pct,
    };
  } finally {
    sampler.stop();
    clients.kill();
  }
}

/** The time one live query takes alone on the server (its `meta.took_ms`), median of 5 runs. */
async function recomputeCost(url, token, queries) {
  const tooks = [];
  let events = 0;
  for (let i = 0; i < 5; i++) {
    const answer = await postJson(`${url}/v1/query`, liveQuery(i % queries), token);
    tooks.push(answer.meta.took_ms);
    const n = answer.columns.findIndex((c) => c.name === 'n');
    events = answer.rows.reduce((sum, row) => sum + row[n], 0);
  }
  tooks.sort((a, b) => a - b);
  return { query_took_ms: tooks[2], query_took_min_ms: tooks[0], query_events: events };
}

export async function benchLive(options = {}) {
  const o = {
    connections: 10_000,
    seconds: 30,
    queries: 100,
    concurrency: 50,
    samplePerQuery: 5,
    lanes: 50,
    batchesPerSecond: 100,
    eventsPerBatch: 100,
    // The server's default SIGHTLINE_LIVE_QUERY_UPDATES_PER_SECOND.
    updatesPerSecond: 4,
    cpuProfileDir: undefined,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const children = [];
  const dirs = [];
  const cleanUp = () => {
    for (const kill of children.splice(0)) {
      try {
        kill();
      } catch {
        // already gone
      }
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    log(`${signal}: stopping the bench's processes`);
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // ---- Sightline ----
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-bench-live-'));
    dirs.push(dataDir);
    const profile = o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(o.cpuProfileDir)}`] : [];
    const server = await startProcess(
      [...profile, path.join(ROOT, 'bench/lib/sightline-server.js')],
      serverEnv({
        SIGHTLINE_DATA_DIR: dataDir,
        SIGHTLINE_LIVE_MAX_CONNECTIONS: String(Math.max(15_000, o.connections + 1000)),
        SIGHTLINE_LIVE_QUERY_UPDATES_PER_SECOND: String(o.updatesPerSecond),
      }),
    );
    children.push(() => server.child.exitCode === null && server.child.kill('SIGKILL'));
    let crashed;
    server.child.on('exit', (code, signal) => (crashed = `${code ?? signal}`));
    let sightline;
    let recompute;
    try {
      const admin = await login(server.url);
      const ingestKey = await createKey(server.url, admin, { name: 'live bench ingest', scopes: ['ingest'], sources: ['livebench'] });
      const readKey = await createKey(server.url, admin, { name: 'live bench read', scopes: ['read'], sources: ['livebench'] });
      // One batch of number 0 per lane, so that the queries have rows from the start.
      for (let l = 0; l < o.lanes; l++) await postJson(`${server.url}/v1/events`, batchBody(l, 0, o.eventsPerBatch), ingestKey);
      await postJson(`${server.url}/v1/query`, liveQuery(0), readKey); // fails early, and clearly, on a bad query
      sightline = await runPhase({
        name: 'sightline',
        server,
        wsUrl: `${server.url.replace('http', 'ws')}/v1/live`,
        token: readKey,
        ingestUrl: `${server.url}/v1/events`,
        ingestKey,
        gauges: () => liveGauges(server.url),
        o,
        children,
      });
      await sleep(1000);
      recompute = await recomputeCost(server.url, readKey, o.queries);
    } catch (error) {
      if (crashed !== undefined) throw new Error(`the Sightline server process exited (${crashed}) during the bench: ${error.message}`);
      throw error;
    } finally {
      if (crashed === undefined) await server.stop();
    }

    // ---- Reference: a bare ws server, same clients, same ingest ----
    const bare = await startProcess([path.join(ROOT, 'bench/lib/live-bare-server.js'), String(o.updatesPerSecond), String(o.lanes)]);
    children.push(() => bare.child.exitCode === null && bare.child.kill('SIGKILL'));
    let reference;
    try {
      reference = await runPhase({
        name: 'bare ws',
        server: bare,
        wsUrl: `${bare.url.replace('http', 'ws')}/v1/live`,
        token: 'unused',
        ingestUrl: `${bare.url}/v1/events`,
        ingestKey: undefined,
        gauges: () => bareGauges(bare.url),
        o,
        children,
      });
    } finally {
      await bare.stop();
    }

    return {
      connections: o.connections,
      queries: o.queries,
      connect_concurrency: o.concurrency,
      seconds: o.seconds,
      lanes: o.lanes,
      batch_events: o.eventsPerBatch,
      query_updates_per_s: o.updatesPerSecond,
      ...withoutShared(sightline),
      ...recompute,
      goal_connect_p95_ms: 10,
      goal_update_p99_ms: 100,
      goal_rss_mib: 1024,
      reference: withoutShared(reference),
    };
  } finally {
    cleanUp();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** A phase's figures without those given once at the top. */
function withoutShared(figures) {
  const { connections: _c, connect_concurrency: _cc, ...rest } = figures;
  return rest;
}
