/**
 * The web app in a real browser (Debian's Chromium through playwright-core) against a real server on
 * demo data: sign-in, the Commerce dashboard's panels checked against the API's answers, a panel
 * built in the editor, resized and found again after a reload, a KPI that changes live, the theme,
 * CSV export, a viewer's read-only view, phone width, and screenshots of every built-in dashboard.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoBatches } from '../src/features/packs/index.js';
import { browserAvailable, launchChromium, watchPage, type ChromiumSession, type PageWatch } from './support/browser.js';
import { ADMIN, USER_PASSWORD, startTestApp, type TestApp } from './support/harness.js';

// The little of the DOM that the functions given to page.evaluate use (they run in the page; this
// file compiles without the DOM library, which would change Node's own globals for the whole build).
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  cells: ArrayLike<PageElement>;
  scrollWidth: number;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  sightlineChart?: {
    getOption(): { series?: { name?: string; data?: unknown[] }[] };
    getModel(): { getSeriesByIndex(i: number): { name: string; getData(): { count(): number; getItemLayout(i: number): { x: number; y: number; width: number; height: number } } } };
  };
}
declare const document: { documentElement: PageElement; body: PageElement; querySelector(s: string): PageElement | null; querySelectorAll(s: string): ArrayLike<PageElement> };
declare function getComputedStyle(el: PageElement): { backgroundColor: string };

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WEB_DIST = path.join(ROOT, 'apps/web/dist');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const PASSWORD = USER_PASSWORD;
const run = browserAvailable();
// The server's clock is pinned, so that "last 30 days" means the same range to the page and to the
// reference answers fetched by the test, however long the test takes.
const NOW = Date.now();

let t: TestApp;
let origin: string;
let browser: ChromiumSession;
let page: Page;
let watch: PageWatch;

interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}
interface Panel {
  id: string;
  title: string;
  chart: string;
  query: Record<string, unknown>;
  layout: { x: number; y: number; w: number; h: number };
}

beforeAll(async () => {
  if (!run) return;
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error('apps/web/dist is not built: run `npm run build` (npm test does)');
  t = await startTestApp({ now: NOW, config: { webDir: WEB_DIST } });
  for (const batch of generateDemoBatches({ events: 200_000, days: 40, seed: 5, now: NOW })) await t.app.ingest.ingest(batch);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  origin = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  watch = watchPage(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(p: Page, email: string, password: string): Promise<void> {
  await p.goto(`${origin}/`);
  await p.waitForURL(/\/login/);
  await p.getByLabel('E-mail').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Dashboards', level: 1 }).waitFor();
}

/** Waits until no panel is loading and every chart has painted once. */
async function settled(p: Page): Promise<void> {
  await p.waitForFunction(() => {
    const panels = Array.from(document.querySelectorAll('[data-testid^="panel-"]'));
    if (panels.length === 0) return false;
    if (panels.some((el) => el.dataset.state === 'loading')) return false;
    return Array.from(document.querySelectorAll('.echart')).every((el) => el.dataset.painted === 'true');
  }, undefined, { timeout: 30_000 });
}

/** What a panel shows: its state, the series ECharts was given, a KPI's value and change, a table's cells. */
async function rendered(p: Page, id: string) {
  return p.evaluate((panelId) => {
    const el = document.querySelector(`[data-testid="panel-${panelId}"]`)!;
    const chartEl = el.querySelector('.echart');
    const series = chartEl?.sightlineChart?.getOption().series?.map((s) => ({ name: s.name, data: JSON.parse(JSON.stringify(s.data ?? [])) as unknown[] }));
    const value = el.querySelector('[data-testid="kpi-value"]');
    const change = el.querySelector('[data-testid="kpi-change"]');
    const rows = Array.from(el.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.cells).map((c) => c.textContent ?? ''));
    return {
      state: el.dataset.state,
      series,
      kpi: value ? { value: value.dataset.value, change: change?.dataset.value, status: el.querySelector('[data-status]')?.dataset.status } : undefined,
      rows,
    };
  }, id);
}

