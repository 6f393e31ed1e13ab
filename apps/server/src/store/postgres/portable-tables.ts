import { postgresDialect, ROLLUP_GRAINS, ROLLUP_LOCK, ROLLUP_TABLE, rollupDeltaStatements, type RollupLayout } from '@sightline/query';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PORTABLE_TABLES, type PortableKind, type PortableRow, type PortableTable, type PortableTables } from '../portable.js';
import { copyText } from './event-writer.js';
import { monthOf, partitionName } from './partitions.js';
import { INGEST_LOCK, PARTITION_LOCK } from './schema.js';
import { inTransaction, readRows } from './sql.js';

/** Rows per FETCH of a read cursor: one chunk in memory at a time. */
const FETCH_ROWS = 5_000;
/**
 * partitions.ts keeps months before 2000-01 in the DEFAULT partition (not exported there yet: see
 * the report; must stay equal to its FIRST_PARTITIONED_MONTH).
 */
const FIRST_PARTITIONED_MONTH = 2000 * 12;
/** The events' seq sequence (pg-events' schema). */
const EVENTS_SEQUENCE = 'events_seq';
/** Derived tables a restore empties and rebuilds: not in a backup (store/portable.ts). */
const DERIVED_TABLES = ['event_ids', ...ROLLUP_GRAINS.map((g) => ROLLUP_TABLE[g])];

function tableOf(name: string): PortableTable {
  const table = PORTABLE_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown portable table ${name}`);
  return table;
}

const columnsOf = (table: PortableTable) => Object.entries(table.columns) as [string, PortableKind][];

/**
 * How a column is read. Times as epoch ms with the microseconds PostgreSQL keeps as a fraction (a
 * float8: exact to the µs for today's dates), so a PostgreSQL → PostgreSQL round trip loses
 * nothing; JSON as text, parsed in JS (independent of pg's global type parsers).
 */
function selectSql(column: string, kind: PortableKind): string {
  if (kind === 'time') return `(extract(epoch from ${column}) * 1000)::float8`;
  if (kind === 'json') return `${column}::text`;
  // int8 comes back from pg as a string; float8 is exact for every seq and count below 2^53.
  if (kind === 'integer') return `${column}::float8`;
  return column;
}

/**
 * Stable order for the small tables (byte order, as DuckDB) and the audit trail (seq, its primary
 * key). Events are read in storage order, partition by partition: no index serves seq order, and a
 * sort of the whole table would have to finish before the first chunk; a restore needs no order.
 */
function orderBy(table: PortableTable): string {
  if (table.name === 'events') return '';
  if (table.name === 'audit_log') return 'ORDER BY seq';
  return `ORDER BY ${Object.keys(table.columns)[0]!} COLLATE "C"`;
}

function toPortableRow(columns: [string, PortableKind][], row: unknown[]): PortableRow {
  const out: PortableRow = {};
  for (let i = 0; i < columns.length; i++) {
    const [name, kind] = columns[i]!;
    const value = row[i] ?? null;
    out[name] = value !== null && kind === 'json' ? JSON.parse(String(value)) : value;
  }
  return out;
}

/**
 * The column type of a restore's staging table: times as epoch ms (float8), converted by the
 * INSERT … SELECT that moves the rows into their table, as the event writer stages them.
 */
const STAGE_TYPE: Record<PortableKind, string> = { text: 'text', integer: 'bigint', double: 'float8', boolean: 'boolean', time: 'float8', json: 'jsonb' };

function fromStageSql(column: string, kind: PortableKind): string {
  // Interval arithmetic rather than to_timestamp(ms / 1000.0): exact for whole milliseconds and
  // rounded to the µs for fractional ones.
  if (kind === 'time') return `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;
  return column;
}

/** One value in COPY's text format (rows were checked: kinds match). */
function copyValue(kind: PortableKind, value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (kind === 'text') return copyText(value as string);
  if (kind === 'json') return copyText(JSON.stringify(value));
  if (kind === 'boolean') return value ? 't' : 'f';
  // Numbers as JS writes them (1.5e-7, 1e+21): float8 and bigint input read these.
  return String(value);
}

function badValue(table: string, column: string, kind: PortableKind, value: unknown): Error {
  return new Error(`table ${table}, column ${column}: expected ${kind === 'time' ? 'epoch milliseconds' : `a ${kind}`}, got ${JSON.stringify(value)?.slice(0, 40)}`);
}

