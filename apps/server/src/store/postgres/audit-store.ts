import type { Pool } from 'pg';
import { AUDIT_COLUMNS, jsonText, selectList, toAuditEntry } from '../rows.js';
import { GENESIS_HASH, type AuditFilter, type AuditHead, type AuditStore, type StoredAuditEntry } from '../types.js';
import { DIALECT, UNIQUE_VIOLATION, execute, inTransaction, jsonParam, readRows, sqlState, tsParam, type Param, type Queryable } from './sql.js';

const COLUMNS = selectList(AUDIT_COLUMNS, DIALECT);

/** Transaction-level advisory lock of appendNext: one writer extends the chain at a time, across instances. */
export const AUDIT_LOCK = 0x41756469; // "Audi"

/** Why an append was refused: another instance extended the chain since this one read its head. */
export class AuditHeadMovedError extends Error {
  constructor(seq: number) {
    super(`audit entry ${seq} was not appended: the audit chain's head moved (another instance appended first); re-read the head and retry`);
    this.name = 'AuditHeadMovedError';
  }
}

/**
 * The audit trail: rows are only ever inserted. Several instances share the table, so the chain
 * must stay linear although each instance's AuditLog (features/audit/audit-log.ts) computes entries
 * itself. Two ways in:
 *
 * - `appendNext(build)` (what AuditLog should use on this tier, see the pg-meta report): one
 *   transaction holding AUDIT_LOCK reads the head, lets `build` make the entry from it, and
 *   inserts it. Appends of all instances are serialised: none is refused, none forks.
 * - `append(entry)` (the AuditStore interface): a compare-and-set on the head, in one INSERT …
 *   SELECT: the entry is written only if the row before it (seq − 1) has hash = its prev_hash (for
 *   seq 1: the table is empty and prev_hash is the genesis hash). Two instances appending the same
 *   seq both pass that check, but seq is the primary key: the second INSERT waits for the first to
 *   commit, then fails on the key. A stale append throws AuditHeadMovedError — AuditLog then
 *   forgets its cached head and re-reads it — so the chain never forks, but the losing record is
 *   refused (about 1 in 10 when two instances record back to back).
 */
export class PgAuditStore implements AuditStore {
  constructor(private readonly pool: Pool) {}

  append(e: StoredAuditEntry): Promise<void> {
    return insertLinked(this.pool, e);
  }

  /** Appends the entry `build` makes from the current head, serialised across instances; returns it. */
  appendNext(build: (head: AuditHead) => StoredAuditEntry): Promise<StoredAuditEntry> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
      const [row] = await readRows(client, 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const entry = build(row ? { seq: Number(row[0]), hash: String(row[1]) } : { seq: 0, hash: GENESIS_HASH });
      // Still the linked insert: a `build` that ignored the head cannot fork the chain either.
      await insertLinked(client, entry);
      return entry;
    });
  }

  async last(): Promise<StoredAuditEntry | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1`);
    return row && toAuditEntry(row);
  }

  async list(filter: AuditFilter, limit: number): Promise<StoredAuditEntry[]> {
    const where: string[] = [];
    const params: Param[] = [];
    const add = (sql: (n: number) => string, value: Param) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (filter.actor !== undefined) add((n) => `actor = $${n}`, filter.actor);
    // `auth.` names a family of actions: a prefix match.
    if (filter.action !== undefined) add((n) => (filter.action!.endsWith('.') ? `starts_with(action, $${n})` : `action = $${n}`), filter.action);
    if (filter.target !== undefined) add((n) => `target = $${n}`, filter.target);
    if (filter.outcome !== undefined) add((n) => `outcome = $${n}`, filter.outcome);
    if (filter.from !== undefined) add((n) => `recorded_at >= ${tsParam(n)}`, filter.from);
    if (filter.to !== undefined) add((n) => `recorded_at < ${tsParam(n)}`, filter.to);
    if (filter.beforeSeq !== undefined) add((n) => `seq < $${n}`, filter.beforeSeq);
    params.push(limit);
    const sql = `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`;
    return (await readRows(this.pool, sql, params)).map(toAuditEntry);
  }

  async scan(afterSeq: number, limit: number): Promise<StoredAuditEntry[]> {
    // In seq order, as the chain was written; the verifier checks each link itself.
    const rows = await readRows(this.pool, `SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    return rows.map(toAuditEntry);
  }
}

/** Inserts `e` only if it extends the stored chain (see PgAuditStore); AuditHeadMovedError otherwise. */
async function insertLinked(db: Queryable, e: StoredAuditEntry): Promise<void> {
  let changed: number;
  try {
    changed = await execute(
      db,
      `INSERT INTO audit_log
       SELECT $1::bigint, ${tsParam(2)}, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, ${jsonParam(9)}, $10::text, $11::text
       WHERE CASE WHEN $1::bigint = 1 THEN $10::text = $12::text AND NOT EXISTS (SELECT 1 FROM audit_log)
                  ELSE EXISTS (SELECT 1 FROM audit_log WHERE seq = $1::bigint - 1 AND hash = $10::text) END`,
      [e.seq, e.at, e.actor, e.action, e.target, e.outcome, e.requestId, e.ip, jsonText(e.details), e.prevHash, e.hash, GENESIS_HASH],
    );
  } catch (error) {
    if (sqlState(error) === UNIQUE_VIOLATION) throw new AuditHeadMovedError(e.seq);
    throw error;
  }
  if (changed !== 1) throw new AuditHeadMovedError(e.seq);
}
