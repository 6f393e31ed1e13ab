import type { KeyScope } from '@sightline/protocol';
import type { Pool } from 'pg';
import type { KeyStore, StoredApiKey } from '../types.js';
import { epochMs, execute, jsonParam, nullableNumber, parseJson, readRows, tsParam } from './sql.js';

const COLUMNS = `id, name, key_hash, scopes::text, sources::text, created_by, ${epochMs('created_at')},
  ${epochMs('expires_at')}, ${epochMs('last_used_at')}, ${epochMs('revoked_at')}`;

function toKey(row: unknown[]): StoredApiKey {
  const [id, name, keyHash, scopes, sources, createdBy, createdAt, expiresAt, lastUsedAt, revokedAt] = row;
  return {
    id: String(id),
    name: String(name),
    keyHash: String(keyHash),
    scopes: parseJson<KeyScope[]>(scopes),
    sources: parseJson<string[]>(sources),
    createdBy: String(createdBy),
    createdAt: Number(createdAt),
    expiresAt: nullableNumber(expiresAt),
    lastUsedAt: nullableNumber(lastUsedAt),
    revokedAt: nullableNumber(revokedAt),
  };
}

export class PgKeyStore implements KeyStore {
  constructor(private readonly pool: Pool) {}

  async list(): Promise<StoredApiKey[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id COLLATE "C"`)).map(toKey);
  }

  async get(id: string): Promise<StoredApiKey | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row && toKey(row);
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
