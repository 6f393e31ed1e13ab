// Production-tier benchmark: the embedded tier (DuckDB) and the PostgreSQL tier side by side in one
// run. Ingest: HTTP batches of 100 events with durable answers on both tiers, against a raw COPY of
// the same rows into PostgreSQL (and the raw DuckDB appender, bench/ingest.js). Queries: the core
// bench's dashboard questions over the demo data set, each answered from raw events, from rollups,
// and through the API again (cache), on both tiers.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { buildApp } from '../apps/server/dist/app.js';
import { loadConfig } from '../apps/server/dist/config.js';
import { openDuckDbStores } from '../apps/server/dist/store/duckdb/index.js';
import { openPostgresStores } from '../apps/server/dist/store/postgres/index.js';
import { PORTABLE_TABLES } from '../apps/server/dist/store/portable.js';
import { PACK_ROLLUP_DIMENSIONS } from '../apps/server/dist/features/packs/index.js';
import { planQuery, postgresDialect, duckdbDialect } from '../packages/query/dist/index.js';
import { BENCH_ADMIN, createKey, login } from './lib/credentials.js';
import { dataset } from './lib/dataset.js';
import { sampleEvents } from './lib/events.js';
import { load } from './lib/load.js';
import { ROOT, startSightline } from './lib/processes.js';
import { percentile, round } from './lib/stats.js';

const DAY = 86_400_000;
const PG_BASE = process.env.SIGHTLINE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const pgUrl = (database) => `${PG_BASE}/${database}`;
const REDIS_URL = process.env.SIGHTLINE_BENCH_REDIS ?? 'redis://127.0.0.1:6379/0';

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: pgUrl('postgres') });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const createDatabase = (name) => adminQuery(`CREATE DATABASE ${name}`);
const dropDatabase = (name) => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

