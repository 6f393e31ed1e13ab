// @vitest-environment happy-dom
import { act, cleanup, render, waitFor } from '@testing-library/react';
import type { DashboardPanel, Filter, QueryResult } from '@sightline/sdk';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { THEME_COLOURS } from '../src/components/charts/chart-themes';
import { EChart } from '../src/components/charts/EChart';
import { loadedParts, partLoaders, partsForOption } from '../src/components/charts/echarts-loader';
import type { ChartClickParams, ChartHostElement, ChartInstance, ChartOption } from '../src/components/charts/types';
import { PanelView } from '../src/features/panels/PanelView';

// The real ECharts, drawn with the SVG renderer (happy-dom has no canvas).

let consoleSpies: MockInstance[] = [];
beforeEach(() => {
  consoleSpies = [vi.spyOn(console, 'error'), vi.spyOn(console, 'warn')];
});
afterEach(() => {
  cleanup();
  const calls = consoleSpies.flatMap((spy) => spy.mock.calls);
  for (const spy of consoleSpies) spy.mockRestore();
  // No console noise is part of the contract (ECharts warns about bad options, React about keys).
  expect(calls).toEqual([]);
});

function hostOf(container: HTMLElement): ChartHostElement {
  const el = container.querySelector<ChartHostElement>('.echart');
  if (!el) throw new Error('no chart container');
  return el;
}

async function chartOf(container: HTMLElement): Promise<ChartInstance> {
  const host = hostOf(container);
  await waitFor(() => expect(host.sightlineChart).toBeDefined(), { timeout: 15_000 });
  return host.sightlineChart!;
}

const drill = (value: string) => [{ field: 'props.country', value }];

function barOption(values: Record<string, number>): ChartOption {
  const categories = Object.keys(values);
  return {
    animation: false,
    grid: { left: 40, right: 10, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: categories },
    yAxis: { type: 'value' },
    series: [{ id: 'orders', name: 'orders', type: 'bar', data: categories.map((c) => ({ value: values[c], drill: drill(c) })) }],
  };
}

function seriesData(chart: ChartInstance, index = 0): unknown[] {
  const series = chart.getOption().series as Array<{ data: unknown[] }>;
  return series[index].data;
}

describe('the parts loader', () => {
  // First in the file: parts are cached for the life of the page, so this sees a fresh loader.
  it('loads only what a pie needs', async () => {
    const spies = Object.fromEntries(Object.keys(partLoaders).map((part) => [part, vi.spyOn(partLoaders, part as keyof typeof partLoaders)]));
    const option: ChartOption = { tooltip: {}, series: [{ type: 'pie', id: 'slices', data: [{ name: 'de', value: 3 }, { name: 'fr', value: 5 }] }] };
    const { container } = render(<EChart option={option} theme="light" ariaLabel="Share by country" renderer="svg" kind="pie" />);
    await chartOf(container);
    const ran = Object.entries(spies).filter(([, spy]) => spy.mock.calls.length > 0).map(([part]) => part).sort();
    expect(ran).toEqual(['pie', 'svg', 'tooltip']);
    expect(loadedParts().has('line')).toBe(false);
    expect(loadedParts().has('bar')).toBe(false);
    expect(loadedParts().has('grid')).toBe(false);
    for (const spy of Object.values(spies)) spy.mockRestore();
  });

  it('derives the parts from the option', () => {
    expect(partsForOption({ xAxis: {}, yAxis: {}, tooltip: {}, series: [{ type: 'line' }, { type: 'bar' }] }, 'canvas').sort()).toEqual(['bar', 'canvas', 'grid', 'line', 'tooltip']);
    expect(partsForOption({ visualMap: {}, xAxis: {}, series: [{ type: 'heatmap' }] }, 'svg').sort()).toEqual(['grid', 'heatmap', 'svg', 'visualMap']);
    expect(partsForOption({ series: { type: 'gauge' } }, 'svg').sort()).toEqual(['gauge', 'svg']);
  });
});

