import type { DashboardStore, StoredDashboard } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { execute, parseJson, readRows, tsParam } from './sql.js';

const COLUMNS = 'id, title, body::VARCHAR, created_by, epoch_ms(created_at), epoch_ms(updated_at)';

function toDashboard([id, title, body, createdBy, createdAt, updatedAt]: unknown[]): StoredDashboard {
  return {
    id: String(id),
    title: String(title),
    body: parseJson<Record<string, unknown>>(body),
    createdBy: String(createdBy),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
  };
}

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
