import type { SessionStore, StoredRefreshToken } from '../types.js';
import { REFRESH_TOKEN_COLUMNS, selectList, toRefreshToken } from '../rows.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(REFRESH_TOKEN_COLUMNS, DIALECT);

export class DuckDbSessionStore implements SessionStore {
  constructor(private readonly pool: ConnectionPool) {}

  async insert(token: StoredRefreshToken): Promise<void> {
    await execute(
      this.pool,
      `INSERT INTO refresh_tokens VALUES ($1, $2, $3, $4, ${tsParam(5)}, ${tsParam(6)}, ${tsParam(7)}, ${tsParam(8)})`,
      [token.id, token.familyId, token.userId, token.secretHash, token.createdAt, token.expiresAt, token.usedAt, token.revokedAt],
    );
  }

  async get(id: string): Promise<StoredRefreshToken | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM refresh_tokens WHERE id = $1`, [id]);
    return row && toRefreshToken(row);
  }

  async markUsed(id: string, at: number): Promise<boolean> {
    const changed = await execute(
      this.pool,
      `UPDATE refresh_tokens SET used_at = ${tsParam(2)} WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
      [id, at],
    );
    return changed === 1;
  }

  async revokeFamily(familyId: string, at: number): Promise<void> {
    await execute(this.pool, `UPDATE refresh_tokens SET revoked_at = ${tsParam(2)} WHERE family_id = $1 AND revoked_at IS NULL`, [familyId, at]);
  }

  async revokeUser(userId: string, at: number): Promise<string[]> {
    const rows = await readRows(
      this.pool,
      `UPDATE refresh_tokens SET revoked_at = ${tsParam(2)} WHERE user_id = $1 AND revoked_at IS NULL RETURNING family_id`,
      [userId, at],
    );
    return [...new Set(rows.map(([family]) => String(family)))];
  }

  async revokedSince(since: number): Promise<string[]> {
    const rows = await readRows(this.pool, `SELECT DISTINCT family_id FROM refresh_tokens WHERE revoked_at >= ${tsParam(1)}`, [since]);
    return rows.map(([family]) => String(family));
  }
}
