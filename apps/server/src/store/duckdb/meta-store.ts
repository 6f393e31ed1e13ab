import type { MetaStore, StoredMetric } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';

/** The catalog tables: a name and a JSON definition each. */
type CatalogTable = 'metrics' | 'kpis';

/** The metric catalog and the KPIs, in the same DuckDB file as the events, on the metadata connection. */
export class DuckDbMetaStore implements MetaStore {
  constructor(private readonly pool: ConnectionPool) {}

  listMetrics(): Promise<StoredMetric[]> {
    return this.list('metrics');
  }

  async getMetric(name: string): Promise<StoredMetric | undefined> {
    const rows = await this.read('SELECT name, definition::VARCHAR, epoch_ms(updated_at) FROM metrics WHERE name = $1', [name]);
    return rows[0];
  }

  putMetric(name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.put('metrics', name, definition);
  }

  deleteMetric(name: string): Promise<boolean> {
    return this.delete('metrics', name);
  }

  listKpis(): Promise<StoredMetric[]> {
    return this.list('kpis');
  }

  putKpi(name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.put('kpis', name, definition);
  }

  deleteKpi(name: string): Promise<boolean> {
    return this.delete('kpis', name);
  }

  // The table name is one of two constants, never input.
  private list(table: CatalogTable): Promise<StoredMetric[]> {
    return this.read(`SELECT name, definition::VARCHAR, epoch_ms(updated_at) FROM ${table} ORDER BY name`, []);
  }

  /** Returns true when the entry was created, false when it replaced one. */
  private put(table: CatalogTable, name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.pool.use(async (connection) => {
      const existed = await connection.runAndReadAll(`SELECT 1 FROM ${table} WHERE name = $1`, [name]);
      await connection.run(
        `INSERT INTO ${table} VALUES ($1, $2::JSON, now())
         ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
        [name, JSON.stringify(definition)],
      );
      return existed.currentRowCount === 0;
    });
  }

  private delete(table: CatalogTable, name: string): Promise<boolean> {
    return this.pool.use(async (connection) => (await connection.run(`DELETE FROM ${table} WHERE name = $1`, [name])).rowsChanged > 0);
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
