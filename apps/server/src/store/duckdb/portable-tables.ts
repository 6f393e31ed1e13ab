import { DuckDBTimestampTZValue, type DuckDBAppender, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import { duckdbDialect, ROLLUP_GRAINS, ROLLUP_TABLE, rollupDeltaStatements, type RollupLayout } from '@sightline/query';
import { PORTABLE_TABLES, type PortableKind, type PortableRow, type PortableTable, type PortableTables } from '../portable.js';
import { toPlainValue } from './values.js';

function tableOf(name: string): PortableTable {
  const table = PORTABLE_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown portable table ${name}`);
  return table;
}

const columnsOf = (table: PortableTable) => Object.entries(table.columns) as [string, PortableKind][];

/** How a column is read: times as epoch ms, JSON as text (parsed in JS). */
function selectSql(column: string, kind: PortableKind): string {
  if (kind === 'time') return `epoch_ms(${column})`;
  if (kind === 'json') return `${column}::VARCHAR`;
  return column;
}

/** A column as a json_object value: times as epoch ms, JSON columns embedded as JSON. */
function jsonSql(column: string, kind: PortableKind): string {
  return kind === 'time' ? `epoch_ms(${column})` : column;
}

/** Key order of the small tables and seq order of the audit trail, for a stable backup. */
function orderBy(table: PortableTable): string {
  // `events` is read in storage order (insertion order, close to seq order): a restore needs no
  // order, and sorting millions of rows would hold them all before the first chunk.
  if (table.name === 'events') return '';
  return `ORDER BY ${table.name === 'audit_log' ? 'seq' : Object.keys(table.columns)[0]!}`;
}

function toPortableRow(columns: [string, PortableKind][], row: unknown[]): PortableRow {
  const out: PortableRow = {};
  for (let i = 0; i < columns.length; i++) {
    const [name, kind] = columns[i]!;
    const value = toPlainValue(row[i]);
    out[name] = value !== null && kind === 'json' ? JSON.parse(String(value)) : value;
  }
  return out;
}

function badValue(table: string, column: string, kind: PortableKind, value: unknown): Error {
  return new Error(`table ${table}, column ${column}: expected ${kind === 'time' ? 'epoch milliseconds' : `a ${kind}`}, got ${JSON.stringify(value)?.slice(0, 40)}`);
}

/** Rows an appender takes before it is flushed: a DuckDB row group (122,880 rows) or so. */
const FLUSH_ROWS = 100_000;

type Append = (appender: DuckDBAppender, value: unknown) => void;

/**
 * How one column of the table, as the database has it, is appended from a portable value: checked
 * against its portable kind, then by the column's DuckDB type. A column the catalog does not know
 * (added by a later migration) gets its default.
 */
function columnAppender(table: string, column: string, kind: PortableKind | undefined, dataType: string): Append {
  if (kind === undefined) return (appender) => appender.appendDefault();
  const check = (ok: (value: unknown) => boolean) => (value: unknown) => {
    if (!ok(value)) throw badValue(table, column, kind, value);
  };
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && (kind !== 'integer' || Number.isInteger(v));
  const valid =
    kind === 'text' ? check((v) => typeof v === 'string') : kind === 'boolean' ? check((v) => typeof v === 'boolean') : kind === 'json' ? () => undefined : check(isNumber);
  let write: Append;
  if (kind === 'json') write = (appender, value) => appender.appendVarchar(JSON.stringify(value));
  else if (dataType === 'TIMESTAMP WITH TIME ZONE') {
    // Epoch ms may carry a fraction (microseconds from PostgreSQL).
    write = (appender, value) => appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Math.round((value as number) * 1000))));
  } else if (dataType === 'BIGINT') write = (appender, value) => appender.appendBigInt(BigInt(value as number));
  else if (dataType === 'INTEGER') write = (appender, value) => appender.appendInteger(value as number);
  else if (dataType === 'DOUBLE') write = (appender, value) => appender.appendDouble(value as number);
  else if (dataType === 'BOOLEAN') write = (appender, value) => appender.appendBoolean(value as boolean);
  else if (dataType === 'VARCHAR') write = (appender, value) => appender.appendVarchar(value as string);
  else throw new Error(`table ${table}, column ${column}: cannot restore into a column of type ${dataType}`);
  return (appender, value) => {
    if (value === null || value === undefined) return appender.appendNull();
    valid(value);
    write(appender, value);
  };
}

interface Stage {
  appender: DuckDBAppender;
  /** Per column of the table as the database has it, in its order: the catalog name and how to append it. */
  columns: [string, Append][];
  /** Rows appended since the last flush. */
  rows: number;
}

/**
 * The columns `table` has in this database. A column the catalog knows and the file does not have
 * (a migration still to come) is read as NULL, rather than failing the whole backup; a restore
 * appends the columns the file has (see openStage).
 */
async function columnsIn(connection: DuckDBConnection, table: string): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1`, [table]);
  return new Set(reader.getRows().map(([c]) => String(c)));
}

/** The embedded tier's side of backup and restore. */
export class DuckDbPortableTables implements PortableTables {
  constructor(private readonly instance: DuckDBInstance) {}

