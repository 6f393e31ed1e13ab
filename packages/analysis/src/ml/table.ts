/**
 * Tabular data for the predictive models: named columns, each numeric or categorical, rows of cells
 * where `null`/`undefined` (or NaN in a numeric column) means "missing". Models never see the cells
 * directly: an `Encoder`, fitted on the training rows and saved with the model, turns every row into
 * numbers — numeric cells as they are, categorical cells as the index of their category in the
 * training vocabulary, and missing (or unseen) cells as NaN — so that trees can learn where missing
 * values go and ridge can impute them.
 */
import { AnalysisError } from '../errors.js';

export type Cell = number | string | null | undefined;
export type ColumnKind = 'numeric' | 'categorical';
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
}
export interface Table {
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly (readonly Cell[])[];
}
export type Task = 'regression' | 'classification';

/** Trees keep at most this many categories per column (bin 0 is "missing"); rarer ones share one code. */
export const MAX_CATEGORIES = 254;

/** Throws unless the table is well formed: non-empty, known column kinds, rows as long as the columns. */
export function checkTable(table: Table, path = '/table'): void {
  if (table === null || typeof table !== 'object') throw new AnalysisError('empty', path, 'is not a table');
  const { columns, rows } = table;
  if (!Array.isArray(columns) || columns.length === 0) throw new AnalysisError('empty', `${path}/columns`, 'has no columns');
  columns.forEach((c, j) => {
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string') {
      throw new AnalysisError('invalid_option', `${path}/columns/${j}`, 'must be { name, kind }');
    }
    if (c.kind !== 'numeric' && c.kind !== 'categorical') {
      throw new AnalysisError('invalid_option', `${path}/columns/${j}/kind`, "must be 'numeric' or 'categorical'");
    }
  });
  if (!Array.isArray(rows) || rows.length === 0) throw new AnalysisError('empty', `${path}/rows`, 'has no rows');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new AnalysisError('length_mismatch', `${path}/rows/${i}`, `has ${Array.isArray(row) ? row.length : 0} cells where ${columns.length} were expected`);
    }
    for (let j = 0; j < columns.length; j++) {
      const v = row[j];
      if (v === null || v === undefined) continue;
      if (columns[j]!.kind === 'numeric') {
        if (typeof v !== 'number' || Number.isNaN(v)) {
          if (typeof v === 'number') continue; // NaN: missing
          throw new AnalysisError('not_finite', `${path}/rows/${i}/${j}`, 'is not a number in a numeric column');
        }
        if (!Number.isFinite(v)) throw new AnalysisError('not_finite', `${path}/rows/${i}/${j}`, 'is not finite');
      } else if (typeof v !== 'string' && typeof v !== 'number') {
        throw new AnalysisError('invalid_option', `${path}/rows/${i}/${j}`, 'is not a category');
      }
    }
  }
}

/** Throws unless `target` has one finite value per row (0 or 1 for classification). */
export function checkTarget(target: readonly number[], rows: number, task: Task, path = '/target'): void {
  if (!Array.isArray(target) || target.length === 0) throw new AnalysisError('empty', path, 'is empty');
  if (target.length !== rows) throw new AnalysisError('length_mismatch', path, `has ${target.length} values for ${rows} rows`);
  for (let i = 0; i < target.length; i++) {
    const y = target[i];
    if (typeof y !== 'number' || !Number.isFinite(y)) throw new AnalysisError('not_finite', `${path}/${i}`, 'is not a finite number');
    if (task === 'classification' && y !== 0 && y !== 1) throw new AnalysisError('invalid_option', `${path}/${i}`, 'must be 0 or 1 for classification');
  }
}

export interface EncoderJSON {
  readonly columns: readonly ColumnSpec[];
  /** Per column: the category labels in code order (empty for numeric columns). */
  readonly categories: readonly (readonly string[])[];
}

/** Maps rows of cells to rows of numbers (see the file comment); fitted once, saved with the model. */
export class Encoder {
  readonly columns: readonly ColumnSpec[];
  readonly categories: readonly (readonly string[])[];
  private readonly codes: readonly Map<string, number>[];

