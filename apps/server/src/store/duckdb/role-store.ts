import { ROLE_COLUMNS, selectList, toRole } from '../rows.js';
import type { RoleStore, StoredRole } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(ROLE_COLUMNS, DIALECT);

export class DuckDbRoleStore implements RoleStore {
  constructor(private readonly pool: ConnectionPool) {}

  async list(): Promise<StoredRole[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM roles ORDER BY name`)).map(toRole);
  }

  async get(name: string): Promise<StoredRole | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM roles WHERE name = $1`, [name]);
    return row && toRole(row);
  }

  put(role: StoredRole): Promise<boolean> {
    return this.pool.use(async (connection) => {
      const existed = await connection.runAndReadAll('SELECT 1 FROM roles WHERE name = $1', [role.name]);
      await connection.run(
        `INSERT INTO roles VALUES ($1, $2, $3::JSON, ${tsParam(4)})
         ON CONFLICT (name) DO UPDATE SET description = excluded.description, grants = excluded.grants, updated_at = excluded.updated_at`,
        [role.name, role.description, JSON.stringify(role.grants), role.updatedAt],
      );
      return existed.currentRowCount === 0;
    });
  }

  async delete(name: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM roles WHERE name = $1', [name])) > 0;
  }
}