/** Checks a row before it is staged, so that a bad backup names its cell rather than a COPY line. */
function checkRow(table: string, columns: [string, PortableKind][], row: PortableRow): void {
  for (const [column, kind] of columns) {
    const value = row[column];
    if (value === null || value === undefined || kind === 'json') continue;
    if (kind === 'text' ? typeof value !== 'string' : kind === 'boolean' ? typeof value !== 'boolean' : typeof value !== 'number' || !Number.isFinite(value)) {
      throw badValue(table, column, kind, value);
    }
    if (kind === 'integer' && !Number.isInteger(value)) throw badValue(table, column, kind, value);
  }
}

/** The production tier's side of backup and restore. */
export class PgPortableTables implements PortableTables {
  constructor(private readonly pool: Pool) {}

  /**
   * Streams a table through a server-side cursor, FETCH_ROWS at a time, in one read-only
   * REPEATABLE READ transaction (the table as of one snapshot, however long the read takes).
   */
  async *read(name: string): AsyncIterable<PortableRow[]> {
    const table = tableOf(name);
    const columns = columnsOf(table);
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`DECLARE portable_read NO SCROLL CURSOR FOR SELECT ${columns.map(([c, k]) => selectSql(c, k)).join(', ')} FROM ${table.name} ${orderBy(table)}`);
      for (;;) {
        const rows = await readRows(client, `FETCH ${FETCH_ROWS} FROM portable_read`);
        if (rows.length === 0) break;
        yield rows.map((row) => toPortableRow(columns, row));
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // Also reached when the consumer stops early: the transaction (and its cursor) ends here.
      await client.query('ROLLBACK').catch((error: unknown) => {
        broken ??= error instanceof Error ? error : new Error(String(error));
      });
      client.release(broken);
    }
  }

  async isEmpty(): Promise<boolean> {
    const [[empty]] = (await readRows(
      this.pool,
      `SELECT NOT (${PORTABLE_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t.name})`).join(' OR ')})`,
    )) as [[boolean]];
    return empty;
  }

  /**
   * One transaction: TRUNCATE every portable and derived table, load the chunks (COPY into a
   * staging table, then INSERT … SELECT), then rebuild what is derived:
   * event_ids from events, the seq sequence, the rollups. Any failure rolls it all back: TRUNCATE is
   * transactional in PostgreSQL.
   */
  async restore(load: (write: (table: string, rows: readonly PortableRow[]) => Promise<void>) => Promise<void>): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // The locks of rollup maintenance, of ingest and of partition creation, in the order the
      // event store takes them (ROLLUP_LOCK before INGEST_LOCK) and before any table lock: whoever
      // takes one of them and then a table lock (they all do) waits for the restore instead of
      // deadlocking against its TRUNCATE.
      for (const lock of [ROLLUP_LOCK, INGEST_LOCK, PARTITION_LOCK]) await client.query('SELECT pg_advisory_xact_lock($1)', [lock]);
      const derived = await existingTables(client, DERIVED_TABLES);
      await client.query(`TRUNCATE ${[...PORTABLE_TABLES.map((t) => t.name), ...derived].join(', ')}`);
      const months = new MonthPartitions(client);
      const stages = new Stages(client);
      await load(async (name, rows) => {
        const table = tableOf(name);
        const columns = columnsOf(table);
        for (const row of rows) checkRow(name, columns, row);
        if (name === 'events') await months.ensureFor(rows.map((row) => row.ts as number));
        await stages.load(table, columns, rows);
      });
      await rebuildDerived(client, derived);
    });
  }
}

/**
 * The month partitions a restore needs, created in the restore's own transaction before the rows
 * go in. Partitions.ensureFor (partitions.ts) cannot serve here: it creates on other pooled
 * connections, which would wait forever on the locks this transaction's TRUNCATE holds on events.
 * After the TRUNCATE the DEFAULT partition holds no row of a month that gets its partition here
 * (each month's partition is made before its first row is inserted), so a plain
 * CREATE TABLE … PARTITION OF does, without moving rows out of DEFAULT. A failed restore rolls the
 * new partitions back with everything else. The restore holds PARTITION_LOCK: no instance creates
 * one meanwhile.
 */
class MonthPartitions {
  private readonly known = new Set<number>();

  constructor(private readonly client: PoolClient) {}

  async ensureFor(instants: readonly number[]): Promise<void> {
    const missing = new Set<number>();
    for (const ms of instants) {
      const month = monthOf(ms);
      if (month >= FIRST_PARTITIONED_MONTH && !this.known.has(month)) missing.add(month);
    }
    if (missing.size === 0) return;
    for (const month of [...missing].sort((a, b) => a - b)) {
      const name = partitionName(month);
      const [[exists]] = (await readRows(this.client, 'SELECT to_regclass($1) IS NOT NULL', [name])) as [[boolean]];
      if (!exists) {
        // Names and bounds come from integers, never from input.
        const from = new Date(Date.UTC(Math.floor(month / 12), month % 12, 1)).toISOString();
        const to = new Date(Date.UTC(Math.floor((month + 1) / 12), (month + 1) % 12, 1)).toISOString();
        await this.client.query(`CREATE TABLE ${name} PARTITION OF events FOR VALUES FROM ('${from}') TO ('${to}')`);
      }
      this.known.add(month);
    }
  }
}

async function existingTables(client: PoolClient, names: readonly string[]): Promise<string[]> {
  const rows = await readRows(client, `SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL`, [`{${names.join(',')}}`]);
  return rows.map(([name]) => String(name));
}

/**
 * Loads chunks through COPY (text format) into a temp staging table per portable table (dropped at
 * COMMIT), then one INSERT … SELECT moves each chunk into its table, converting the times. COPY
 * carries a chunk in one stream, several times faster than binding it to an INSERT.
 */
class Stages {
  private readonly created = new Set<string>();

  constructor(private readonly client: PoolClient) {}

  async load(table: PortableTable, columns: [string, PortableKind][], rows: readonly PortableRow[]): Promise<void> {
    if (rows.length === 0) return;
    const stage = `restore_${table.name}`;
    if (!this.created.has(stage)) {
      await this.client.query(`CREATE TEMP TABLE ${stage} (${columns.map(([c, k]) => `${c} ${STAGE_TYPE[k]}`).join(', ')}) ON COMMIT DROP`);
      this.created.add(stage);
    }
    const names = columns.map(([c]) => c).join(', ');
    await pipeline(Readable.from(copyLines(columns, rows)), this.client.query(copyFrom(`COPY ${stage} (${names}) FROM STDIN`)));
    await this.client.query(`INSERT INTO ${table.name} (${names}) SELECT ${columns.map(([c, k]) => fromStageSql(c, k)).join(', ')} FROM ${stage}`);
    await this.client.query(`TRUNCATE ${stage}`);
  }
}

/** COPY text lines, batched into chunks of about 64 KiB. */
function* copyLines(columns: [string, PortableKind][], rows: readonly PortableRow[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${columns.map(([c, k]) => copyValue(k, row[c])).join('\t')}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * After the load: event_ids from events (a duplicate (source, id) fails the restore: the backup
 * is not one a database could hold), the seq sequence past the largest seq, and the rollups of
 * every event with each source's declared dimensions — one INSERT … SELECT per grain over all
 * events (the rollup tables were emptied: the same rows rollupRebuildStatements gives source by
 * source, in one pass instead of one per source).
 */
async function rebuildDerived(client: PoolClient, derived: readonly string[]): Promise<void> {
  if (derived.includes('event_ids')) await client.query('INSERT INTO event_ids (source, id) SELECT source, id FROM events');
  if ((await existingTables(client, [EVENTS_SEQUENCE])).length > 0) {
    // is_called = false with 1 on an empty table: the next event gets seq 1.
    await client.query(`SELECT setval('${EVENTS_SEQUENCE}', coalesce(max(seq), 1), max(seq) IS NOT NULL) FROM events`);
  }
  if (ROLLUP_GRAINS.every((g) => derived.includes(ROLLUP_TABLE[g]))) {
    const layout = await readLayout(client);
    for (const sql of rollupDeltaStatements(postgresDialect, layout, 'events')) await client.query(sql);
  }
  // Planner statistics of what was just loaded. Autovacuum never analyzes the partitioned parent,
  // and the event store's own ANALYZE policy counts only rows its ingest added: without this, plans
  // would follow the statistics of the database before the restore. ANALYZE inside the transaction
  // samples the rows it inserted.
  await client.query(`ANALYZE ${['events', ...derived].join(', ')}`);
}

/** Declared dimensions per source, from the restored sources table. */
async function readLayout(client: PoolClient): Promise<RollupLayout> {
  const layout = new Map<string, readonly string[]>();
  for (const [name, dimensions] of await readRows(client, 'SELECT name, rollup_dimensions::text FROM sources')) {
    const fields = JSON.parse(String(dimensions)) as unknown;
    if (Array.isArray(fields) && fields.length > 0) layout.set(String(name), fields.map(String));
  }
  return layout;
}