  async *read(name: string): AsyncIterable<PortableRow[]> {
    const table = tableOf(name);
    const columns = columnsOf(table);
    // A connection of its own, streaming: DuckDB fetches the next chunk (2048 rows) only when the
    // consumer asks for it, so a backup of any size holds one chunk at a time.
    const connection = await this.instance.connect();
    try {
      const present = await columnsIn(connection, table.name);
      const select = columns.map(([c, k]) => (present.has(c) ? selectSql(c, k) : `NULL AS ${c}`));
      const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${table.name} ${orderBy(table)}`);
      for await (const rows of result.yieldRowsJs()) yield rows.map((row) => toPortableRow(columns, row));
    } finally {
      connection.closeSync();
    }
  }

  /**
   * The rows as NDJSON made by DuckDB (json_object per row): a chunk costs one string per row to
   * cross into JS instead of a value per cell plus a JSON.stringify. DuckDB writes doubles in a
   * form that parses back to the same double, and JSON columns as JSON values, so a line is the
   * JSON of the row `read` gives.
   */
  async *readNdjson(name: string): AsyncIterable<{ text: string; rows: number }> {
    const table = tableOf(name);
    const columns = columnsOf(table);
    const connection = await this.instance.connect();
    try {
      const present = await columnsIn(connection, table.name);
      const pairs = columns.map(([c, k]) => `'${c}', ${present.has(c) ? jsonSql(c, k) : 'NULL'}`);
      const result = await connection.stream(`SELECT json_object(${pairs.join(', ')})::VARCHAR FROM ${table.name} ${orderBy(table)}`);
      for await (const rows of result.yieldRows()) {
        if (rows.length === 0) continue;
        let text = '';
        for (const row of rows) text += `${String(row[0])}\n`;
        yield { text, rows: rows.length };
      }
    } finally {
      connection.closeSync();
    }
  }

  async isEmpty(): Promise<boolean> {
    const connection = await this.instance.connect();
    try {
      for (const table of PORTABLE_TABLES) {
        const reader = await connection.runAndReadAll(`SELECT 1 FROM ${table.name} LIMIT 1`);
        if (reader.currentRowCount > 0) return false;
      }
      return true;
    } finally {
      connection.closeSync();
    }
  }

  async restore(load: (write: (table: string, rows: readonly PortableRow[]) => Promise<void>) => Promise<void>): Promise<void> {
    const connection = await this.instance.connect();
    const stages = new Map<string, Stage>();
    try {
      await connection.run('BEGIN TRANSACTION');
      try {
        for (const table of [...PORTABLE_TABLES].reverse()) await connection.run(`DELETE FROM ${table.name}`);
        await load(async (name, rows) => {
          let stage = stages.get(name);
          if (!stage) {
            stage = await openStage(connection, tableOf(name));
            stages.set(name, stage);
          }
          for (const row of rows) {
            for (const [column, append] of stage.columns) append(stage.appender, row[column]);
            stage.appender.endRow();
          }
          stage.rows += rows.length;
          // Into the transaction's storage (which DuckDB writes out in row groups) rather than
          // piling up in the appender's own buffer.
          if (stage.rows >= FLUSH_ROWS) {
            stage.appender.flushSync();
            stage.rows = 0;
          }
        });
        // The appenders write into the transaction; flushing checks the constraints (primary keys).
        for (const stage of stages.values()) stage.appender.flushSync();
        await rebuildRollups(connection);
        await connection.run('COMMIT');
      } catch (error) {
        // The appender may hold rows it could not flush; they belong to the failed transaction.
        for (const stage of stages.values()) {
          try {
            stage.appender.closeSync();
          } catch {
            // Its rows are discarded with the transaction anyway.
          }
        }
        stages.clear();
        await connection.run('ROLLBACK');
        throw error;
      }
    } finally {
      for (const stage of stages.values()) stage.appender.closeSync();
      connection.closeSync();
    }
  }
}

/**
 * An appender straight into the table, inside the restore's transaction: no staging table, whose
 * deleted rows DuckDB would keep until the commit (the staged variant held twice the memory).
 */
async function openStage(connection: DuckDBConnection, table: PortableTable): Promise<Stage> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index`,
    [table.name],
  );
  const columns = reader.getRows().map(([c, type]): [string, Append] => {
    const name = String(c);
    return [name, columnAppender(table.name, name, table.columns[name], String(type))];
  });
  return { columns, appender: await connection.createAppender(table.name), rows: 0 };
}

/**
 * Rollups are derived, not backed up: after the load, every rollup row is dropped and the rollups
 * of all events are computed again with each source's declared dimensions (one INSERT … SELECT
 * per grain over the whole events table; the same rows rollupRebuildStatements gives per source).
 * A database from before rollups has no rollup tables and nothing to rebuild.
 */
async function rebuildRollups(connection: DuckDBConnection): Promise<void> {
  const tables = ROLLUP_GRAINS.map((g) => ROLLUP_TABLE[g]);
  const present = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary AND table_name IN (${tables.map((t) => `'${t}'`).join(', ')})`,
  );
  if (Number(present.getRows()[0]![0]) === 0) return;
  const layout = await readLayout(connection);
  for (const table of tables) await connection.run(`DELETE FROM ${table}`);
  for (const sql of rollupDeltaStatements(duckdbDialect, layout, 'events')) await connection.run(sql);
}

/** Declared dimensions per source, from the restored sources table. */
async function readLayout(connection: DuckDBConnection): Promise<RollupLayout> {
  const layout = new Map<string, readonly string[]>();
  const columns = await connection.runAndReadAll(`SELECT 1 FROM duckdb_columns() WHERE table_name = 'sources' AND column_name = 'rollup_dimensions'`);
  if (columns.currentRowCount === 0) return layout;
  const reader = await connection.runAndReadAll('SELECT name, rollup_dimensions::VARCHAR FROM sources WHERE rollup_dimensions IS NOT NULL');
  for (const [name, dimensions] of reader.getRows()) {
    const fields = JSON.parse(String(dimensions)) as unknown;
    if (Array.isArray(fields) && fields.length > 0) layout.set(String(name), fields.map(String));
  }
  return layout;
}