/** COPY text format: tabs, newlines and backslashes escaped, \N for null. */
const copyText = (v) => (v === null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r'));

/**
 * The raw reference: COPY of the same rows into a table of the events' columns with the (source, id)
 * key our idempotency needs, in 100-row transactions (what a durable answer per batch of 100 costs
 * at least) and in one stream (the database's ceiling).
 */
async function rawCopy(rows, perTransaction) {
  const database = `sl_bench_copy_${randomUUID().slice(0, 8)}`;
  await createDatabase(database);
  const client = new pg.Client({ connectionString: pgUrl(database) });
  await client.connect();
  try {
    await client.query(`CREATE TABLE events (seq BIGINT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
      ts TIMESTAMPTZ NOT NULL, actor TEXT, value DOUBLE PRECISION, props JSONB, received_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (source, id))`);
    const sample = sampleEvents(10_000);
    const lines = sample.map((e) => [e.source, e.name, e.ts, e.actor, e.value, JSON.stringify(e.props)].map(copyText));
    const received = new Date().toISOString();
    const started = performance.now();
    for (let start = 0; start < rows; start += perTransaction) {
      const n = Math.min(perTransaction, rows - start);
      const text = [];
      for (let i = start; i < start + n; i++) {
        const [source, name, ts, actor, value, props] = lines[i % lines.length];
        text.push(`${i}\t${source}\traw-${i}\t${name}\t${ts}\t${actor}\t${value}\t${props}\t${received}\n`);
      }
      await pipeline(Readable.from([text.join('')]), client.query(copyStreams.from('COPY events FROM STDIN')));
    }
    return Math.round(rows / ((performance.now() - started) / 1000));
  } finally {
    await client.end();
    await dropDatabase(database);
  }
}

/** Batches of 100 events over HTTP with an ingest key, as bench/ingest.js does. */
async function httpIngest(env, seconds) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-bench-tiers-'));
  const server = await startSightline(dataDir, env);
  try {
    const key = await createKey(server.url, await login(server.url), { name: 'bench ingest', scopes: ['ingest'], sources: ['shop'] });
    const body = JSON.stringify({ events: sampleEvents(100) });
    const result = await load({ url: `${server.url}/v1/events`, body, connections: 100, seconds, headers: { authorization: `Bearer ${key}` } });
    return {
      batch100_events_per_s: result.requests_per_s * 100,
      latency_p50_ms: result.latency_p50_ms,
      latency_p99_ms: result.latency_p99_ms,
      non_2xx: result.non_2xx + result.errors,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The demo data set in PostgreSQL: copied once from the embedded data set through the stores'
 * portable tables (what `sightline restore` does) into a database kept for later runs.
 */
async function postgresDataset(data, events) {
  const database = `sightline_bench_demo_${events}`;
  const marker = path.join(ROOT, '.bench', `pg-demo-${events}.json`);
  const existing = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${database}'`);
  if (existsSync(marker) && existing.rowCount === 1 && JSON.parse(readFileSync(marker, 'utf8')).end === data.end) return { url: pgUrl(database) };
  await dropDatabase(database);
  await createDatabase(database);
  const started = Date.now();
  const source = await openDuckDbStores(data.dir);
  const target = await openPostgresStores(pgUrl(database));
  try {
    await target.portable.restore(async (write) => {
      for (const table of PORTABLE_TABLES) for await (const rows of source.portable.read(table.name)) await write(table.name, rows);
    });
  } finally {
    await source.close();
    await target.close();
  }
  writeFileSync(marker, JSON.stringify({ end: data.end, load_seconds: Math.round((Date.now() - started) / 1000) }));
  return { url: pgUrl(database) };
}

/** The core bench's questions (bench/query.js) over the 30 days before `to`. */
function cases(from, to) {
  const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  return {
    trend_30d_day_by_name: { source: 'shop', measures: [{ as: 'events', fn: 'count' }], dimensions: ['name'], interval: 'day', range },
    revenue_by_day: { source: 'shop', measures: [{ as: 'revenue', fn: 'sum' }, { as: 'orders', fn: 'count' }], filters: [{ field: 'name', op: 'eq', value: 'order_completed' }], interval: 'day', range },
    breakdown_by_prop: {
      source: 'shop',
      measures: [{ as: 'revenue', fn: 'sum' }, { as: 'orders', fn: 'count' }],
      dimensions: ['props.country'],
      filters: [{ field: 'name', op: 'eq', value: 'order_completed' }],
      range,
    },
    last_7d_hourly: { source: 'shop', measures: [{ as: 'events', fn: 'count' }], interval: 'hour', range: { last: '7d' } },
    funnel_3_steps: { kind: 'funnel', source: 'shop', steps: [{ name: 'product_view' }, { name: 'add_to_cart' }, { name: 'order_completed' }], window: '1d', range },
    uniq_actors_by_day: { source: 'shop', measures: [{ as: 'actors', fn: 'uniq' }], interval: 'day', range },
  };
}

async function timed(rounds, fn) {
  for (let i = 0; i < 2; i++) await fn();
  const ms = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50_ms: round(percentile(ms, 50)), p95_ms: round(percentile(ms, 95)) };
}

/**
 * The packs' rollup dimensions, declared through the sources API as `sightline demo` does (a data
 * set made before rollups existed gets them here; its rollups are rebuilt once).
 */
async function declarePackDimensions(app, headers) {
  for (const [source, dimensions] of PACK_ROLLUP_DIMENSIONS) {
    if (dimensions.length === 0) continue;
    const current = await app.inject({ url: `/v1/sources/${source}`, headers });
    if (current.statusCode === 200 && current.json().rollup.dimensions.length > 0) continue;
    const payload = { rollup: { dimensions: [...dimensions] } };
    const res =
      current.statusCode === 404
        ? await app.inject({ method: 'POST', url: '/v1/sources', payload: { name: source, ...payload }, headers })
        : await app.inject({ method: 'PATCH', url: `/v1/sources/${source}`, payload, headers });
    if (res.statusCode >= 300) throw new Error(`declaring ${source}'s dimensions: ${res.body}`);
  }
}

/** Deletes every key under `prefix` (the bench's own, never another's). */
async function dropRedisPrefix(url, prefix) {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Per case: the engine's statements run on the store from raw events and from rollups, then the
 * whole API path with the result cache off (rollups where they answer) and on (a repeated query:
 * in-process, and through Redis when `redisUrl` is given).
 */
async function tierQueries(tier, stores, config, now, rounds, redisUrl) {
  const dialect = tier === 'postgres' ? postgresDialect : duckdbDialect;
  const noCache = { ...config.cache, relativeSeconds: 0, relativeFunnelSeconds: 0, absoluteSeconds: 0 };
  const prefix = `sl-bench-${randomUUID().slice(0, 8)}:`;
  const apps = {
    uncached: await buildApp({ ...config, cache: noCache }, { stores, clock: () => now, runJobs: false }),
    cached: await buildApp(config, { stores, clock: () => now, runJobs: false }),
    ...(redisUrl ? { redis: await buildApp({ ...config, redisUrl, redisPrefix: prefix }, { stores, clock: () => now, runJobs: false }) } : {}),
  };
  const figures = {};
  try {
    const token = (await apps.cached.inject({ method: 'POST', url: '/v1/auth/login', payload: BENCH_ADMIN })).json().access_token;
    const headers = { authorization: `Bearer ${token}` };
    await declarePackDimensions(apps.cached, headers);
    const metrics = new Map((await apps.cached.inject({ url: '/v1/metrics', headers })).json().metrics.map((m) => [m.name, m]));
    for (const [name, query] of Object.entries(cases(now - 30 * DAY, now))) {
      const run = (plan) => async () => plan.finish(await Promise.all(plan.statements.map((s) => stores.events.query(s.sql, s.params))));
      const rawPlan = planQuery(query, { now, metrics, dialect });
      const rollupPlan = planQuery(query, { now, metrics, dialect, rollups: stores.events.rollupLayout() });
      const rawAnswer = await run(rawPlan)();
      const api = (app) => async () => {
        const res = await app.inject({ method: 'POST', url: '/v1/query', payload: query, headers });
        if (res.statusCode !== 200) throw new Error(`${tier} ${name}: ${res.body}`);
        return res.json();
      };
      const apiAnswer = await api(apps.uncached)();
      const entry = { raw: await timed(Math.min(rounds, 15), run(rawPlan)) };
      if (rollupPlan.rollup) entry.rollup = { ...(await timed(rounds, run(rollupPlan))), grains: rollupPlan.rollup };
      entry.api_no_cache = await timed(rounds, api(apps.uncached));
      entry.api_cached = { ...(await timed(rounds, api(apps.cached))), hit: (await api(apps.cached)()).meta.cached === true };
      if (apps.redis) entry.api_cached_redis = { ...(await timed(rounds, api(apps.redis))), hit: (await api(apps.redis)()).meta.cached === true };
      entry.same_answer = sameRows(rawAnswer.rows, (await run(rollupPlan)()).rows) && sameRows(rawAnswer.rows, apiAnswer.rows);
      figures[name] = entry;
    }
  } finally {
    for (const app of Object.values(apps)) await app.close();
    if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
  }
  return figures;
}

/** Equal rows, doubles to 1e-9 relative (sums over rollups add in another order). */
function sameRows(a, b) {
  if (a.length !== b.length) return false;
  return a.every((row, i) =>
    row.every((v, j) => {
      const w = b[i][j];
      if (typeof v === 'number' && typeof w === 'number') return Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(v), Math.abs(w));
      return v === w;
    }),
  );
}

export async function benchTiers({ events = 10_000_000, seconds = 10, rounds = 30 } = {}) {
  const figures = { ingest: {}, queries: {} };
  // Ingest: a fresh PostgreSQL database per run.
  const ingestDb = `sl_bench_ingest_${randomUUID().slice(0, 8)}`;
  await createDatabase(ingestDb);
  try {
    figures.ingest.duckdb = await httpIngest({}, seconds);
    figures.ingest.postgres = await httpIngest({ SIGHTLINE_DATABASE_URL: pgUrl(ingestDb) }, seconds);
  } finally {
    await dropDatabase(ingestDb);
  }
  figures.ingest.postgres_raw_copy_100_per_tx_rows_per_s = await rawCopy(200_000, 100);
  figures.ingest.postgres_raw_copy_stream_rows_per_s = await rawCopy(1_000_000, 1_000_000);
  figures.ingest.postgres_ratio_to_raw_copy_100 = round(figures.ingest.postgres.batch100_events_per_s / figures.ingest.postgres_raw_copy_100_per_tx_rows_per_s);
  figures.ingest.postgres_ratio_to_raw_copy_stream = round(figures.ingest.postgres.batch100_events_per_s / figures.ingest.postgres_raw_copy_stream_rows_per_s);

  const data = dataset(events);
  const off = { ip: { points: 0, seconds: 1 }, user: { points: 0, seconds: 1 }, key: { points: 0, seconds: 1 } };
  const base = { logLevel: 'warn', adminEmail: BENCH_ADMIN.email, adminPassword: BENCH_ADMIN.password, rateLimits: { ingest: off, query: off, auth: off, api: off } };
  const duck = await openDuckDbStores(data.dir);
  try {
    figures.queries.duckdb = await tierQueries('duckdb', duck, loadConfig({}, { ...base, dataDir: data.dir }), data.end, rounds, REDIS_URL);
  } finally {
    await duck.close();
  }
  // Copied after the embedded tier's run, which declared the packs' dimensions.
  const pgData = await postgresDataset(data, events);
  const post = await openPostgresStores(pgData.url);
  try {
    figures.queries.postgres = await tierQueries('postgres', post, loadConfig({}, { ...base, dataDir: data.dir, databaseUrl: pgData.url }), data.end, rounds, REDIS_URL);
  } finally {
    await post.close();
  }
  figures.events = events;
  return figures;
}
