import type { MetaStore, StoredMetric } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';

/** The metric catalog, in the same DuckDB file as the events, on the metadata connection. */
export class DuckDbMetaStore implements MetaStore {
  constructor(private readonly pool: ConnectionPool) {}

  listMetrics(): Promise<StoredMetric[]> {
    return this.read('SELECT name, definition::VARCHAR, epoch_ms(updated_at) FROM metrics ORDER BY name', []);
  }

  async getMetric(name: string): Promise<StoredMetric | undefined> {
    const rows = await this.read(
      'SELECT name, definition::VARCHAR, epoch_ms(updated_at) FROM metrics WHERE name = $1',
      [name],
    );
    return rows[0];
  }

  putMetric(name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.pool.use(async (connection) => {
      const existed = await connection.runAndReadAll('SELECT 1 FROM metrics WHERE name = $1', [name]);
      await connection.run(
        `INSERT INTO metrics VALUES ($1, $2::JSON, now())
         ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
        [name, JSON.stringify(definition)],
      );
      return existed.currentRowCount === 0;
    });
  }

  deleteMetric(name: string): Promise<boolean> {
    return this.pool.use(async (connection) => {
      const result = await connection.run('DELETE FROM metrics WHERE name = $1', [name]);
      return result.rowsChanged > 0;
    });
  }

  listKpis(): Promise<StoredMetric[]> {
    return this.read('SELECT name, definition::VARCHAR, epoch_ms(updated_at) FROM kpis ORDER BY name', []);
  }

  putKpi(name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.pool.use(async (connection) => {
      const existed = await connection.runAndReadAll('SELECT 1 FROM kpis WHERE name = $1', [name]);
      await connection.run(
        `INSERT INTO kpis VALUES ($1, $2::JSON, now())
         ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
        [name, JSON.stringify(definition)],
      );
      return existed.currentRowCount === 0;
    });
  }

  deleteKpi(name: string): Promise<boolean> {
    return this.pool.use(async (connection) => (await connection.run('DELETE FROM kpis WHERE name = $1', [name])).rowsChanged > 0);
  }

  private read(sql: string, params: string[]): Promise<StoredMetric[]> {
    return this.pool.use(async (connection) => {
      const reader = await connection.runAndReadAll(sql, params);
      return reader.getRowsJS().map(([name, definition, updatedAt]) => ({
        name: String(name),
        definition: JSON.parse(String(definition)) as Record<string, unknown>,
        updatedAt: Number(updatedAt),
      }));
    });
  }
}
