import type * as EChartsCoreModule from 'echarts/core';
import type { ChartOption, ChartPart, ChartRenderer } from './types';

// ECharts is split so that the code before the first chart stays small: `echarts/core` and each
// chart type, component and renderer arrive as separate dynamic imports, only when a chart needs
// them. The installers are imported one file each (not from the `echarts/charts` barrel), so that
// each becomes its own chunk: a line chart never downloads the funnel, the heatmap or the SVG renderer.

type EChartsCore = typeof EChartsCoreModule;
type Extension = Parameters<EChartsCore['use']>[0];

/** One loader per part. Exported so that a test can see which of them ran. */
export const partLoaders: Record<ChartPart, () => Promise<Extension>> = {
  line: () => import('echarts/lib/chart/line/install.js').then(({ install }) => install),
  bar: () => import('echarts/lib/chart/bar/install.js').then(({ install }) => install),
  pie: () => import('echarts/lib/chart/pie/install.js').then(({ install }) => install),
  scatter: () => import('echarts/lib/chart/scatter/install.js').then(({ install }) => install),
  funnel: () => import('echarts/lib/chart/funnel/install.js').then(({ install }) => install),
  gauge: () => import('echarts/lib/chart/gauge/install.js').then(({ install }) => install),
  heatmap: () => import('echarts/lib/chart/heatmap/install.js').then(({ install }) => install),
  grid: () => import('echarts/lib/component/grid/install.js').then(({ install }) => install),
  tooltip: () => import('echarts/lib/component/tooltip/install.js').then(({ install }) => install),
  legend: () => import('echarts/lib/component/legend/install.js').then(({ install }) => install),
  visualMap: () => import('echarts/lib/component/visualMap/installVisualMapContinuous.js').then(({ install }) => install),
  markLine: () => import('echarts/lib/component/marker/installMarkLine.js').then(({ install }) => install),
  canvas: () => import('echarts/lib/renderer/installCanvasRenderer.js').then(({ install }) => install),
  svg: () => import('echarts/lib/renderer/installSVGRenderer.js').then(({ install }) => install),
};

let corePromise: Promise<EChartsCore> | undefined;
const partPromises = new Map<ChartPart, Promise<void>>();

/** The parts whose loader has run in this page (a part is never loaded twice). */
export function loadedParts(): ReadonlySet<ChartPart> {
  return new Set(partPromises.keys());
}

function loadCore(): Promise<EChartsCore> {
  corePromise ??= import('echarts/core').catch((error: unknown) => {
    corePromise = undefined;
    throw error;
  });
  return corePromise;
}

function loadPart(part: ChartPart): Promise<void> {
  let pending = partPromises.get(part);
  if (!pending) {
    // The part's code and the core download side by side; registering waits for both.
    pending = Promise.all([loadCore(), partLoaders[part]()]).then(
      ([core, extension]) => core.use(extension),
      (error: unknown) => {
        // A failed chunk (a deploy in between, a dropped connection) may be retried by the next chart.
        partPromises.delete(part);
        throw error;
      },
    );
    partPromises.set(part, pending);
  }
  return pending;
}

/** Loads `echarts/core` and the given parts, registering each once; resolves to the core module. */
export async function loadECharts(parts: Iterable<ChartPart>): Promise<EChartsCore> {
  const [core] = await Promise.all([loadCore(), ...[...new Set(parts)].map(loadPart)]);
  return core;
}

/**
 * Starts loading parts that a chart is about to need (while its data is still on the way), so
 * that the code and the answer arrive together. Failures are left to the chart's own load.
 */
export function preloadECharts(parts: Iterable<ChartPart>): void {
  loadECharts(parts).catch(() => undefined);
}

const SERIES_PARTS: Record<string, ChartPart> = {
  line: 'line',
  bar: 'bar',
  pie: 'pie',
  scatter: 'scatter',
  funnel: 'funnel',
  gauge: 'gauge',
  heatmap: 'heatmap',
};

function asList(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
  if (typeof value === 'object' && value !== null) return [value as Record<string, unknown>];
  return [];
}

/** The parts an option needs: its series types, the components it names, and the renderer. */
export function partsForOption(option: ChartOption, renderer: ChartRenderer): ChartPart[] {
  const parts = new Set<ChartPart>([renderer]);
  for (const series of asList(option.series)) {
    const part = typeof series.type === 'string' ? SERIES_PARTS[series.type] : undefined;
    if (part) parts.add(part);
    if (series.markLine) parts.add('markLine');
  }
  if (option.xAxis !== undefined || option.yAxis !== undefined || option.grid !== undefined) parts.add('grid');
  if (option.tooltip !== undefined) parts.add('tooltip');
  if (option.legend !== undefined) parts.add('legend');
  if (option.visualMap !== undefined) parts.add('visualMap');
  return [...parts];
}
