import type { Interval, QueryResult, TrendQuery } from '@sightline/sdk';
import { SERIES_PALETTE } from '../../components/charts/chart-themes';
import type { ChartOption } from '../../components/charts/types';
import {
  analyzeAnswer,
  dimensionCell,
  dimensionLabel,
  groupByDimensions,
  numberCell,
  type AnswerShape,
  type DrillRef,
} from './answer-shape';
import { ANIMATION, PREVIOUS_ID_PREFIX, PREVIOUS_LABEL, type DrillItem, type OptionContext, type SeriesSpec } from './chart-option-types';
import { formatBucketAt, formatCompact, formatTimeAt, formatValue, offsetMinutes } from './format';

// Line, area, bar, stacked bar and scatter: everything drawn on x/y axes.

type CartesianKind = 'line' | 'area' | 'bar' | 'stacked_bar' | 'scatter';

function cartesianKind(chart: string): CartesianKind {
  return chart === 'area' || chart === 'bar' || chart === 'stacked_bar' || chart === 'scatter' ? chart : 'line';
}

/** `revenue · de · mobile`: the measure, then the dimension values the series stands for. */
function seriesName(measure: string, values: Array<string | null>): string {
  return values.length === 0 ? measure : `${measure} · ${dimensionLabel(values)}`;
}

/** How a current series looks, and how its previous-period companion differs (dashed, fainter). */
function styleSeries(kind: CartesianKind, measure: string, colour: string, previous: boolean): Record<string, unknown> {
  const type = kind === 'stacked_bar' ? 'bar' : kind === 'area' ? 'line' : kind;
  const style: Record<string, unknown> = { type, color: colour };
  if (type === 'line') {
    style.showSymbol = false;
    style.symbol = 'circle';
    style.connectNulls = false;
    // Points are hidden until hovered; a click on the line itself must still drill down.
    style.triggerEvent = true;
    style.lineStyle = { width: previous ? 1.5 : 2, type: previous ? 'dashed' : 'solid' };
    if (kind === 'area' && !previous) style.areaStyle = { opacity: 0.22 };
  }
  if (type === 'bar') {
    style.barMaxWidth = 36;
    if (previous) style.itemStyle = { opacity: 0.45, borderType: 'dashed', borderWidth: 1, borderColor: colour };
    if (kind === 'stacked_bar') style.stack = previous ? `${PREVIOUS_ID_PREFIX}${measure}` : measure;
  }
  if (type === 'scatter') style.symbolSize = 8;
  if (previous) style.lineStyle = { ...(style.lineStyle as object | undefined), type: 'dashed' };
  return style;
}

/** The offset (minutes) the answer uses at an instant: bucket offsets can change across DST. */
function offsetLookup(times: string[]): (ms: number) => number {
  const points = [...new Set(times)].map((t) => [Date.parse(t), offsetMinutes(t)] as const).filter(([ms]) => !Number.isNaN(ms));
  points.sort((a, b) => a[0] - b[0]);
  return (ms) => {
    let offset = points[0]?.[1] ?? 0;
    for (const [at, minutes] of points) {
      if (at > ms) break;
      offset = minutes;
    }
    return offset;
  };
}

function valueAxis(unit: string | undefined): Record<string, unknown> {
  return { type: 'value', axisLabel: { formatter: (v: number) => formatCompact(v, unit) } };
}

function frame(series: SeriesSpec[], ctx: OptionContext, axes: { xAxis: unknown; yAxis: unknown }, trigger: 'axis' | 'item'): ChartOption {
  // Previous-period companions stay out of the legend: they share their series' colour and the
  // tooltip names them, and a legend twice as long would scroll on a small panel.
  const named = series.filter((s) => !s.id.startsWith(PREVIOUS_ID_PREFIX)).map((s) => s.name);
  const legend = named.length > 1;
  return {
    ...ANIMATION,
    grid: { left: 8, right: 16, top: 16, bottom: legend ? 40 : 8 },
    tooltip: {
      trigger,
      confine: true,
      valueFormatter: (v: unknown) => formatValue(Array.isArray(v) ? v[v.length - 1] : v, ctx.unit),
    },
    ...(legend ? { legend: { type: 'scroll', bottom: 0, data: named } } : {}),
    ...axes,
    series,
  };
}

