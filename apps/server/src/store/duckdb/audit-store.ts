import { AUDIT_COLUMNS, jsonText, selectList, toAuditEntry } from '../rows.js';
import { GENESIS_HASH, type AuditFilter, type AuditHead, type AuditStore, type StoredAuditEntry } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam, type Param } from './sql.js';

const COLUMNS = selectList(AUDIT_COLUMNS, DIALECT);

/** The audit trail: rows are only ever inserted (no route or command updates or deletes one). */
export class DuckDbAuditStore implements AuditStore {
  constructor(private readonly pool: ConnectionPool) {}

  async append(e: StoredAuditEntry): Promise<void> {
    await execute(
      this.pool,
      `INSERT INTO audit_log VALUES ($1, ${tsParam(2)}, $3, $4, $5, $6, $7, $8, $9::JSON, $10, $11)`,
      [e.seq, e.at, e.actor, e.action, e.target, e.outcome, e.requestId, e.ip, jsonText(e.details), e.prevHash, e.hash],
    );
  }

  /**
   * One process writes the embedded file and AuditLog serialises its appends, so reading the head
   * and then appending cannot interleave with another writer here.
   */
  async appendNext(build: (head: AuditHead) => StoredAuditEntry): Promise<StoredAuditEntry> {
    const last = await this.last();
    const entry = build(last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH });
    await this.append(entry);
    return entry;
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
