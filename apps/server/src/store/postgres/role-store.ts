import type { Pool } from 'pg';
import { ROLE_COLUMNS, selectList, toRole } from '../rows.js';
import type { RoleStore, StoredRole } from '../types.js';
import { DIALECT, execute, jsonParam, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(ROLE_COLUMNS, DIALECT);

export class PgRoleStore implements RoleStore {
  constructor(private readonly pool: Pool) {}

  async list(): Promise<StoredRole[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM roles ORDER BY name COLLATE "C"`)).map(toRole);
  }

  async get(name: string): Promise<StoredRole | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM roles WHERE name = $1`, [name]);
    return row && toRole(row);
  }

  /** One statement: `xmax = 0` only for a row the INSERT made (see PgMetaStore.put). */
  async put(role: StoredRole): Promise<boolean> {
    const [[inserted]] = (await readRows(
      this.pool,
      `INSERT INTO roles VALUES ($1, $2, ${jsonParam(3)}, ${tsParam(4)})
       ON CONFLICT (name) DO UPDATE SET description = excluded.description, grants = excluded.grants, updated_at = excluded.updated_at
       RETURNING (xmax = 0)`,
      [role.name, role.description, JSON.stringify(role.grants), role.updatedAt],
    )) as [[boolean]];
    return inserted;
  }

  async delete(name: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM roles WHERE name = $1', [name])) > 0;
  }
}