/** Trend answers with a `time` column: a time x axis, one series per measure × dimension values. */
function timeSeriesOption(answer: QueryResult, shape: AnswerShape, kind: CartesianKind, ctx: OptionContext): ChartOption {
  const groups = groupByDimensions(answer.rows, shape.dimensions);
  const series: SeriesSpec[] = [];
  const previous: SeriesSpec[] = [];
  let colourIndex = 0;
  for (const measure of shape.measures) {
    for (const group of groups) {
      const colour = SERIES_PALETTE[colourIndex++ % SERIES_PALETTE.length];
      const drill: DrillRef[] = shape.dimensions.map((d, i) => ({ field: d.name, value: group.values[i] }));
      const rows = [...group.rows].sort((a, b) => Date.parse(String(a[shape.timeIndex])) - Date.parse(String(b[shape.timeIndex])));
      const name = seriesName(measure.name, group.values);
      const point = (row: unknown[], index: number): DrillItem => ({ value: [row[shape.timeIndex], numberCell(row[index])], ...(drill.length ? { drill } : {}) });
      series.push({ id: `${measure.name}|${group.key}`, name, ...styleSeries(kind, measure.name, colour, false), type: seriesType(kind), data: rows.map((row) => point(row, measure.index)) });
      if (measure.previousIndex !== undefined && kind !== 'scatter') {
        const previousIndex = measure.previousIndex;
        previous.push({
          id: `${PREVIOUS_ID_PREFIX}${measure.name}|${group.key}`,
          name: `${name} (${PREVIOUS_LABEL})`,
          ...styleSeries(kind, measure.name, colour, true),
          type: seriesType(kind),
          data: rows.map((row) => point(row, previousIndex)),
        });
      }
    }
  }
  const interval = (ctx.panel.query as TrendQuery).interval as Interval | undefined;
  const offsetAt = offsetLookup(answer.rows.map((row) => String(row[shape.timeIndex])));
  const xAxis = {
    type: 'time',
    boundaryGap: kind === 'bar' || kind === 'stacked_bar' ? ['2%', '2%'] : false,
    axisLabel: { hideOverlap: true, formatter: (ms: number) => formatTimeAt(ms, offsetAt(ms), interval) },
    axisPointer: { label: { formatter: (p: { value: number }) => formatBucketAt(p.value, offsetAt(p.value), interval) } },
  };
  return frame([...series, ...previous], ctx, { xAxis, yAxis: valueAxis(ctx.unit) }, kind === 'scatter' ? 'item' : 'axis');
}

function seriesType(kind: CartesianKind): string {
  return kind === 'stacked_bar' ? 'bar' : kind === 'area' ? 'line' : kind;
}

/** Without time: the first dimension is the category axis; the other dimensions split series. */
function categoryOption(answer: QueryResult, shape: AnswerShape, kind: CartesianKind, ctx: OptionContext): ChartOption {
  const [first, ...rest] = shape.dimensions;
  if (!first) return measuresAsCategories(answer, shape, kind, ctx);
  const categories: Array<string | null> = [];
  const categoryIndex = new Map<string, number>();
  for (const row of answer.rows) {
    const value = dimensionCell(row[first.index]);
    const key = JSON.stringify(value);
    if (!categoryIndex.has(key)) {
      categoryIndex.set(key, categories.length);
      categories.push(value);
    }
  }
  const groups = groupByDimensions(answer.rows, rest);
  const series: SeriesSpec[] = [];
  const previous: SeriesSpec[] = [];
  let colourIndex = 0;
  const fill = (group: (typeof groups)[number], index: number): DrillItem[] => {
    const data: DrillItem[] = categories.map((category) => ({
      value: null,
      drill: [{ field: first.name, value: category }, ...rest.map((d, i) => ({ field: d.name, value: group.values[i] }))],
    }));
    for (const row of group.rows) {
      const at = categoryIndex.get(JSON.stringify(dimensionCell(row[first.index])));
      if (at !== undefined) data[at].value = numberCell(row[index]);
    }
    return data;
  };
  for (const measure of shape.measures) {
    for (const group of groups) {
      const colour = SERIES_PALETTE[colourIndex++ % SERIES_PALETTE.length];
      const name = rest.length ? seriesName(measure.name, group.values) : measure.name;
      series.push({ id: `${measure.name}|${group.key}`, name, ...styleSeries(kind, measure.name, colour, false), type: seriesType(kind), data: fill(group, measure.index) });
      if (measure.previousIndex !== undefined && kind !== 'scatter') {
        previous.push({
          id: `${PREVIOUS_ID_PREFIX}${measure.name}|${group.key}`,
          name: `${name} (${PREVIOUS_LABEL})`,
          ...styleSeries(kind, measure.name, colour, true),
          type: seriesType(kind),
          data: fill(group, measure.previousIndex),
        });
      }
    }
  }
  const xAxis = { type: 'category', data: categories.map((c) => dimensionLabel([c])), axisLabel: { hideOverlap: true } };
  return frame([...series, ...previous], ctx, { xAxis, yAxis: valueAxis(ctx.unit) }, kind === 'scatter' ? 'item' : 'axis');
}

