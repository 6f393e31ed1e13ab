import { API_KEY_COLUMNS, selectList, toApiKey } from '../rows.js';
import type { KeyStore, StoredApiKey } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(API_KEY_COLUMNS, DIALECT);

export class DuckDbKeyStore implements KeyStore {
  constructor(private readonly pool: ConnectionPool) {}

  async list(): Promise<StoredApiKey[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`)).map(toApiKey);
  }

  async get(id: string): Promise<StoredApiKey | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row && toApiKey(row);
  }

  async insert(key: StoredApiKey): Promise<void> {
    await execute(
      this.pool,
      `INSERT INTO api_keys VALUES ($1, $2, $3, $4::JSON, $5::JSON, $6, ${tsParam(7)}, ${tsParam(8)}, ${tsParam(9)}, ${tsParam(10)})`,
      [key.id, key.name, key.keyHash, JSON.stringify(key.scopes), JSON.stringify(key.sources), key.createdBy, key.createdAt, key.expiresAt, key.lastUsedAt, key.revokedAt],
    );
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (await execute(this.pool, `UPDATE api_keys SET revoked_at = ${tsParam(2)} WHERE id = $1 AND revoked_at IS NULL`, [id, at])) === 1;
  }

  async touch(lastUsed: ReadonlyMap<string, number>): Promise<void> {
    for (const [id, at] of lastUsed) {
      await execute(this.pool, `UPDATE api_keys SET last_used_at = ${tsParam(2)} WHERE id = $1`, [id, at]);
    }
  }
}
