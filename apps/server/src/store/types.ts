import type { IngestResult } from '@sightline/protocol';

/** An event ready to store: validated, defaults resolved, props already serialized. */
export interface ResolvedEvent {
  id: string;
  source: string;
  name: string;
  /** Event time, epoch milliseconds (UTC). */
  ts: number;
  actor: string | null;
  value: number | null;
  /** JSON text of the props object, or null. */
  props: string | null;
}

/** A row as the store returns it: numbers, strings, booleans or null (never bigint or Date). */
export type Row = unknown[];

/**
 * Where events live. The embedded tier implements it on DuckDB; the production tier will implement
 * it on PostgreSQL. `append` resolves only once the events are durable.
 */
export interface EventStore {
  readonly dialectName: 'duckdb' | 'postgres';
  append(events: readonly ResolvedEvent[]): Promise<IngestResult>;
  query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A catalog entry as stored: the metric's name and its definition (without the name). */
export interface StoredMetric {
  name: string;
  definition: Record<string, unknown>;
  updatedAt: number;
}

/** Metadata (metrics today; dashboards, users and keys later). */
export interface MetaStore {
  listMetrics(): Promise<StoredMetric[]>;
  getMetric(name: string): Promise<StoredMetric | undefined>;
  /** Returns true when the metric was created, false when it replaced one. */
  putMetric(name: string, definition: Record<string, unknown>): Promise<boolean>;
  /** Returns false when there was no such metric. */
  deleteMetric(name: string): Promise<boolean>;
}
