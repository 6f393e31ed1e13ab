import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { ROLLUP_GRAIN_MS, ROLLUP_GRAINS, ROLLUP_TABLE } from '@sightline/query';
import type { ResolvedEvent } from '../types.js';

interface Cell {
  source: string;
  name: string;
  bucket: number;
  events: number;
  valueCount: number;
  valueSum: number;
  valueMin: number;
  valueMax: number;
}

/**
 * The rollup deltas of an ingest group's events whose source declares no dimension, aggregated here
 * and appended through DuckDB appenders, which write into the connection's open transaction: the
 * same rows `rollupDeltaStatements` would insert, without three INSERT … SELECT statements per
 * group (a small group's flush is mostly such fixed costs). Dimensions are left to the SQL
 * builders: their text must be exactly what the query engine's SQL gives.
 */
export class RollupAppenders {
  private constructor(private readonly appenders: DuckDBAppender[]) {}

  static async open(connection: DuckDBConnection): Promise<RollupAppenders> {
    return new RollupAppenders(await Promise.all(ROLLUP_GRAINS.map((g) => connection.createAppender(ROLLUP_TABLE[g]))));
  }

  /**
   * Appends the deltas of the events whose source is not in `declared`, and flushes them into the
   * transaction. Returns whether some event's source is in `declared` (the caller rolls those up in SQL).
   */
  append(batches: readonly (readonly ResolvedEvent[])[], declared: ReadonlySet<string>): boolean {
    let skipped = false;
    // Minutes first, then hours and days from the minutes: one map lookup per event.
    const minutes = new Map<string, Cell>();
    for (const events of batches) {
      for (const e of events) {
        if (declared.has(e.source)) {
          skipped = true;
          continue;
        }
        const bucket = Math.floor(e.ts / ROLLUP_GRAIN_MS.minute) * ROLLUP_GRAIN_MS.minute;
        const key = `${e.source}\u0000${e.name}\u0000${bucket}`;
        let cell = minutes.get(key);
        if (!cell) minutes.set(key, (cell = emptyCell(e.source, e.name, bucket)));
        addEvent(cell, e.value);
      }
    }
    if (minutes.size === 0) return skipped;
    ROLLUP_GRAINS.forEach((grain, i) => {
      const cells = grain === 'minute' ? minutes.values() : coarser(minutes.values(), ROLLUP_GRAIN_MS[grain]);
      const appender = this.appenders[i]!;
      for (const cell of cells) appendCell(appender, cell);
      appender.flushSync();
    });
    return skipped;
  }

  /** Drops rows appended but not flushed (after a failure). */
  clear(): void {
    for (const a of this.appenders) a.clear();
  }

  close(): void {
    for (const a of this.appenders) a.closeSync();
  }
}

function emptyCell(source: string, name: string, bucket: number): Cell {
  return { source, name, bucket, events: 0, valueCount: 0, valueSum: 0, valueMin: Infinity, valueMax: -Infinity };
}

function addEvent(cell: Cell, value: number | null): void {
  cell.events++;
  if (value === null) return;
  cell.valueCount++;
  cell.valueSum += value;
  if (value < cell.valueMin) cell.valueMin = value;
  if (value > cell.valueMax) cell.valueMax = value;
}

function coarser(cells: Iterable<Cell>, ms: number): Iterable<Cell> {
  const out = new Map<string, Cell>();
  for (const c of cells) {
    const bucket = Math.floor(c.bucket / ms) * ms;
    const key = `${c.source}\u0000${c.name}\u0000${bucket}`;
    let cell = out.get(key);
    if (!cell) out.set(key, (cell = emptyCell(c.source, c.name, bucket)));
    cell.events += c.events;
    cell.valueCount += c.valueCount;
    cell.valueSum += c.valueSum;
    if (c.valueMin < cell.valueMin) cell.valueMin = c.valueMin;
    if (c.valueMax > cell.valueMax) cell.valueMax = c.valueMax;
  }
  return out.values();
}

/** One row in table order: source, name, bucket, d1..d3 (NULL: nothing declared), events, value_count/sum/min/max. */
function appendCell(a: DuckDBAppender, c: Cell): void {
  a.appendVarchar(c.source);
  a.appendVarchar(c.name);
  a.appendBigInt(BigInt(c.bucket));
  a.appendNull();
  a.appendNull();
  a.appendNull();
  a.appendBigInt(BigInt(c.events));
  a.appendBigInt(BigInt(c.valueCount));
  if (c.valueCount === 0) {
    // sum/min/max of no values are NULL, as in SQL.
    a.appendNull();
    a.appendNull();
    a.appendNull();
  } else {
    a.appendDouble(c.valueSum);
    a.appendDouble(c.valueMin);
    a.appendDouble(c.valueMax);
  }
  a.endRow();
}
