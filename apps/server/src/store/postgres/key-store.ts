import type { Pool } from 'pg';
import { API_KEY_COLUMNS, selectList, toApiKey } from '../rows.js';
import type { KeyStore, StoredApiKey } from '../types.js';
import { DIALECT, execute, jsonParam, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(API_KEY_COLUMNS, DIALECT);

export class PgKeyStore implements KeyStore {
  constructor(private readonly pool: Pool) {}

  async list(): Promise<StoredApiKey[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id COLLATE "C"`)).map(toApiKey);
  }

  async get(id: string): Promise<StoredApiKey | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row && toApiKey(row);
  }

  async insert(key: StoredApiKey): Promise<void> {
    await execute(
      this.pool,
      `INSERT INTO api_keys VALUES ($1, $2, $3, ${jsonParam(4)}, ${jsonParam(5)}, $6, ${tsParam(7)}, ${tsParam(8)}, ${tsParam(9)}, ${tsParam(10)})`,
      [key.id, key.name, key.keyHash, JSON.stringify(key.scopes), JSON.stringify(key.sources), key.createdBy, key.createdAt, key.expiresAt, key.lastUsedAt, key.revokedAt],
    );
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (await execute(this.pool, `UPDATE api_keys SET revoked_at = ${tsParam(2)} WHERE id = $1 AND revoked_at IS NULL`, [id, at])) === 1;
  }

  /**
   * The whole batch in one UPDATE (one round trip, one transaction), the pairs bound as one JSON
   * array. GREATEST keeps the newest time when several instances flush their batches out of order
   * (a NULL last_used_at counts as older than any time).
   */
  async touch(lastUsed: ReadonlyMap<string, number>): Promise<void> {
    if (lastUsed.size === 0) return;
    const pairs = JSON.stringify([...lastUsed].map(([id, at]) => ({ id, at })));
    await execute(
      this.pool,
      `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, timestamptz 'epoch' + t.at * interval '1 millisecond')
       FROM jsonb_to_recordset(${jsonParam(1)}) AS t(id text, at float8)
       WHERE k.id = t.id`,
      [pairs],
    );
  }
}
