import type { Filter } from '@sightline/sdk';
import { dimensionFilter, type DrillRef } from './answer-shape';

function isDrillRef(value: unknown): value is DrillRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as Record<string, unknown>;
  return typeof ref.field === 'string' && (typeof ref.value === 'string' || ref.value === null);
}

/**
 * The filter a click asks for: the first dimension value the clicked item stands for (the
 * category on a category axis, else the series' first dimension). Undefined when the item stands
 * for none (a total, a time bucket, a funnel step).
 */
export function drillFilter(data: unknown): Filter | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const refs = (data as { drill?: unknown }).drill;
  if (!Array.isArray(refs)) return undefined;
  const first: unknown = refs[0];
  return isDrillRef(first) ? dimensionFilter(first.field, first.value) : undefined;
}

/**
 * The filter for a click anywhere on a series whose every item stands for the same values (a
 * line of a time series, clicked between its points): read from the series' first item.
 */
export function seriesDrillFilter(option: object, seriesIndex: number | undefined): Filter | undefined {
  const list = (option as { series?: unknown }).series;
  if (seriesIndex === undefined || !Array.isArray(list)) return undefined;
  const series: unknown = list[seriesIndex];
  if (typeof series !== 'object' || series === null) return undefined;
  const data = (series as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length === 0) return undefined;
  const first = drillFilter(data[0]);
  if (!first) return undefined;
  // Only when the items agree: a category series' items each stand for their own category.
  return data.every((item) => JSON.stringify(drillFilter(item)) === JSON.stringify(first)) ? first : undefined;
}