describe('EChart', () => {
  it('creates one instance, exposes it, marks the first paint, and updates it in place', async () => {
    const marks = vi.spyOn(performance, 'mark');
    const { container, rerender } = render(<EChart option={barOption({ de: 3, fr: 5 })} theme="light" ariaLabel="Orders by country" renderer="svg" panelId="orders" kind="bar" />);
    const host = hostOf(container);
    expect(host.getAttribute('data-chart-kind')).toBe('bar');
    expect(host.getAttribute('aria-label')).toBe('Orders by country');
    const chart = await chartOf(container);
    expect(seriesData(chart).map((d) => (d as { value: number }).value)).toEqual([3, 5]);
    await waitFor(() => expect(host.getAttribute('data-painted')).toBe('true'));
    expect(marks.mock.calls.filter(([name]) => name === 'sightline:chart:orders')).toHaveLength(1);
    const inner = host.firstElementChild;
    expect(inner).not.toBeNull();

    rerender(<EChart option={barOption({ de: 7, fr: 1, it: 4 })} theme="light" ariaLabel="Orders by country" renderer="svg" panelId="orders" kind="bar" />);
    await waitFor(() => expect(seriesData(chart).map((d) => (d as { value: number }).value)).toEqual([7, 1, 4]));
    // The same instance and the same drawing surface: no dispose and re-init, so no blank frame.
    expect(host.sightlineChart).toBe(chart);
    expect(chart.isDisposed()).toBeFalsy();
    expect(host.firstElementChild).toBe(inner);
    expect((chart.getOption().xAxis as Array<{ data: string[] }>)[0].data).toEqual(['de', 'fr', 'it']);
    // A second paint is not a first paint.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(marks.mock.calls.filter(([name]) => name === 'sightline:chart:orders')).toHaveLength(1);
    marks.mockRestore();
  });

  it('drops series that a new option no longer has', async () => {
    const two: ChartOption = { ...barOption({ de: 1 }), series: [{ id: 'a', type: 'bar', data: [1] }, { id: 'b', type: 'bar', data: [2] }] };
    const one: ChartOption = { ...barOption({ de: 1 }), series: [{ id: 'a', type: 'bar', data: [9] }] };
    const { container, rerender } = render(<EChart option={two} theme="light" ariaLabel="x" renderer="svg" />);
    const chart = await chartOf(container);
    expect((chart.getOption().series as unknown[]).length).toBe(2);
    rerender(<EChart option={one} theme="light" ariaLabel="x" renderer="svg" />);
    await waitFor(() => expect((chart.getOption().series as unknown[]).length).toBe(1));
    expect(seriesData(chart)).toEqual([9]);
  });

  it('swaps the theme on the same instance without emptying the container', async () => {
    const { container, rerender } = render(<EChart option={barOption({ de: 3, fr: 5 })} theme="light" ariaLabel="x" renderer="svg" />);
    const host = hostOf(container);
    const chart = await chartOf(container);
    const labelFills = () => [...host.querySelectorAll('text')].map((t) => t.getAttribute('fill'));
    await waitFor(() => expect(labelFills()).toContain(THEME_COLOURS.light.textMuted));
    rerender(<EChart option={barOption({ de: 3, fr: 5 })} theme="dark" ariaLabel="x" renderer="svg" />);
    // Synchronously after the change: still drawn.
    expect(host.querySelector('svg')).not.toBeNull();
    await waitFor(() => expect(labelFills()).toContain(THEME_COLOURS.dark.textMuted));
    expect(labelFills()).not.toContain(THEME_COLOURS.light.textMuted);
    expect(host.sightlineChart).toBe(chart);
    expect(chart.isDisposed()).toBeFalsy();
  });

  it('disposes the instance on unmount', async () => {
    const { container, unmount } = render(<EChart option={barOption({ de: 3 })} theme="light" ariaLabel="x" renderer="svg" />);
    const host = hostOf(container);
    const chart = await chartOf(container);
    unmount();
    expect(chart.isDisposed()).toBe(true);
    expect(host.sightlineChart).toBeUndefined();
  });

  it('reports a click on a data item with the dimension value it stands for', async () => {
    const clicks: ChartClickParams[] = [];
    const { container } = render(<EChart option={barOption({ de: 3, fr: 8 })} theme="light" ariaLabel="x" renderer="svg" onClick={(p) => clicks.push(p)} />);
    const chart = await chartOf(container);
    await clickAt(chart, 'fr', 4);
    expect(clicks).toHaveLength(1);
    expect(clicks[0].dataIndex).toBe(1);
    expect((clicks[0].data as { drill: unknown }).drill).toEqual([{ field: 'props.country', value: 'fr' }]);
  });
});

/** Presses and releases the mouse over the point (category, value) through zrender's handler. */
async function clickAt(chart: ChartInstance, category: string, value: number): Promise<void> {
  const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [category, value]) as number[];
  await clickAtPixel(chart, x, y);
}

async function clickAtPixel(chart: ChartInstance, x: number, y: number): Promise<void> {
  const handler = (chart.getZr() as unknown as { handler: { dispatch(name: string, event: object): void } }).handler;
  const event = { zrX: x, zrY: y, offsetX: x, offsetY: y, target: null, preventDefault() {}, stopPropagation() {} };
  await act(async () => {
    handler.dispatch('mousemove', event);
    handler.dispatch('mousedown', event);
    handler.dispatch('mouseup', event);
    handler.dispatch('click', event);
  });
}