/** Every finite number inside a series' data (plain values, [x, y] pairs, {value} items). */
function numbersIn(data: unknown): number[] {
  if (typeof data === 'number') return Number.isFinite(data) ? [data] : [];
  if (Array.isArray(data)) return data.flatMap(numbersIn);
  if (data !== null && typeof data === 'object') return numbersIn((data as { value?: unknown }).value);
  return [];
}
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** The measure columns a chart of this kind draws. */
function drawnColumns(panel: Panel, answer: Answer): number[] {
  const numeric = answer.columns.map((c, i) => ({ ...c, i })).filter((c) => c.type === 'number' || c.type === 'integer');
  if (panel.query.kind === 'funnel') return numeric.filter((c) => c.name === 'actors').map((c) => c.i);
  if (['pie', 'donut', 'gauge', 'heatmap'].includes(panel.chart)) return numeric.slice(0, 1).map((c) => c.i);
  return numeric.map((c) => c.i);
}

async function api(url: string, token = t.adminToken): Promise<unknown> {
  const res = await t.inject(url, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe.runIf(run)('the web dashboard in Chromium', () => {
  it('signs in and lists the built-in dashboards', async () => {
    await signIn(page, ADMIN.email, ADMIN.password);
    for (const title of ['Commerce', 'Tasks', 'ModelHub', 'System health']) {
      await page.getByRole('link', { name: title, exact: true }).waitFor();
    }
  });

  it('draws every Commerce panel from the data the API answers', async () => {
    await page.getByRole('link', { name: 'Commerce', exact: true }).click();
    await settled(page);
    const dashboard = (await api('/v1/dashboards/commerce')) as { panels: Panel[] };
    const data = (await api('/v1/dashboards/commerce/data')) as { panels: Record<string, Answer> };
    for (const panel of dashboard.panels) {
      const answer = data.panels[panel.id]!;
      const shown = await rendered(page, panel.id);
      expect(shown.state, panel.id).toBe('ready');
      if (panel.chart === 'kpi') {
        const [value, previous] = answer.rows[0] as [number, number];
        expect(Number(shown.kpi?.value), panel.id).toBeCloseTo(value, 6);
        if (previous) expect(Number(shown.kpi?.change), panel.id).toBeCloseTo((value - previous) / previous, 6);
        continue;
      }
      if (panel.chart === 'table') {
        expect(shown.rows.length, panel.id).toBe(answer.rows.length);
        expect(shown.rows.map((r) => r[0]), panel.id).toEqual(answer.rows.map((r) => String(r[0])));
        continue;
      }
      const drawn = (shown.series ?? []).flatMap((s) => numbersIn(s.data));
      expect(drawn.length, panel.id).toBeGreaterThan(0);
      for (const col of drawnColumns(panel, answer)) {
        for (const row of answer.rows) {
          const v = row[col];
          if (typeof v !== 'number') continue;
          expect(drawn.some((d) => close(d, v)), `${panel.id}: ${answer.columns[col]!.name} = ${v} is drawn`).toBe(true);
        }
      }
    }
  });

  it('exports a panel as CSV with the API’s rows', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Actions for panel Revenue by channel' }).click();
    await page.getByRole('menuitem', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    const answer = ((await api('/v1/dashboards/commerce/data')) as { panels: Record<string, Answer> }).panels.channels!;
    expect(lines[0]).toBe(answer.columns.map((c) => c.name).join(','));
    expect(lines.slice(1).map((l) => l.split(','))).toEqual(answer.rows.map((r) => r.map((v) => (v === null ? '' : String(v)))));
  });

  it('drills down from a bar into a dashboard filter that every panel follows', async () => {
    await page.goto(`${origin}/dashboards/commerce`);
    await settled(page);
    // The tallest bar of the first country's series, in page pixels.
    const target = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="panel-revenue-by-country"] .echart')!;
      const series = el.sightlineChart!.getModel().getSeriesByIndex(0);
      const data = series.getData();
      let best = { x: 0, y: 0, width: 0, height: 0 };
      for (let i = 0; i < data.count(); i++) {
        const layout = data.getItemLayout(i);
        if (Math.abs(layout.height) > Math.abs(best.height)) best = layout;
      }
      return { name: series.name, x: best.x + best.width / 2, y: best.y + best.height / 2 };
    });
    const country = target.name.split(' · ').pop()!;
    const chartEl = page.getByTestId('panel-revenue-by-country').locator('.echart');
    await chartEl.scrollIntoViewIfNeeded();
    const chart = (await chartEl.boundingBox())!;
    await page.mouse.click(chart.x + target.x, chart.y + target.y);
    await page.getByRole('region', { name: 'Filters' }).getByText(`props.country = ${country}`).waitFor();
    // The view is in the URL: a reload (or the link, sent to somebody) keeps the filter.
    expect(JSON.parse(new URL(page.url()).searchParams.get('filters')!)).toEqual([{ field: 'props.country', op: 'eq', value: country }]);
    await page.reload();
    await page.getByRole('region', { name: 'Filters' }).getByText(`props.country = ${country}`).waitFor();

    const filters = [{ field: 'props.country', op: 'eq', value: country }];
    const expected = ((await api(`/v1/dashboards/commerce/data?filters=${encodeURIComponent(JSON.stringify(filters))}`)) as { panels: Record<string, Answer> }).panels;
    for (const id of ['revenue', 'orders']) {
      await expect.poll(async () => Number((await rendered(page, id)).kpi?.value), { timeout: 15_000 }).toBeCloseTo(expected[id]!.rows[0]![0] as number, 6);
    }
    const unfiltered = ((await api('/v1/dashboards/commerce/data')) as { panels: Record<string, Answer> }).panels;
    expect(expected.revenue!.rows[0]![0]).toBeLessThan(unfiltered.revenue!.rows[0]![0] as number);
    await page.getByRole('button', { name: `Remove filter props.country = ${country}` }).click();
    await expect.poll(async () => Number((await rendered(page, 'revenue')).kpi?.value), { timeout: 15_000 }).toBeCloseTo(unfiltered.revenue!.rows[0]![0] as number, 6);
  });

  it('takes a custom range typed in the dashboard’s time zone', async () => {
    await page.goto(`${origin}/dashboards/commerce`);
    await settled(page);
    await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: /^Time range:/ }).click();
    // Wall-clock times in Tokyo (UTC+09:00, no DST), whole minutes, 10 and 3 days back.
    const tokyo = (t: number) => new Date(t + 9 * 3_600_000).toISOString().slice(0, 16);
    const from = Math.floor((NOW - 10 * 86_400_000) / 60_000) * 60_000;
    const to = Math.floor((NOW - 3 * 86_400_000) / 60_000) * 60_000;
    const picker = page.getByRole('group', { name: 'Time range' });
    await picker.getByLabel('From', { exact: true }).fill(tokyo(from));
    await picker.getByLabel('To', { exact: true }).fill(tokyo(to));
    await picker.getByRole('button', { name: 'Apply' }).click();
    const range = `${new Date(from).toISOString()}/${new Date(to).toISOString()}`;
    await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe(range);
    const expected = ((await api(`/v1/dashboards/commerce/data?range=${encodeURIComponent(range)}&timezone=Asia%2FTokyo`)) as { panels: Record<string, Answer> }).panels;
    await expect.poll(async () => Number((await rendered(page, 'orders')).kpi?.value), { timeout: 15_000 }).toBeCloseTo(expected.orders!.rows[0]![0] as number, 6);
    await page.goto(`${origin}/dashboards/commerce`);
  });

  it('exports a panel and the whole dashboard as PNG images', async () => {
    const pngSize = async (file: string) => {
      const bytes = readFileSync(file);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    };
    const panelDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Actions for panel Revenue per day' }).click();
    await page.getByRole('menuitem', { name: 'Export PNG' }).click();
    const panelPng = await pngSize((await (await panelDownload).path())!);
    const dashboardDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG', exact: true }).click();
    const dashboardPng = await pngSize((await (await dashboardDownload).path())!);
    expect(panelPng.width).toBeGreaterThan(300);
    expect(dashboardPng.width).toBeGreaterThan(panelPng.width);
    expect(dashboardPng.height).toBeGreaterThan(panelPng.height);
  });

  it('switches between light and dark, and follows the choice after a reload', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.getByTestId('theme-select').selectOption('light');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    const light = await background();
    await page.getByTestId('theme-select').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background()).not.toBe(light);
    await page.reload();
    await settled(page);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByTestId('theme-select').selectOption('light');
  });

  it('builds a panel in the editor, resizes it, and finds both after a reload', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'New dashboard' }).click();
    await page.waitForURL(/\/dashboards\/[a-z0-9]+/);
    const id = page.url().split('/dashboards/')[1]!.split(/[?#]/)[0]!;
    await page.getByRole('toolbar', { name: 'Dashboard controls' }).getByRole('button', { name: '+ Add panel' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const query = { source: 'shop', measures: [{ as: 'probes', fn: 'count', where: { name: 'live_probe' } }], range: { last: '1h' } };
    await dialog.getByLabel(/title/i).first().fill('Live probes');
    await dialog.getByLabel('Chart kind').selectOption('kpi');
    await dialog.getByLabel(/query json/i).fill(JSON.stringify(query, null, 2));
    await dialog.getByRole('button', { name: /^save/i }).click();
    await dialog.waitFor({ state: 'detached' });

    const saved = async () => ((await api(`/v1/dashboards/${id}`)) as { panels: Panel[] }).panels;
    await expect.poll(async () => (await saved()).length, { timeout: 10_000 }).toBe(1);
    const [panel] = await saved();
    expect(panel).toMatchObject({ title: 'Live probes', chart: 'kpi', query });

    // Resize by the handle in the bottom-right corner.
    const frame = page.getByTestId(`panel-${panel!.id}`);
    const box = (await frame.boundingBox())!;
    const handle = page.locator('.react-grid-item .react-resizable-handle').first();
    await handle.hover();
    await page.mouse.down();
    await page.mouse.move(box.x + box.width + 240, box.y + box.height + 120, { steps: 12 });
    await page.mouse.up();
    await expect.poll(async () => (await saved())[0]!.layout.w, { timeout: 10_000 }).toBeGreaterThan(panel!.layout.w);
    const layout = (await saved())[0]!.layout;
    expect(layout.h).toBeGreaterThan(panel!.layout.h);

    await page.reload();
    await settled(page);
    const after = (await page.getByTestId(`panel-${panel!.id}`).boundingBox())!;
    expect(after.width).toBeGreaterThan(box.width + 100);
    expect(await page.getByTestId(`panel-${panel!.id}`).getByRole('heading').textContent()).toBe('Live probes');

    // Live: an event ingested now changes the KPI on screen without a reload.
    const value = page.getByTestId(`panel-${panel!.id}`).getByTestId('kpi-value');
    await expect.poll(() => value.getAttribute('data-value'), { timeout: 10_000 }).toBe('0');
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), { timeout: 15_000 }).toBe('live');
    const ingest = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ source: 'shop', name: 'live_probe', ts: NOW - 1000, actor: 'probe' }] } });
    expect(ingest.statusCode).toBe(200);
    await expect.poll(() => value.getAttribute('data-value'), { timeout: 15_000 }).toBe('1');
  });

  it('has a one-time password replaced at sign-in', async () => {
    const oneTime = 'one-time password 123';
    expect((await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'new@example.com', password: oneTime, role: 'viewer', must_change_password: true } })).statusCode).toBe(201);
    const other = await launchChromium();
    try {
      const p = await other.context.newPage();
      const pageWatch = watchPage(p);
      await p.goto(`${origin}/login`);
      await p.getByLabel('E-mail').fill('new@example.com');
      await p.getByLabel('Password').fill(oneTime);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByLabel('New password').fill('short');
      await p.getByLabel('Repeat it').fill('short');
      await p.getByRole('button', { name: 'Set password and sign in' }).click();
      expect(await p.getByRole('alert').textContent()).toMatch(/at least 12/);
      await p.getByLabel('New password').fill('my own long password');
      await p.getByLabel('Repeat it').fill('my own long password');
      await p.getByRole('button', { name: 'Set password and sign in' }).click();
      await p.getByRole('heading', { name: 'Dashboards', level: 1 }).waitFor();
      expect(pageWatch.errors).toEqual([]);
    } finally {
      await other.close();
    }
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'new@example.com', password: 'my own long password' } })).json().password_change_required).toBeUndefined();
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'new@example.com', password: oneTime } })).statusCode).toBe(401);
  });

  it('shows a viewer no edit control', async () => {
    expect((await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'viewer@example.com', password: PASSWORD, role: 'viewer' } })).statusCode).toBe(201);
    // A browser of its own: signing out in a tab signs out every tab of the same profile.
    const viewerBrowser = await launchChromium();
    try {
      const viewerPage = await viewerBrowser.context.newPage();
      const viewerWatch = watchPage(viewerPage);
      await signIn(viewerPage, 'viewer@example.com', PASSWORD);
      expect(await viewerPage.getByRole('button', { name: 'New dashboard' }).count()).toBe(0);
      await viewerPage.getByRole('link', { name: 'Commerce', exact: true }).click();
      await settled(viewerPage);
      for (const name of ['Edit', 'Duplicate to edit', '+ Add panel']) expect(await viewerPage.getByRole('button', { name, exact: true }).count(), name).toBe(0);
      await viewerPage.getByRole('button', { name: 'Actions for panel Revenue', exact: true }).click();
      expect(await viewerPage.getByRole('menuitem').allTextContents()).toEqual(['Export PNG', 'Export CSV', 'Export JSON']);
      await viewerPage.keyboard.press('Escape');
      await viewerPage.getByRole('button', { name: 'Sign out' }).click();
      await viewerPage.waitForURL(/\/login/);
      expect(viewerWatch.failed).toEqual([]);
      expect(viewerWatch.errors).toEqual([]);
    } finally {
      await viewerBrowser.close();
    }
  });

  it('shows a failing panel’s own error and every other panel', async () => {
    expect((await t.inject({ method: 'PUT', url: '/v1/roles/shop_reader', payload: { grants: [{ source: 'shop', access: 'read' }] } })).statusCode).toBeLessThan(300);
    expect((await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'shop@example.com', password: PASSWORD, role: 'shop_reader' } })).statusCode).toBe(201);
    const created = await t.inject({
      method: 'POST',
      url: '/v1/dashboards',
      payload: {
        title: 'Mixed',
        live: false,
        panels: [
          { id: 'orders', title: 'Orders', chart: 'kpi', query: { source: 'shop', measures: ['orders'] }, layout: { x: 0, y: 0, w: 6, h: 3 } },
          { id: 'tasks', title: 'Tasks', chart: 'bar', query: { source: 'tasks', measures: ['tasks_created'], dimensions: ['props.priority'] }, layout: { x: 6, y: 0, w: 6, h: 6 } },
        ],
      },
    });
    expect(created.statusCode).toBe(201);
    const other = await launchChromium();
    try {
      const p = await other.context.newPage();
      await signIn(p, 'shop@example.com', PASSWORD);
      await p.goto(`${origin}/dashboards/${created.json().id}`);
      await expect.poll(() => p.getByTestId('panel-tasks').getAttribute('data-state'), { timeout: 15_000 }).toBe('error');
      expect(await p.getByTestId('panel-tasks').getByRole('alert').textContent()).toMatch(/not allowed/i);
      await expect.poll(() => p.getByTestId('panel-orders').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
      const orders = ((await api(`/v1/dashboards/${created.json().id}/data`)) as { panels: Record<string, Answer> }).panels.orders!;
      expect(Number(await p.getByTestId('panel-orders').getByTestId('kpi-value').getAttribute('data-value'))).toBe(orders.rows[0]![0]);
    } finally {
      await other.close();
    }
  });

  it('fits a phone’s width', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${origin}/dashboards/commerce`);
    await settled(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('saves screenshots of every built-in dashboard, light and dark', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const id of ['commerce', 'tasks', 'modelhub', 'system']) {
      await page.goto(`${origin}/dashboards/${id}`);
      for (const theme of ['light', 'dark']) {
        await page.getByTestId('theme-select').selectOption(theme);
        await settled(page);
        const states = await page.evaluate(() => Array.from(document.querySelectorAll('[data-testid^="panel-"]')).map((e) => e.dataset.state));
        expect(states.filter((s) => s !== 'ready'), id).toEqual([]);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${id}-${theme}.png`), fullPage: true });
      }
    }
    await page.getByTestId('theme-select').selectOption('system');
  });

  it('logged no console error on the way', () => {
    expect(watch.failed).toEqual([]);
    expect(watch.errors).toEqual([]);
  });
});
