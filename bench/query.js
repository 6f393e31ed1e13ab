// Query benchmark: four dashboard queries through the engine (POST /v1/query, in process) against
// the same questions as hand-written SQL run directly on DuckDB, over the demo data set.
import { buildApp } from '../apps/server/dist/app.js';
import { loadConfig } from '../apps/server/dist/config.js';
import { openDuckDbStores } from '../apps/server/dist/store/duckdb/index.js';
import { planQuery } from '../packages/query/dist/index.js';
import { BENCH_ADMIN } from './lib/credentials.js';
import { dataset } from './lib/dataset.js';
import { percentile, round } from './lib/stats.js';

const DAY = 86_400_000;

function cases(from, to) {
  const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const bounds = [range.from, range.to];
  return [
    {
      name: 'trend_30d_day_by_name',
      query: { source: 'shop', measures: [{ as: 'events', fn: 'count' }], dimensions: ['name'], interval: 'day', range },
      sql: `SELECT epoch_ms(date_trunc('day', timezone('UTC', ts))) AS day, name, count(*) AS events
            FROM events WHERE source = 'shop' AND ts >= $1::TIMESTAMPTZ AND ts < $2::TIMESTAMPTZ
            GROUP BY ALL`,
      params: bounds,
      total: (rows, col) => rows.reduce((s, r) => s + Number(r[col]), 0),
      engineCol: 2,
      rawCol: 2,
    },
    {
      name: 'breakdown_by_prop',
      query: {
        source: 'shop',
        measures: [{ as: 'revenue', fn: 'sum' }, { as: 'orders', fn: 'count' }],
        dimensions: ['props.country'],
        filters: [{ field: 'name', op: 'eq', value: 'order_completed' }],
        range,
      },
      sql: `SELECT props->>'$.country' AS country, sum(value) AS revenue, count(*) AS orders
            FROM events WHERE source = 'shop' AND name = 'order_completed' AND ts >= $1::TIMESTAMPTZ AND ts < $2::TIMESTAMPTZ
            GROUP BY 1 ORDER BY 2 DESC`,
      params: bounds,
      total: (rows, col) => rows.reduce((s, r) => s + Number(r[col]), 0),
      engineCol: 2,
      rawCol: 2,
    },
    {
      name: 'funnel_3_steps',
      query: { kind: 'funnel', source: 'shop', steps: [{ name: 'product_view' }, { name: 'add_to_cart' }, { name: 'order_completed' }], window: '1d', range },
      // Each actor's first qualifying chain: the earliest cart after a view within a day, then an order
      // after that cart within the same day window.
      sql: `WITH e AS (
              SELECT actor, name, ts FROM events
              WHERE source = 'shop' AND actor IS NOT NULL AND name IN ('product_view', 'add_to_cart', 'order_completed')
                AND ts >= $1::TIMESTAMPTZ AND ts < $2::TIMESTAMPTZ + INTERVAL 1 DAY),
            s1 AS (SELECT actor, ts AS t1 FROM e WHERE name = 'product_view' AND ts < $2::TIMESTAMPTZ),
            s2 AS (SELECT s1.actor, s1.t1, min(e.ts) AS t2 FROM s1 JOIN e ON e.actor = s1.actor AND e.name = 'add_to_cart'
                   AND e.ts >= s1.t1 AND e.ts <= s1.t1 + INTERVAL 1 DAY GROUP BY ALL),
            s3 AS (SELECT DISTINCT s2.actor FROM s2 JOIN e ON e.actor = s2.actor AND e.name = 'order_completed'
                   AND e.ts >= s2.t2 AND e.ts <= s2.t1 + INTERVAL 1 DAY)
            SELECT 1 AS step, count(DISTINCT actor) FROM s1 UNION ALL
            SELECT 2, count(DISTINCT actor) FROM s2 UNION ALL
            SELECT 3, count(*) FROM s3 ORDER BY 1`,
      params: bounds,
      total: (rows, col) => rows.map((r) => Number(r[col])).join('/'),
      engineCol: 'actors',
      rawCol: 1,
    },
    {
      name: 'uniq_actors_by_day',
      query: { source: 'shop', measures: [{ as: 'actors', fn: 'uniq' }], interval: 'day', range },
      sql: `SELECT epoch_ms(date_trunc('day', timezone('UTC', ts))) AS day, count(DISTINCT actor) AS actors
            FROM events WHERE source = 'shop' AND ts >= $1::TIMESTAMPTZ AND ts < $2::TIMESTAMPTZ
            GROUP BY 1`,
      params: bounds,
      total: (rows, col) => rows.reduce((s, r) => s + Number(r[col]), 0),
      engineCol: 1,
      rawCol: 1,
    },
  ];
}


