import type { QueryResult } from '@sightline/sdk';
import type { ChartOption } from '../../components/charts/types';
import { analyzeAnswer, dimensionLabel, groupByDimensions, numberCell, pickMeasure, sumColumn, type AnswerShape } from './answer-shape';
import { ANIMATION, type DrillItem, type OptionContext, type SeriesSpec } from './chart-option-types';
import { formatValue } from './format';

// Pie, donut and funnel: parts of a whole.

interface Slice {
  name: string;
  value: number | null;
  drill?: DrillItem['drill'];
}

/** One slice per combination of dimension values, the measure summed over time; else one per measure. */
function slicesOf(answer: QueryResult, shape: AnswerShape, preferred: string | undefined): Slice[] {
  const measure = pickMeasure(shape, preferred);
  if (!measure) return [];
  if (shape.dimensions.length === 0) {
    return shape.measures.map((m) => ({ name: m.name, value: sumColumn(answer.rows, m.index) }));
  }
  return groupByDimensions(answer.rows, shape.dimensions).map((group) => ({
    name: dimensionLabel(group.values),
    value: sumColumn(group.rows, measure.index),
    drill: shape.dimensions.map((d, i) => ({ field: d.name, value: group.values[i] })),
  }));
}

function funnelSteps(answer: QueryResult, rows: unknown[][]): Array<{ step: number; name: string; actors: number | null; conversion: number | null; stepConversion: number | null }> {
  const col = (name: string) => answer.columns.findIndex((c) => c.name === name);
  const [step, name, actors, conversion, stepConversion] = ['step', 'name', 'actors', 'conversion', 'step_conversion'].map(col);
  return rows
    .map((row) => ({
      step: Number(row[step]),
      name: String(row[name]),
      actors: numberCell(row[actors]),
      conversion: conversion >= 0 ? numberCell(row[conversion]) : null,
      stepConversion: stepConversion >= 0 ? numberCell(row[stepConversion]) : null,
    }))
    .sort((a, b) => a.step - b.step);
}

export function pieOption(answer: QueryResult, ctx: OptionContext): ChartOption {
  const shape = analyzeAnswer(answer);
  const donut = ctx.panel.chart === 'donut' || ctx.panel.options?.donut === true;
  let slices: Slice[];
  if (shape.funnel) {
    // A funnel as a pie: who entered it, split by breakdown (or the steps, without one).
    const stepIndex = answer.columns.findIndex((c) => c.name === 'step');
    const firstSteps = answer.rows.filter((row) => Number(row[stepIndex]) === 1);
    slices = shape.dimensions.length
      ? slicesOf({ ...answer, rows: firstSteps }, shape, 'actors')
      : funnelSteps(answer, answer.rows).map((s) => ({ name: s.name, value: s.actors }));
  } else {
    slices = slicesOf(answer, shape, ctx.panel.options?.measure);
  }
  const data: DrillItem[] = slices.map((s) => ({ name: s.name, value: s.value, ...(s.drill ? { drill: s.drill } : {}) }));
  const series: SeriesSpec = {
    id: 'slices',
    name: ctx.panel.title || 'share',
    type: 'pie',
    radius: donut ? ['40%', '64%'] : '64%',
    center: ['50%', '46%'],
    avoidLabelOverlap: true,
    itemStyle: { borderWidth: 1, borderRadius: donut ? 4 : 0 },
    label: { show: slices.length <= 8, formatter: '{b}: {d}%', overflow: 'none', textBorderWidth: 0 },
    data,
  };
  return {
    ...ANIMATION,
    tooltip: { trigger: 'item', confine: true, valueFormatter: (v: unknown) => formatValue(v, ctx.unit) },
    legend: { type: 'scroll', bottom: 0 },
    series: [series],
  };
}

export function funnelOption(answer: QueryResult, ctx: OptionContext): ChartOption {
  const shape = analyzeAnswer(answer);
  const series: SeriesSpec[] = [];
  if (shape.funnel) {
    const groups = groupByDimensions(answer.rows, shape.dimensions);
    const width = 100 / Math.max(groups.length, 1);
    groups.forEach((group, g) => {
      const drill = shape.dimensions.map((d, i) => ({ field: d.name, value: group.values[i] }));
      series.push({
        id: `funnel|${group.key}`,
        name: group.values.length ? dimensionLabel(group.values) : 'actors',
        type: 'funnel',
        sort: 'none',
        gap: 2,
        left: `${g * width + 2}%`,
        width: `${width - 4}%`,
        top: 24,
        bottom: 36,
        minSize: '8%',
        label: {
          show: true,
          position: 'inside',
          formatter: (p: { name: string; data: { conversion?: number | null } }) => (p.data.conversion == null ? p.name : `${p.name} · ${formatValue(p.data.conversion, 'ratio')}`),
        },
        data: funnelSteps(answer, group.rows).map((s) => ({
          name: s.name,
          value: s.actors,
          step: s.step,
          conversion: s.conversion,
          step_conversion: s.stepConversion,
          ...(drill.length ? { drill } : {}),
        })),
      });
    });
  } else {
    const slices = slicesOf(answer, shape, ctx.panel.options?.measure).sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity));
    series.push({
      id: 'funnel',
      name: ctx.panel.title || 'funnel',
      type: 'funnel',
      sort: 'descending',
      gap: 2,
      top: 24,
      bottom: 36,
      label: { show: true, position: 'inside' },
      data: slices.map((s) => ({ name: s.name, value: s.value, ...(s.drill ? { drill: s.drill } : {}) })),
    });
  }
  return {
    ...ANIMATION,
    tooltip: { trigger: 'item', confine: true, valueFormatter: (v: unknown) => formatValue(v, shape.funnel ? 'count' : ctx.unit) },
    legend: series.length > 1 ? { type: 'scroll', bottom: 0, data: series.map((s) => s.name) } : { show: false },
    series,
  };
}
