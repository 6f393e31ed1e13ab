import type { Column, Filter, QueryResult } from '@sightline/sdk';

// Reading an answer's columns by role: the time bucket, the dimensions, the measures and their
// `<m>_previous` companions (docs/query-language.md, "Answer"), or a funnel's steps.

export interface MeasureColumn {
  name: string;
  index: number;
  /** The `<name>_previous` column of a compare query, when there is one. */
  previousIndex: number | undefined;
}

export interface DimensionColumn {
  name: string;
  index: number;
}

export interface AnswerShape {
  /** Index of the `time` column, or -1. */
  timeIndex: number;
  dimensions: DimensionColumn[];
  measures: MeasureColumn[];
  /** A funnel answer: `step, name, [breakdown], actors, conversion, step_conversion`. */
  funnel: boolean;
}

export const PREVIOUS_SUFFIX = '_previous';
const FUNNEL_COLUMNS = new Set(['step', 'name', 'actors', 'conversion', 'step_conversion']);

function isNumeric(column: Column): boolean {
  return column.type === 'number' || column.type === 'integer';
}

export function isFunnelAnswer(columns: Column[]): boolean {
  const names = new Set(columns.map((c) => c.name));
  return names.has('step') && names.has('actors') && names.has('name');
}

export function analyzeAnswer(answer: Pick<QueryResult, 'columns'>): AnswerShape {
  const { columns } = answer;
  const funnel = isFunnelAnswer(columns);
  const byName = new Map(columns.map((c, i) => [c.name, i]));
  let timeIndex = -1;
  const dimensions: DimensionColumn[] = [];
  const measures: MeasureColumn[] = [];
  columns.forEach((column, index) => {
    if (column.type === 'time' && timeIndex < 0) {
      timeIndex = index;
      return;
    }
    if (funnel) {
      // In a funnel, `name` is the step's event, not a dimension; only the breakdown is one.
      if (!FUNNEL_COLUMNS.has(column.name) && !isNumeric(column)) dimensions.push({ name: column.name, index });
      else if (column.name === 'actors' || column.name === 'conversion' || column.name === 'step_conversion') {
        measures.push({ name: column.name, index, previousIndex: undefined });
      }
      return;
    }
    if (!isNumeric(column)) {
      dimensions.push({ name: column.name, index });
      return;
    }
    if (column.name.endsWith(PREVIOUS_SUFFIX) && byName.has(column.name.slice(0, -PREVIOUS_SUFFIX.length))) return;
    measures.push({ name: column.name, index, previousIndex: byName.get(column.name + PREVIOUS_SUFFIX) });
  });
  return { timeIndex, dimensions, measures, funnel };
}

/** A number cell, or null (a gap) for null and anything that is not a finite number. */
export function numberCell(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A dimension cell as text (dimensions are strings; a missing value is the group `null`). */
export function dimensionCell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

export const NONE_LABEL = '(none)';

export function dimensionLabel(values: Array<string | null>): string {
  return values.map((v) => (v === null ? NONE_LABEL : v)).join(' · ');
}

/** The filter that narrows a dashboard to one dimension value (`null` is "not set"). */
export function dimensionFilter(field: string, value: string | null): Filter {
  return value === null ? { field, op: 'exists', value: false } : { field, op: 'eq', value };
}

/** What a drawn item stands for: one value per dimension, in the answer's dimension order. */
export interface DrillRef {
  field: string;
  value: string | null;
}

export interface SeriesGroup {
  key: string;
  values: Array<string | null>;
  rows: unknown[][];
}

/** Rows grouped by their combination of dimension values, in order of first appearance. */
export function groupByDimensions(rows: unknown[][], dimensions: DimensionColumn[]): SeriesGroup[] {
  const groups = new Map<string, SeriesGroup>();
  for (const row of rows) {
    const values = dimensions.map((d) => dimensionCell(row[d.index]));
    const key = JSON.stringify(values);
    let group = groups.get(key);
    if (!group) {
      group = { key, values, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()];
}

/** The measure a single-value view shows: `options.measure` when it names one, else the first. */
export function pickMeasure(shape: AnswerShape, preferred: string | undefined): MeasureColumn | undefined {
  return shape.measures.find((m) => m.name === preferred) ?? shape.measures[0];
}

/** The sum of a column over the rows; null when no row has a number there. */
export function sumColumn(rows: unknown[][], index: number | undefined): number | null {
  if (index === undefined) return null;
  let total: number | null = null;
  for (const row of rows) {
    const value = numberCell(row[index]);
    if (value !== null) total = (total ?? 0) + value;
  }
  return total;
}
