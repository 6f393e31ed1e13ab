import type { Interval, QueryResult, TrendQuery } from '@sightline/sdk';
import type { ChartOption } from '../../components/charts/types';
import { analyzeAnswer, dimensionCell, dimensionLabel, numberCell, pickMeasure, type DrillRef } from './answer-shape';
import { ANIMATION, type DrillItem, type OptionContext } from './chart-option-types';
import { formatCompact, formatTimeAt, formatTimeFull, formatValue, offsetMinutes } from './format';

// Heatmap: time × dimension values, or dimension × dimension; the colour is the measure. ECharts
// draws heatmaps on two category axes, so time buckets are categories here (in time order).

const RAMPS = { light: ['#e9effd', '#9db6fb', '#4f7cff', '#1d3fb8'], dark: ['#1b2540', '#2f4a91', '#5b85ff', '#b3c8ff'] };

interface Axis {
  keys: string[];
  labels: string[];
  index: Map<string, number>;
}

function axisOf(keys: string[], labels: string[]): Axis {
  return { keys, labels, index: new Map(keys.map((k, i) => [k, i])) };
}

export function heatmapOption(answer: QueryResult, ctx: OptionContext): ChartOption {
  const shape = analyzeAnswer(answer);
  const measure = pickMeasure(shape, ctx.panel.options?.measure);
  const interval = (ctx.panel.query as TrendQuery).interval as Interval | undefined;
  const data: DrillItem[] = [];
  const useTime = shape.timeIndex >= 0;
  // Rows: the dimension combinations (time on x), or the dimensions after the first (first on x).
  const yDims = useTime ? shape.dimensions : shape.dimensions.slice(1);
  const xDim = useTime ? undefined : shape.dimensions[0];
  const yKeys = new Map<string, Array<string | null>>();
  const xKeys = new Map<string, string>();
  const measuresOnY = yDims.length === 0;

  const xKeyOf = (row: unknown[]): string => (useTime ? String(row[shape.timeIndex]) : JSON.stringify(dimensionCell(xDim ? row[xDim.index] : null)));
  for (const row of answer.rows) {
    const key = xKeyOf(row);
    if (!xKeys.has(key)) {
      xKeys.set(key, useTime ? formatTimeAt(Date.parse(key), offsetMinutes(key), interval) : dimensionLabel([JSON.parse(key) as string | null]));
    }
    if (!measuresOnY) {
      const values = yDims.map((d) => dimensionCell(row[d.index]));
      yKeys.set(JSON.stringify(values), values);
    }
  }
  const xOrder = [...xKeys.keys()];
  if (useTime) xOrder.sort((a, b) => Date.parse(a) - Date.parse(b));
  const x = axisOf(xOrder, xOrder.map((k) => xKeys.get(k) ?? k));
  const measures = measuresOnY ? shape.measures : measure ? [measure] : [];
  const y = measuresOnY
    ? axisOf(measures.map((m) => m.name), measures.map((m) => m.name))
    : axisOf([...yKeys.keys()], [...yKeys.values()].map((v) => dimensionLabel(v)));

  let lo = Infinity;
  let hi = -Infinity;
  for (const row of answer.rows) {
    const xi = x.index.get(xKeyOf(row));
    if (xi === undefined) continue;
    const drill: DrillRef[] = [];
    if (xDim) drill.push({ field: xDim.name, value: dimensionCell(row[xDim.index]) });
    for (const d of yDims) drill.push({ field: d.name, value: dimensionCell(row[d.index]) });
    for (const m of measures) {
      const yi = measuresOnY ? y.index.get(m.name) : y.index.get(JSON.stringify(yDims.map((d) => dimensionCell(row[d.index]))));
      if (yi === undefined) continue;
      const value = numberCell(row[m.index]);
      if (value !== null) {
        lo = Math.min(lo, value);
        hi = Math.max(hi, value);
      }
      data.push({ value: [xi, yi, value], ...(drill.length ? { drill } : {}), ...(useTime ? { time: row[shape.timeIndex] } : {}) });
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  return {
    ...ANIMATION,
    grid: { left: 8, right: 16, top: 12, bottom: 56 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { data: DrillItem & { time?: string }; value: [number, number, number | null] }) => {
        const [xi, yi, v] = p.value;
        const where = p.data.time ? formatTimeFull(p.data.time, interval) : x.labels[xi];
        return `${y.labels[yi]} · ${where}<br/><b>${formatValue(v, ctx.unit)}</b>`;
      },
    },
    xAxis: { type: 'category', data: x.labels, splitArea: { show: false }, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'category', data: y.labels, splitArea: { show: false } },
    visualMap: {
      min: lo,
      max: hi === lo ? lo + 1 : hi,
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      itemWidth: 10,
      inRange: { color: RAMPS[ctx.theme] },
      formatter: (v: number) => formatCompact(v, ctx.unit),
    },
    series: [
      {
        id: 'heatmap',
        name: measure?.name ?? 'value',
        type: 'heatmap',
        itemStyle: { borderWidth: 1, borderColor: 'transparent' },
        emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } },
        data,
      },
    ],
  };
}