/** No time, no dimension (one row of totals): one bar per measure. */
function measuresAsCategories(answer: QueryResult, shape: AnswerShape, kind: CartesianKind, ctx: OptionContext): ChartOption {
  const row = answer.rows[0] ?? [];
  const series: SeriesSpec[] = [
    { id: 'value', name: 'value', ...styleSeries(kind, 'value', SERIES_PALETTE[0], false), type: seriesType(kind), data: shape.measures.map((m) => ({ value: numberCell(row[m.index]) })) },
  ];
  if (shape.measures.some((m) => m.previousIndex !== undefined) && kind !== 'scatter') {
    series.push({
      id: `${PREVIOUS_ID_PREFIX}value`,
      name: PREVIOUS_LABEL,
      ...styleSeries(kind, 'value', SERIES_PALETTE[0], true),
      type: seriesType(kind),
      data: shape.measures.map((m) => ({ value: m.previousIndex === undefined ? null : numberCell(row[m.previousIndex]) })),
    });
  }
  const xAxis = { type: 'category', data: shape.measures.map((m) => m.name) };
  return frame(series, ctx, { xAxis, yAxis: valueAxis(ctx.unit) }, 'axis');
}

/** Scatter without time and with two measures: each row is a point (x = first, y = second measure). */
function scatterPairsOption(answer: QueryResult, shape: AnswerShape, ctx: OptionContext): ChartOption {
  const [mx, my] = shape.measures;
  const data: DrillItem[] = answer.rows.map((row) => {
    const values = shape.dimensions.map((d) => dimensionCell(row[d.index]));
    return {
      value: [numberCell(row[mx.index]), numberCell(row[my.index])],
      ...(values.length ? { name: dimensionLabel(values), drill: shape.dimensions.map((d, i) => ({ field: d.name, value: values[i] })) } : {}),
    };
  });
  const series: SeriesSpec[] = [{ id: `${mx.name}|${my.name}`, name: `${my.name} by ${mx.name}`, type: 'scatter', symbolSize: 9, color: SERIES_PALETTE[0], data }];
  return frame(series, ctx, { xAxis: { ...valueAxis(ctx.unit), name: mx.name, nameLocation: 'middle', nameGap: 24 }, yAxis: { ...valueAxis(ctx.unit), name: my.name } }, 'item');
}

/** Funnel answers on axes (the `bar` kind): one bar per step, one series per breakdown value. */
function funnelBarsOption(answer: QueryResult, shape: AnswerShape, kind: CartesianKind, ctx: OptionContext): ChartOption {
  const stepIndex = answer.columns.findIndex((c) => c.name === 'step');
  const nameIndex = answer.columns.findIndex((c) => c.name === 'name');
  const actorsIndex = answer.columns.findIndex((c) => c.name === 'actors');
  const steps = new Map<number, string>();
  for (const row of answer.rows) steps.set(Number(row[stepIndex]), String(row[nameIndex]));
  const order = [...steps.keys()].sort((a, b) => a - b);
  const groups = groupByDimensions(answer.rows, shape.dimensions);
  const series: SeriesSpec[] = groups.map((group, g) => {
    const drill = shape.dimensions.map((d, i) => ({ field: d.name, value: group.values[i] }));
    const byStep = new Map(group.rows.map((row) => [Number(row[stepIndex]), numberCell(row[actorsIndex])]));
    return {
      id: `actors|${group.key}`,
      name: group.values.length ? dimensionLabel(group.values) : 'actors',
      ...styleSeries(kind, 'actors', SERIES_PALETTE[g % SERIES_PALETTE.length], false),
      type: seriesType(kind),
      data: order.map((step) => ({ value: byStep.get(step) ?? null, ...(drill.length ? { drill } : {}) })),
    };
  });
  const xAxis = { type: 'category', data: order.map((step) => `${step}. ${steps.get(step)}`), axisLabel: { hideOverlap: true } };
  return frame(series, { ...ctx, unit: 'count' }, { xAxis, yAxis: valueAxis('count') }, 'axis');
}

export function cartesianOption(answer: QueryResult, ctx: OptionContext): ChartOption {
  const shape = analyzeAnswer(answer);
  const kind = cartesianKind(ctx.panel.chart);
  if (shape.funnel) return funnelBarsOption(answer, shape, kind, ctx);
  if (shape.timeIndex >= 0) return timeSeriesOption(answer, shape, kind, ctx);
  if (kind === 'scatter' && shape.measures.length >= 2) return scatterPairsOption(answer, shape, ctx);
  return categoryOption(answer, shape, kind, ctx);
}

