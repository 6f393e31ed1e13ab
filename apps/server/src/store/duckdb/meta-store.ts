import { CatalogStore, type CatalogTable } from '../catalog-store.js';
import { METRIC_COLUMNS, selectList, toMetric } from '../rows.js';
import type { StoredMetric } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, readRows } from './sql.js';

const COLUMNS = selectList(METRIC_COLUMNS, DIALECT);

/** The metric catalog and the KPIs, in the same DuckDB file as the events, on the metadata connection. */
export class DuckDbMetaStore extends CatalogStore {
  constructor(private readonly pool: ConnectionPool) {
    super();
  }

  protected async list(table: CatalogTable): Promise<StoredMetric[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM ${table} ORDER BY name`)).map(toMetric);
  }

  protected async get(table: CatalogTable, name: string): Promise<StoredMetric | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM ${table} WHERE name = $1`, [name]);
    return row && toMetric(row);
  }

  protected put(table: CatalogTable, name: string, definition: Record<string, unknown>): Promise<boolean> {
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

  protected delete(table: CatalogTable, name: string): Promise<boolean> {
    return this.pool.use(async (connection) => (await connection.run(`DELETE FROM ${table} WHERE name = $1`, [name])).rowsChanged > 0);
  }
}
