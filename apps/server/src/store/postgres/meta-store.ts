import type { Pool } from 'pg';
import { CatalogStore, type CatalogTable } from '../catalog-store.js';
import { METRIC_COLUMNS, selectList, toMetric } from '../rows.js';
import type { StoredMetric } from '../types.js';
import { DIALECT, execute, jsonParam, readRows } from './sql.js';

const COLUMNS = selectList(METRIC_COLUMNS, DIALECT);

/** The metric catalog and the KPIs. */
export class PgMetaStore extends CatalogStore {
  constructor(private readonly pool: Pool) {
    super();
  }

  protected async list(table: CatalogTable): Promise<StoredMetric[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM ${table} ORDER BY name COLLATE "C"`)).map(toMetric);
  }

  protected async get(table: CatalogTable, name: string): Promise<StoredMetric | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM ${table} WHERE name = $1`, [name]);
    return row && toMetric(row);
  }

  /**
   * One statement, so two instances putting the same name at once cannot both report "created":
   * `xmax = 0` holds only for the row version an INSERT made, not for one an ON CONFLICT UPDATE made.
   */
  protected async put(table: CatalogTable, name: string, definition: Record<string, unknown>): Promise<boolean> {
    const [[inserted]] = (await readRows(
      this.pool,
      `INSERT INTO ${table} VALUES ($1, ${jsonParam(2)}, now())
       ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
       RETURNING (xmax = 0)`,
      [name, JSON.stringify(definition)],
    )) as [[boolean]];
    return inserted;
  }

  protected async delete(table: CatalogTable, name: string): Promise<boolean> {
    return (await execute(this.pool, `DELETE FROM ${table} WHERE name = $1`, [name])) > 0;
  }
}