export async function benchQuery({ events = 10_000_000, rounds = 30 } = {}) {
  const data = dataset(events);
  const stores = await openDuckDbStores(data.dir);
  // Query limits are per user (100/s by default): switched off, so that no round is ever refused.
  const off = { ip: { points: 0, seconds: 1 }, user: { points: 0, seconds: 1 }, key: { points: 0, seconds: 1 } };
  const config = loadConfig(
    {},
    {
      dataDir: data.dir,
      logLevel: 'warn',
      adminEmail: BENCH_ADMIN.email,
      adminPassword: BENCH_ADMIN.password,
      rateLimits: { ingest: off, query: off, auth: off, api: off },
    },
  );
  // The engine itself is measured: the result cache (which would answer every repeat) is off.
  const uncached = { ...config, cache: { ...config.cache, relativeSeconds: 0, relativeFunnelSeconds: 0, absoluteSeconds: 0 } };
  const app = await buildApp(uncached, { stores, clock: () => data.end, runJobs: false });
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: BENCH_ADMIN });
  if (login.statusCode !== 200) throw new Error(`bench admin login failed (${login.statusCode}); remove ${data.dir} to make the data set again`);
  const headers = { authorization: `Bearer ${login.json().access_token}` };
  const raw = await stores.instance.connect();
  const figures = { events, dataset_load_seconds: data.load_seconds };
  try {
    for (const c of cases(data.end - 30 * DAY, data.end)) {
      const runEngine = async () => {
        const res = await app.inject({ method: 'POST', url: '/v1/query', payload: c.query, headers });
        if (res.statusCode !== 200) throw new Error(`${c.name}: ${res.body}`);
        return res.json();
      };
      const runRaw = async () => (await raw.runAndReadAll(c.sql, c.params)).getRowsJS();
      // The engine's own SQL run bare: the difference to runEngine is the engine's overhead
      // (validation, planning, shaping, HTTP handling), whatever SQL it chose.
      const metrics = new Map((await app.inject({ url: '/v1/metrics', headers })).json().metrics.map((m) => [m.name, m]));
      const plan = planQuery(c.query, { now: data.end, metrics, rollups: stores.events.rollupLayout() });
      const runEngineSql = async () => Promise.all(plan.statements.map(async (st) => (await raw.runAndReadAll(st.sql, st.params)).getRowsJS()));
      // Both answer the same question: check it before timing anything.
      const engineAnswer = await runEngine();
      const engineCol = typeof c.engineCol === 'number' ? c.engineCol : engineAnswer.columns.findIndex((col) => col.name === c.engineCol);
      const same = String(c.total(engineAnswer.rows, engineCol)) === String(c.total(await runRaw(), c.rawCol));
      for (let i = 0; i < 3; i++) {
        await runEngine();
        await runRaw();
        await runEngineSql();
      }
      const engineMs = [];
      const rawMs = [];
      const engineSqlMs = [];
      const time = async (fn, into) => {
        const t = performance.now();
        await fn();
        into.push(performance.now() - t);
      };
      // Interleaved, so that a noisy moment of this shared machine hits all three alike.
      for (let i = 0; i < rounds; i++) {
        await time(runEngine, engineMs);
        await time(runRaw, rawMs);
        await time(runEngineSql, engineSqlMs);
      }
      for (const xs of [engineMs, rawMs, engineSqlMs]) xs.sort((a, b) => a - b);
      figures[c.name] = {
        engine_p50_ms: round(percentile(engineMs, 50)),
        engine_p95_ms: round(percentile(engineMs, 95)),
        hand_sql_p50_ms: round(percentile(rawMs, 50)),
        hand_sql_p95_ms: round(percentile(rawMs, 95)),
        ratio_to_hand_sql_p50: round(percentile(engineMs, 50) / percentile(rawMs, 50)),
        engine_sql_bare_p50_ms: round(percentile(engineSqlMs, 50)),
        engine_overhead_p50: round(percentile(engineMs, 50) / percentile(engineSqlMs, 50) - 1),
        same_answer: same,
      };
    }
  } finally {
    raw.closeSync();
    await app.close();
    await stores.close();
  }
  return figures;
}