  private constructor(json: EncoderJSON) {
    this.columns = json.columns.map((c) => ({ name: c.name, kind: c.kind }));
    this.categories = json.categories.map((c) => c.slice());
    this.codes = this.categories.map((labels) => new Map(labels.map((label, code) => [label, code])));
  }

  /** Learns each categorical column's vocabulary: the most frequent MAX_CATEGORIES − 1 labels, then "other". */
  static fit(table: Table): Encoder {
    const categories = table.columns.map((column, j) => {
      if (column.kind !== 'categorical') return [];
      const counts = new Map<string, number>();
      for (const row of table.rows) {
        const v = row[j];
        if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
        const key = String(v);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      // Sorted by count, then label, so the codes do not depend on row order.
      const labels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[0]);
      return labels.length > MAX_CATEGORIES ? [...labels.slice(0, MAX_CATEGORIES - 1), OTHER] : labels;
    });
    return new Encoder({ columns: table.columns, categories });
  }

  static fromJSON(json: EncoderJSON): Encoder {
    if (!json || !Array.isArray(json.columns) || !Array.isArray(json.categories) || json.columns.length !== json.categories.length) {
      throw new AnalysisError('invalid_model', '/model/encoder', 'is not an encoder');
    }
    return new Encoder(json);
  }

  toJSON(): EncoderJSON {
    return { columns: this.columns.map((c) => ({ ...c })), categories: this.categories.map((c) => c.slice()) };
  }

  get width(): number {
    return this.columns.length;
  }

  isCategorical(j: number): boolean {
    return this.columns[j]!.kind === 'categorical';
  }

  /** Number of category codes of column j (0 for numeric columns). */
  categoryCount(j: number): number {
    return this.categories[j]!.length;
  }

  /** One cell as a number: the value, the category code, or NaN when missing or unseen. */
  encodeCell(j: number, v: Cell): number {
    if (v === null || v === undefined) return NaN;
    if (!this.isCategorical(j)) return typeof v === 'number' ? v : NaN;
    const codes = this.codes[j]!;
    const code = codes.get(String(v));
    if (code !== undefined) return code;
    const other = codes.get(OTHER);
    return other ?? NaN;
  }

  encodeRow(row: readonly Cell[], out: Float64Array): Float64Array {
    if (!Array.isArray(row) || row.length !== this.columns.length) {
      throw new AnalysisError('length_mismatch', '/row', `has ${Array.isArray(row) ? row.length : 0} cells where ${this.columns.length} were expected`);
    }
    for (let j = 0; j < row.length; j++) out[j] = this.encodeCell(j, row[j]);
    return out;
  }

  /** The table as one Float64Array per column. */
  encodeColumns(table: Table): Float64Array[] {
    this.checkColumns(table);
    return this.columns.map((_, j) => {
      const col = new Float64Array(table.rows.length);
      for (let i = 0; i < table.rows.length; i++) col[i] = this.encodeCell(j, table.rows[i]![j]);
      return col;
    });
  }

  /** Throws unless the table has the columns this encoder was fitted on, in the same order. */
  checkColumns(table: Table): void {
    checkTable(table);
    if (table.columns.length !== this.columns.length) {
      throw new AnalysisError('length_mismatch', '/table/columns', `has ${table.columns.length} columns; the model was trained on ${this.columns.length}`);
    }
    table.columns.forEach((c, j) => {
      const want = this.columns[j]!;
      if (c.name !== want.name || c.kind !== want.kind) {
        throw new AnalysisError('invalid_option', `/table/columns/${j}`, `is ${c.name} (${c.kind}); the model expects ${want.name} (${want.kind})`);
      }
    });
  }
}

/** The shared code of the rarest categories (a label no real data uses). */
const OTHER = '\u0000other';

/** Picks the rows `index` of a table and its target (used by cross-validation and stacking). */
export function subsetTable(table: Table, index: ArrayLike<number>): Table {
  const rows: (readonly Cell[])[] = new Array<readonly Cell[]>(index.length);
  for (let k = 0; k < index.length; k++) rows[k] = table.rows[index[k]!]!;
  return { columns: table.columns, rows };
}

export function subsetTarget(target: readonly number[], index: ArrayLike<number>): number[] {
  const out = new Array<number>(index.length);
  for (let k = 0; k < index.length; k++) out[k] = target[index[k]!]!;
  return out;
}