describe('PanelView drill-down', () => {
  const panel: DashboardPanel = {
    id: 'by_country',
    title: 'Orders by country',
    chart: 'bar',
    query: { source: 'shop', measures: ['orders'], dimensions: ['props.country'] },
    layout: { x: 0, y: 0, w: 6, h: 6 },
  };
  const answer: QueryResult = {
    columns: [
      { name: 'props.country', type: 'string' },
      { name: 'orders', type: 'integer' },
    ],
    rows: [
      ['de', 12],
      ['fr', 7],
      [null, 2],
    ],
    meta: { took_ms: 1, cached: false },
  };

  it('turns a click on a bar into a dashboard filter', async () => {
    const filters: Filter[] = [];
    const { container } = render(<PanelView panel={panel} answer={answer} theme="light" onDrill={(f) => filters.push(f)} height={300} renderer="svg" />);
    expect(hostOf(container).getAttribute('data-chart-kind')).toBe('bar');
    const chart = await chartOf(container);
    // After the entry animation, the bars are at their full height.
    await waitFor(() => expect(hostOf(container).getAttribute('data-painted')).toBe('true'), { timeout: 5000 });
    await clickAt(chart, 'fr', 3);
    await clickAt(chart, '(none)', 1);
    expect(filters).toEqual([
      { field: 'props.country', op: 'eq', value: 'fr' },
      { field: 'props.country', op: 'exists', value: false },
    ]);
  });

  it('turns a click on a time-series line into a filter by its series', async () => {
    const filters: Filter[] = [];
    const linePanel: DashboardPanel = { ...panel, id: 'trend', chart: 'line', query: { ...panel.query, interval: 'day' } as DashboardPanel['query'] };
    const trend: QueryResult = {
      columns: [
        { name: 'time', type: 'time' },
        { name: 'props.country', type: 'string' },
        { name: 'orders', type: 'integer' },
      ],
      rows: [
        ['2026-03-01T00:00:00+01:00', 'de', 10],
        ['2026-03-01T00:00:00+01:00', 'fr', 50],
        ['2026-03-02T00:00:00+01:00', 'de', 12],
        ['2026-03-02T00:00:00+01:00', 'fr', 60],
        ['2026-03-03T00:00:00+01:00', 'de', 14],
        ['2026-03-03T00:00:00+01:00', 'fr', 70],
      ],
      meta: { took_ms: 1, cached: false },
    };
    const { container } = render(<PanelView panel={linePanel} answer={trend} theme="light" onDrill={(f) => filters.push(f)} height={300} renderer="svg" />);
    const chart = await chartOf(container);
    await waitFor(() => expect(hostOf(container).getAttribute('data-painted')).toBe('true'), { timeout: 5000 });
    // Halfway between two points of the fr line: on the line, on no point.
    const [x1, y1] = chart.convertToPixel({ seriesIndex: 1 }, ['2026-03-01T00:00:00+01:00', 50]) as number[];
    const [x2, y2] = chart.convertToPixel({ seriesIndex: 1 }, ['2026-03-02T00:00:00+01:00', 60]) as number[];
    await clickAtPixel(chart, (x1 + x2) / 2, (y1 + y2) / 2);
    expect(filters).toEqual([{ field: 'props.country', op: 'eq', value: 'fr' }]);
  });

  it('shows a skeleton while loading and an empty state without rows', () => {
    const { container, rerender } = render(<PanelView panel={panel} answer={undefined} theme="light" />);
    expect(container.querySelector('[aria-busy="true"]')).not.toBeNull();
    expect(container.querySelector('.echart')).toBeNull();
    rerender(<PanelView panel={panel} answer={{ ...answer, rows: [] }} theme="light" />);
    expect(container.textContent).toContain('No data in this range');
    expect(container.querySelector('.echart')).toBeNull();
  });

  it('draws a KPI stat with its value, change and status', () => {
    const kpiPanel: DashboardPanel = { ...panel, id: 'revenue', chart: 'kpi', options: { unit: 'currency' } };
    const kpiAnswer: QueryResult = {
      columns: [
        { name: 'time', type: 'time' },
        { name: 'revenue', type: 'number' },
        { name: 'revenue_previous', type: 'number' },
      ],
      rows: [
        ['2026-03-01T00:00:00+01:00', 1000.5, 800],
        ['2026-03-02T00:00:00+01:00', null, 200],
        ['2026-03-03T00:00:00+01:00', 199.5, null],
      ],
      meta: { took_ms: 1, cached: false },
    };
    const kpi = { name: 'revenue', metric: 'revenue', direction: 'higher' as const, target: 1500, warning: 1000, critical: 500 };
    const { getByTestId, container } = render(<PanelView panel={kpiPanel} answer={kpiAnswer} kpi={kpi} theme="dark" />);
    const value = getByTestId('kpi-value');
    expect(value.textContent).toBe('$1,200.00');
    expect(Number(value.getAttribute('data-value'))).toBe(1200);
    const change = getByTestId('kpi-change');
    expect(Number(change.getAttribute('data-value'))).toBeCloseTo(0.2, 10);
    expect(change.textContent).toContain('+20.0 %');
    expect(change.getAttribute('data-trend')).toBe('better');
    expect(container.querySelector('[data-status]')?.getAttribute('data-status')).toBe('good');
    expect(container.textContent).toContain('target $1,500.00');
  });

  it('draws a table in the answer\'s order whose rows drill down by click or Enter', () => {
    const filters: Filter[] = [];
    const { container } = render(<PanelView panel={{ ...panel, chart: 'table' }} answer={answer} theme="light" onDrill={(f) => filters.push(f)} />);
    const rows = [...container.querySelectorAll('tbody tr')];
    expect(rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      ['de', '12'],
      ['fr', '7'],
      ['(none)', '2'],
    ]);
    expect([...container.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual(['props.country', 'orders']);
    (rows[1] as HTMLElement).click();
    rows[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(filters).toEqual([
      { field: 'props.country', op: 'eq', value: 'fr' },
      { field: 'props.country', op: 'eq', value: 'de' },
    ]);
    expect(rows[0].getAttribute('tabindex')).toBe('0');
  });
});

describe('every chart kind through the real ECharts', () => {
  const trend: QueryResult = {
    columns: [
      { name: 'time', type: 'time' },
      { name: 'props.country', type: 'string' },
      { name: 'orders', type: 'integer' },
      { name: 'revenue', type: 'number' },
      { name: 'orders_previous', type: 'integer' },
      { name: 'revenue_previous', type: 'number' },
    ],
    rows: [
      ['2026-03-28T00:00:00+01:00', 'de', 4, 120.5, 3, 99],
      ['2026-03-28T00:00:00+01:00', 'fr', 2, null, 1, 20],
      ['2026-03-29T00:00:00+01:00', 'de', 6, 180, 5, null],
      ['2026-03-29T00:00:00+01:00', 'fr', 0, 0, 2, 40],
    ],
    meta: { took_ms: 1, cached: false },
  };
  const funnel: QueryResult = {
    columns: [
      { name: 'step', type: 'integer' },
      { name: 'name', type: 'string' },
      { name: 'actors', type: 'integer' },
      { name: 'conversion', type: 'number' },
      { name: 'step_conversion', type: 'number' },
    ],
    rows: [
      [1, 'product_view', 100, 1, 1],
      [2, 'add_to_cart', 40, 0.4, 0.4],
      [3, 'order_completed', 10, 0.1, 0.25],
    ],
    meta: { took_ms: 1, cached: false },
  };
  const kinds = ['line', 'area', 'bar', 'stacked_bar', 'pie', 'donut', 'scatter', 'funnel', 'gauge', 'heatmap'] as const;
  for (const kind of kinds) {
    it(`draws ${kind} without a warning`, async () => {
      const panel: DashboardPanel = {
        id: `k_${kind}`,
        title: kind,
        chart: kind,
        query: { source: 'shop', measures: ['orders', 'revenue'], dimensions: ['props.country'], interval: 'day', compare: 'previous_period' },
        layout: { x: 0, y: 0, w: 6, h: 6 },
        options: kind === 'gauge' ? { thresholds: { direction: 'higher', warning: 8, critical: 4 } } : {},
      };
      const { container } = render(<PanelView panel={panel} answer={trend} theme="dark" height={280} renderer="svg" />);
      const chart = await chartOf(container);
      await waitFor(() => expect(hostOf(container).getAttribute('data-painted')).toBe('true'), { timeout: 5000 });
      expect(hostOf(container).getAttribute('data-chart-kind')).toBe(kind);
      expect((chart.getOption().series as unknown[]).length).toBeGreaterThan(0);
      expect(hostOf(container).querySelectorAll('path, rect').length).toBeGreaterThan(0);
    });
  }
  it('draws a funnel answer as a funnel and as bars', async () => {
    for (const kind of ['funnel', 'bar'] as const) {
      const panel: DashboardPanel = { id: `f_${kind}`, title: 'Checkout', chart: kind, query: { kind: 'funnel', source: 'shop', steps: [{ name: 'a' }, { name: 'b' }] }, layout: { x: 0, y: 0, w: 6, h: 6 } };
      const { container, unmount } = render(<PanelView panel={panel} answer={funnel} theme="light" height={280} renderer="svg" />);
      const chart = await chartOf(container);
      const series = chart.getOption().series as Array<{ type: string; data: Array<{ value: number }> }>;
      expect(series[0].type).toBe(kind);
      expect(series[0].data.map((d) => d.value)).toEqual([100, 40, 10]);
      unmount();
    }
  });
});
