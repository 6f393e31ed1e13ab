// Web benchmark: the Commerce dashboard in headless Chromium over the demo data set (10 M events by
// default), cold (a new browser profile, the server just started) and warm (the same page again):
// time to the first chart painted, to every panel painted, and the JavaScript transferred before the
// first chart. The reference, in the same run, is the API alone: GET /v1/dashboards/commerce/data
// (every panel's query) timed from this process, cold and warm.
/* global window, document, requestAnimationFrame -- the functions handed to the page run in Chromium. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { BENCH_ADMIN } from './lib/credentials.js';
import { dataset } from './lib/dataset.js';
import { ROOT, startSightline } from './lib/processes.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const round = (x) => Math.round(x);

/** In the page from its first script on: when the first panel and all panels have painted. */
const PAINT_PROBE = () => {
  const started = performance.now();
  const tick = () => {
    const panels = [...document.querySelectorAll('[data-testid^="panel-"]')];
    const charts = [...document.querySelectorAll('.echart')];
    const drawn = (p) => p.dataset.state !== 'loading' && [...p.querySelectorAll('.echart')].every((c) => c.dataset.painted === 'true');
    if (window.__firstPanel === undefined && panels.some((p) => p.dataset.state === 'ready' && drawn(p))) window.__firstPanel = performance.now();
    if (panels.length > 0 && panels.every(drawn) && charts.length > 0) {
      window.__allPanels = performance.now();
      return;
    }
    if (performance.now() - started < 60_000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

async function measure(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.__allPanels !== undefined, undefined, { timeout: 60_000 });
  return page.evaluate(() => {
    const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('sightline:chart:'));
    const firstChart = Math.min(...marks.map((m) => m.startTime));
    const scripts = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'));
    const before = scripts.filter((r) => r.responseEnd <= firstChart);
    return {
      first_chart_ms: firstChart,
      first_panel_ms: window.__firstPanel,
      all_panels_ms: window.__allPanels,
      panels: document.querySelectorAll('[data-testid^="panel-"]').length,
      js_files_before_first_chart: before.length,
      js_paths_before_first_chart: before.map((r) => new URL(r.name).pathname),
      js_paths_before_first_panel: scripts.filter((r) => r.responseEnd <= window.__firstPanel).map((r) => new URL(r.name).pathname),
      js_bytes_transferred_before_first_chart: before.reduce((s, r) => s + r.transferSize, 0),
      js_bytes_decoded_before_first_chart: before.reduce((s, r) => s + r.decodedBodySize, 0),
      js_bytes_transferred_total: scripts.reduce((s, r) => s + r.transferSize, 0),
    };
  });
}

async function timeData(url, token) {
  const started = performance.now();
  const res = await fetch(`${url}/v1/dashboards/commerce/data`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`dashboard data: ${res.status}`);
  await res.json();
  return performance.now() - started;
}

export async function benchWeb({ events = 10_000_000 } = {}) {
  const data = dataset(events);
  const server = await startSightline(data.dir);
  const profile = mkdtempSync(path.join(tmpdir(), 'sightline-bench-web-'));
  let context;
  try {
    const login = await fetch(`${server.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ADMIN) });
    if (login.status !== 200) throw new Error(`bench admin login failed (${login.status})`);
    const tokens = await login.json();
    // The reference first, on the cold server: the API answering every panel of the dashboard.
    const apiCold = await timeData(server.url, tokens.access_token);

    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 900 } });
    // Signed in before the page loads (the bench measures the dashboard, not the sign-in form).
    const session = JSON.stringify({ access: tokens.access_token, refresh: tokens.refresh_token, expiresAt: Date.now() + tokens.expires_in * 1000 });
    await context.addInitScript((value) => {
      // Not on about:blank (between warm runs), where storage is out of reach.
      if (window.location.protocol === 'http:') window.localStorage.setItem('sightline.session', value);
    }, session);
    await context.addInitScript(PAINT_PROBE);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const url = `${server.url}/dashboards/commerce`;
    const cold = await measure(page, url);
    const warmRuns = [];
    const apiWarm = [];
    for (let i = 0; i < 5; i++) {
      // Warm means cached, not busy: the last load's live subscriptions finish computing first.
      await page.goto('about:blank');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      warmRuns.push(await measure(page, url));
      apiWarm.push(await timeData(server.url, tokens.access_token));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const warm = Object.fromEntries(Object.keys(warmRuns[0]).map((k) => [k, Array.isArray(warmRuns[0][k]) ? warmRuns[0][k] : median(warmRuns.map((r) => r[k]))]));
    // "Gzipped JavaScript": each file as gzip -9 would send it (the server sends brotli where accepted, smaller still).
    const gzipKb = (paths) => Math.round(paths.reduce((sum, p) => sum + gzipSync(readFileSync(path.join(ROOT, 'apps/web/dist', p)), { level: 9 }).length, 0) / 102.4) / 10;
    const pick = (r) => ({
      first_panel_ms: round(r.first_panel_ms),
      first_chart_ms: round(r.first_chart_ms),
      all_panels_ms: round(r.all_panels_ms),
      panels: r.panels,
      js_kb_gzip_before_first_panel: gzipKb(r.js_paths_before_first_panel),
      js_kb_gzip_before_first_chart: gzipKb(r.js_paths_before_first_chart),
      js_kb_transferred_before_first_chart: Math.round(r.js_bytes_transferred_before_first_chart / 102.4) / 10,
      js_kb_decoded_before_first_chart: Math.round(r.js_bytes_decoded_before_first_chart / 102.4) / 10,
      js_kb_transferred_total: Math.round(r.js_bytes_transferred_total / 102.4) / 10,
    });
    return {
      events,
      cold: pick(cold),
      warm: pick(warm),
      reference_api_data_ms: { cold: round(apiCold), warm: round(median(apiWarm)) },
      page_errors: errors.length,
      ...(errors.length > 0 ? { page_error_samples: [...new Set(errors)].slice(0, 3) } : {}),
    };
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    await server.stop();
  }
}
