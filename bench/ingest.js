// Ingest benchmark: HTTP ingest of Sightline against the raw DuckDB appender and a bare Fastify route.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, DuckDBTimestampTZValue } from '@duckdb/node-api';
import { createKey, login } from './lib/credentials.js';
import { sampleEvents } from './lib/events.js';
import { load } from './lib/load.js';
import { startBareFastify, startSightline } from './lib/processes.js';

/**
 * The raw reference: DuckDB's appender writing the same rows into a table of the same schema
 * (`keyed`), or into the same table without its primary key, to show what the dedup key costs.
 */
async function rawAppender(rows, keyed = true) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sightline-bench-raw-'));
  try {
    const instance = await DuckDBInstance.create(path.join(dir, 'raw.duckdb'));
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE events (seq BIGINT NOT NULL, source VARCHAR NOT NULL, id VARCHAR NOT NULL,
      name VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, actor VARCHAR, value DOUBLE, props JSON,
      received_at TIMESTAMPTZ NOT NULL${keyed ? ', PRIMARY KEY (source, id)' : ''})`);
    const events = sampleEvents(10_000);
    const propsText = events.map((e) => JSON.stringify(e.props));
    const tsValues = events.map((e) => new DuckDBTimestampTZValue(BigInt(Date.parse(e.ts)) * 1000n));
    const started = performance.now();
    const appender = await connection.createAppender('events');
    for (let i = 0; i < rows; i++) {
      const e = events[i % events.length];
      appender.appendBigInt(BigInt(i));
      appender.appendVarchar(e.source);
      appender.appendVarchar(`raw-${i}`);
      appender.appendVarchar(e.name);
      appender.appendTimestampTZ(tsValues[i % events.length]);
      appender.appendVarchar(e.actor);
      appender.appendDouble(e.value);
      appender.appendVarchar(propsText[i % events.length]);
      appender.appendTimestampTZ(tsValues[0]);
      appender.endRow();
      if (i % 10_000 === 9_999) appender.flushSync();
    }
    appender.closeSync();
    const seconds = (performance.now() - started) / 1000;
    connection.closeSync();
    instance.closeSync();
    return Math.round(rows / seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchIngest({ seconds = 10, rawRows = 2_000_000 } = {}) {
  const raw_appender_events_per_s = await rawAppender(rawRows);
  const raw_appender_no_key_events_per_s = await rawAppender(rawRows, false);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'sightline-bench-ingest-'));
  const server = await startSightline(dataDir);
  let batched;
  let single;
  // Ingest as machines do: with an API key (scope ingest, source shop), sent on every request.
  let headers;
  try {
    const key = await createKey(server.url, await login(server.url), { name: 'bench ingest', scopes: ['ingest'], sources: ['shop'] });
    headers = { authorization: `Bearer ${key}` };
    const batchBody = JSON.stringify({ events: sampleEvents(100) });
    batched = await load({ url: `${server.url}/v1/events`, body: batchBody, connections: 100, seconds, headers });
    const singleBody = JSON.stringify(sampleEvents(1));
    single = await load({ url: `${server.url}/v1/events`, body: singleBody, connections: 100, seconds, headers });
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const bare = await startBareFastify();
  let bareSingle;
  try {
    // The same request bytes, key included; the bare route reads no header beyond the content type.
    bareSingle = await load({ url: `${bare.url}/v1/events`, body: JSON.stringify(sampleEvents(1)), connections: 100, seconds, headers });
  } finally {
    await bare.stop();
  }

  const batch_events_per_s = batched.requests_per_s * 100;
  return {
    raw_appender_events_per_s,
    raw_appender_no_key_events_per_s,
    batch100_events_per_s: batch_events_per_s,
    batch100_ratio_to_raw: round(batch_events_per_s / raw_appender_events_per_s),
    batch100_latency_p50_ms: batched.latency_p50_ms,
    batch100_latency_p99_ms: batched.latency_p99_ms,
    batch100_non_2xx: batched.non_2xx + batched.errors,
    single_requests_per_s: single.requests_per_s,
    bare_fastify_requests_per_s: bareSingle.requests_per_s,
    single_ratio_to_bare_fastify: round(single.requests_per_s / bareSingle.requests_per_s),
    single_latency_p99_ms: single.latency_p99_ms,
    single_non_2xx: single.non_2xx + single.errors,
  };
}

const round = (x) => Math.round(x * 1000) / 1000;
