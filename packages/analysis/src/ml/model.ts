/** What every predictive model offers, and helpers for the options they share. */
import { AnalysisError } from '../errors.js';
import { checkInteger, checkNumber } from '../validate.js';
import type { Cell, Table, Task } from './table.js';

export type ModelKind = 'gradient_boosting' | 'random_forest' | 'ridge' | 'ensemble';

export interface Model {
  readonly kind: ModelKind;
  readonly task: Task;
  /** Predictions per row: the value (regression) or the probability of class 1 (classification). */
  predict(table: Table): Float64Array;
  /** One row's prediction, without building a table (the fast path for serving). */
  predictRow(row: readonly Cell[]): number;
  /** A plain JSON object; `loadModel` turns it back into a model with identical predictions. */
  toJSON(): { readonly kind: ModelKind; readonly version: 1 };
}

export function checkTask(task: unknown, path = '/options/task'): Task {
  if (task !== 'regression' && task !== 'classification') throw new AnalysisError('invalid_option', path, "must be 'regression' or 'classification'");
  return task;
}

/** Reads an integer option, falling back to its default. */
export function intOption(value: number | undefined, fallback: number, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  checkInteger(value, path, min, max);
  return value;
}

/** Reads a numeric option, falling back to its default. Infinity is allowed when max is. */
export function numOption(value: number | undefined, fallback: number, path: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity && max === Infinity) return value;
  checkNumber(value, path, min, max);
  return value;
}

export function checkModelJSON(json: unknown, kind: ModelKind): Record<string, unknown> {
  if (!json || typeof json !== 'object') throw new AnalysisError('invalid_model', '/model', 'is not a model');
  const o = json as Record<string, unknown>;
  if (o.kind !== kind || o.version !== 1) throw new AnalysisError('invalid_model', '/model/kind', `is not a version-1 ${kind} model`);
  checkTask(o.task, '/model/task');
  return o;
}
