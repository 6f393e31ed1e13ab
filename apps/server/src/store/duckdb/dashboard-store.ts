import { DASHBOARD_COLUMNS, selectList, toDashboard } from '../rows.js';
import type { DashboardStore, StoredDashboard } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(DASHBOARD_COLUMNS, DIALECT);

export class DuckDbDashboardStore implements DashboardStore {
  constructor(private readonly pool: ConnectionPool) {}

  async list(): Promise<StoredDashboard[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM dashboards ORDER BY updated_at DESC, id`)).map(toDashboard);
  }

  async get(id: string): Promise<StoredDashboard | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM dashboards WHERE id = $1`, [id]);
    return row && toDashboard(row);
  }

  async insert(d: StoredDashboard): Promise<void> {
    await execute(
      this.pool,
      `INSERT INTO dashboards (id, title, body, created_by, created_at, updated_at) VALUES ($1, $2, $3::JSON, $4, ${tsParam(5)}, ${tsParam(6)})`,
      [d.id, d.title, JSON.stringify(d.body), d.createdBy, d.createdAt, d.updatedAt],
    );
  }

  async update(id: string, title: string, body: Record<string, unknown>, at: number): Promise<boolean> {
    return (await execute(this.pool, `UPDATE dashboards SET title = $2, body = $3::JSON, updated_at = ${tsParam(4)} WHERE id = $1`, [id, title, JSON.stringify(body), at])) > 0;
  }

  async delete(id: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM dashboards WHERE id = $1', [id])) > 0;
  }
}
