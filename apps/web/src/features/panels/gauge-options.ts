import type { QueryResult } from '@sightline/sdk';
import { THEME_COLOURS } from '../../components/charts/chart-themes';
import type { ChartOption } from '../../components/charts/types';
import { analyzeAnswer, pickMeasure, sumColumn } from './answer-shape';
import { ANIMATION, type OptionContext } from './chart-option-types';
import { formatCompact, formatValue } from './format';
import { panelThresholds, type KpiThresholds } from './kpi-status';

/** A round upper bound above `value`: 1, 2, 2.5, 5 × 10ⁿ. */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * The colour bands of the dial, as ECharts wants them: `[end fraction, colour]` pairs from the
 * bad end to the good end, per the direction. Without thresholds the whole dial is the accent.
 */
export function gaugeBands(t: KpiThresholds, min: number, max: number, colours: { good: string; warning: string; critical: string; neutral: string }): Array<[number, string]> {
  const span = max - min || 1;
  const at = (v: number) => Math.min(1, Math.max(0, (v - min) / span));
  const higher = (t.direction ?? 'higher') === 'higher';
  const marks: Array<[number, string]> = [];
  if (t.warning === undefined && t.critical === undefined) {
    if (t.target === undefined) return [[1, colours.neutral]];
    return higher ? [[at(t.target), colours.warning], [1, colours.good]] : [[at(t.target), colours.good], [1, colours.warning]];
  }
  if (higher) {
    if (t.critical !== undefined) marks.push([at(t.critical), colours.critical]);
    if (t.warning !== undefined) marks.push([at(t.warning), colours.warning]);
    marks.push([1, colours.good]);
  } else {
    if (t.warning !== undefined) marks.push([at(t.warning), colours.good]);
    if (t.critical !== undefined) marks.push([at(t.critical), t.warning !== undefined ? colours.warning : colours.good]);
    marks.push([1, t.critical !== undefined ? colours.critical : colours.warning]);
  }
  return marks;
}

export function gaugeOption(answer: QueryResult, ctx: OptionContext): ChartOption {
  const shape = analyzeAnswer(answer);
  const measure = pickMeasure(shape, ctx.panel.options?.measure);
  const value = measure ? sumColumn(answer.rows, measure.index) : null;
  const thresholds = panelThresholds(ctx.kpi, ctx.panel.options);
  const min = ctx.panel.options?.min ?? 0;
  const marks = [value, thresholds.target, thresholds.warning, thresholds.critical].filter((v): v is number => typeof v === 'number');
  const max = ctx.panel.options?.max ?? (ctx.unit === 'percent' ? 100 : ctx.unit === 'ratio' ? 1 : niceCeil(Math.max(min + 1, ...marks) * 1.1));
  const c = THEME_COLOURS[ctx.theme];
  return {
    ...ANIMATION,
    series: [
      {
        id: 'gauge',
        name: measure?.name ?? 'value',
        type: 'gauge',
        min,
        max,
        radius: '92%',
        center: ['50%', '58%'],
        progress: { show: false },
        axisLine: { lineStyle: { width: 14, color: gaugeBands(thresholds, min, max, { ...c, neutral: '#4f7cff' }) } },
        axisTick: { show: false },
        splitLine: { distance: -14, length: 14, lineStyle: { color: c.surface, width: 2 } },
        axisLabel: { distance: 20, color: c.textMuted, formatter: (v: number) => formatCompact(v, ctx.unit) },
        pointer: { width: 5, itemStyle: { color: c.text } },
        anchor: { show: true, size: 10, itemStyle: { color: c.text } },
        title: { show: true, offsetCenter: [0, '72%'], color: c.textMuted, fontSize: 12 },
        detail: { valueAnimation: true, offsetCenter: [0, '42%'], fontSize: 22, color: c.text, formatter: () => formatValue(value, ctx.unit) },
        data: [{ value, name: measure?.name ?? '' }],
      },
    ],
  };
}
