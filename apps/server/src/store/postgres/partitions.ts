import type pg from 'pg';
import { checkout } from './database.js';
import { PARTITION_LOCK } from './schema.js';

/**
 * Month partitions of `events`, created on demand before an ingest group is inserted.
 *
 * - Idempotent and race-safe across instances: creation runs under a transaction-level advisory
 *   lock and re-checks the catalog under it, so two instances needing the same month create it once.
 * - Months before FIRST_PARTITIONED_MONTH stay in the DEFAULT partition: a backfill of ancient
 *   history should not make hundreds of tiny tables.
 * - Rows can still be in DEFAULT for a month that gets its partition later (a partition creation that
 *   failed while the group was inserted anyway, or a restore that bypassed this). PostgreSQL refuses
 *   to attach a partition whose range DEFAULT holds rows, so the creation moves them first, in the
 *   same transaction: create the table, move the month's rows out of DEFAULT, attach.
 */

/** How long a partition creation waits for a lock before the group goes on without it. */
const LOCK_TIMEOUT = '2s';
const RETRY_MS = 30_000;
/** SQLSTATE lock_not_available (lock_timeout expired). */
const LOCK_NOT_AVAILABLE = '55P03';

/** 2000-01: months before it are not worth a partition of their own. */
const FIRST_PARTITIONED_MONTH = 2000 * 12;

/** year × 12 + month − 1 of an epoch-ms instant (UTC). */
export function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

const monthStartMs = (month: number) => Date.UTC(Math.floor(month / 12), month % 12, 1);
const pad = (n: number) => String(n).padStart(2, '0');
/** `events_2026_03`: the partition of a month. */
export const partitionName = (month: number) => `events_${Math.floor(month / 12)}_${pad((month % 12) + 1)}`;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class Partitions {
  /** Months known to have a partition (read at start, then what this instance created or found). */
  private readonly known = new Set<number>();
  /** Months whose creation timed out waiting for a lock: not tried again before this time. */
  private readonly retryAt = new Map<number, number>();

  constructor(private readonly pool: pg.Pool) {}

  /** Reads the existing month partitions. */
  async load(): Promise<void> {
    const result = await this.pool.query<{ relname: string }>(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
    );
    for (const { relname } of result.rows) {
      const m = /^events_(\d{4})_(\d{2})$/.exec(relname);
      if (m) this.known.add(Number(m[1]) * 12 + Number(m[2]) - 1);
    }
  }

  /**
   * Makes sure every month of these instants (epoch ms) has its partition. Attaching one locks the
   * DEFAULT partition exclusively, which waits for every query reading it: rather than stall ingest
   * behind a long analytics query, a creation gives up after LOCK_TIMEOUT (the group's rows of that
   * month then go to DEFAULT, and move out when a later attempt succeeds, RETRY_MS on).
   */
  async ensureFor(instants: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    const now = Date.now();
    for (const ms of instants) {
      const month = monthOf(ms);
      if (month >= FIRST_PARTITIONED_MONTH && !this.known.has(month) && (this.retryAt.get(month) ?? 0) <= now) missing.add(month);
    }
    for (const month of [...missing].sort((a, b) => a - b)) {
      try {
        await this.create(month);
        this.retryAt.delete(month);
      } catch (error) {
        if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
        this.retryAt.set(month, Date.now() + RETRY_MS);
      }
    }
  }

  private async create(month: number): Promise<void> {
    const name = partitionName(month);
    const from = isoDate(monthStartMs(month));
    const to = isoDate(monthStartMs(month + 1));
    const held = await checkout(this.pool);
    const client = held.client;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      const exists = await client.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [name]);
      if (exists.rows[0]?.r == null) {
        const range = `ts >= '${from}T00:00:00Z' AND ts < '${to}T00:00:00Z'`;
        // Names and bounds come from integers above, never from input.
        await client.query(`CREATE TABLE ${name} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        await client.query(`WITH moved AS (DELETE FROM events_default WHERE ${range} RETURNING *) INSERT INTO ${name} SELECT * FROM moved`);
        await client.query(`ALTER TABLE events ATTACH PARTITION ${name} FOR VALUES FROM ('${from}T00:00:00Z') TO ('${to}T00:00:00Z')`);
      }
      await client.query('COMMIT');
      this.known.add(month);
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      throw error;
    } finally {
      held.release(broken);
    }
  }
}
