/**
 * The tier-independent shape of what a backup holds: every logical table as plain rows. Derived
 * state (rollups; on PostgreSQL also event_ids, partitions and sequences) is not part of it; a
 * restore rebuilds it. Both tiers use these table and column names.
 */

/** How a column's value is written in a portable row. */
export type PortableKind = 'text' | 'integer' | 'double' | 'boolean' | 'time' | 'json';

export interface PortableTable {
  readonly name: string;
  /** Column name → kind, in the table's column order. */
  readonly columns: Readonly<Record<string, PortableKind>>;
}

/**
 * A row: text as strings, integers and doubles as numbers, times as epoch milliseconds (numbers),
 * JSON columns as parsed values; null where the column is null.
 */
export type PortableRow = Record<string, unknown>;

/** The logical tables, in the order a restore loads them. */
export const PORTABLE_TABLES: readonly PortableTable[] = [
  { name: 'metrics', columns: { name: 'text', definition: 'json', updated_at: 'time' } },
  { name: 'kpis', columns: { name: 'text', definition: 'json', updated_at: 'time' } },
  {
    name: 'dashboards',
    columns: { id: 'text', title: 'text', body: 'json', created_by: 'text', created_at: 'time', updated_at: 'time' },
  },
  {
    name: 'users',
    columns: {
      id: 'text', email: 'text', password_hash: 'text', role: 'text', disabled: 'boolean', must_change_password: 'boolean',
      created_at: 'time', updated_at: 'time', last_login_at: 'time',
    },
  },
  { name: 'roles', columns: { name: 'text', description: 'text', grants: 'json', updated_at: 'time' } },
  {
    name: 'refresh_tokens',
    columns: {
      id: 'text', family_id: 'text', user_id: 'text', secret_hash: 'text', created_at: 'time', expires_at: 'time',
      used_at: 'time', revoked_at: 'time',
    },
  },
  {
    name: 'api_keys',
    columns: {
      id: 'text', name: 'text', key_hash: 'text', scopes: 'json', sources: 'json', created_by: 'text', created_at: 'time',
      expires_at: 'time', last_used_at: 'time', revoked_at: 'time',
    },
  },
  {
    name: 'audit_log',
    columns: {
      seq: 'integer', recorded_at: 'time', actor: 'text', action: 'text', target: 'text', outcome: 'text', request_id: 'text',
      ip: 'text', details: 'json', prev_hash: 'text', hash: 'text',
    },
  },
  {
    name: 'sources',
    columns: {
      name: 'text', description: 'text', retention_days: 'integer', pii: 'json', created_at: 'time', updated_at: 'time',
      webhook_secret: 'text', rollup_dimensions: 'json',
    },
  },
  {
    name: 'events',
    columns: {
      seq: 'integer', source: 'text', id: 'text', name: 'text', ts: 'time', actor: 'text', value: 'double', props: 'json',
      received_at: 'time',
    },
  },
];

/** What each tier provides for `sightline backup` / `sightline restore`. */
export interface PortableTables {
  /** Every row of one of PORTABLE_TABLES, chunk by chunk (memory stays flat however many there are). */
  read(table: string): AsyncIterable<PortableRow[]>;
  /**
   * Optional fast path of `read`: the same rows already as NDJSON (one JSON object per line, keys in
   * column order, each chunk whole lines ending in a newline), when the database can serialise
   * them faster than JS can (DuckDB: about 3× on events). A backup uses it when present.
   */
  readNdjson?(table: string): AsyncIterable<{ text: string; rows: number }>;
  /** True when none of PORTABLE_TABLES holds a row. */
  isEmpty(): Promise<boolean>;
  /**
   * Replaces the content of every table in PORTABLE_TABLES with what `load` writes (tables in
   * PORTABLE_TABLES order, each in one or more chunks), then rebuilds derived state (rollups;
   * PostgreSQL: event_ids, partitions, sequences). All or nothing: a failure leaves the database as
   * it was.
   */
  restore(load: (write: (table: string, rows: readonly PortableRow[]) => Promise<void>) => Promise<void>): Promise<void>;
}
