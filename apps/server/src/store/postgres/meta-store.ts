import type { Pool } from 'pg';
import type { MetaStore, StoredMetric } from '../types.js';
import { epochMs, execute, jsonParam, parseJson, readRows } from './sql.js';

/** The catalog tables: a name and a JSON definition each. */
type CatalogTable = 'metrics' | 'kpis';

const COLUMNS = `name, definition::text, ${epochMs('updated_at')}`;

function toMetric([name, definition, updatedAt]: unknown[]): StoredMetric {
  return { name: String(name), definition: parseJson<Record<string, unknown>>(definition), updatedAt: Number(updatedAt) };
}

/** The metric catalog and the KPIs. */
export class PgMetaStore implements MetaStore {
  constructor(private readonly pool: Pool) {}

  listMetrics(): Promise<StoredMetric[]> {
    return this.list('metrics');
  }

  async getMetric(name: string): Promise<StoredMetric | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM metrics WHERE name = $1`, [name]);
    return row && toMetric(row);
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
  private async list(table: CatalogTable): Promise<StoredMetric[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM ${table} ORDER BY name COLLATE "C"`)).map(toMetric);
  }

  /**
   * Returns true when the entry was created, false when it replaced one. One statement, so two
   * instances putting the same name at once cannot both report "created": `xmax = 0` holds only
   * for the row version an INSERT made, not for one an ON CONFLICT UPDATE made.
   */
  private async put(table: CatalogTable, name: string, definition: Record<string, unknown>): Promise<boolean> {
    const [[inserted]] = (await readRows(
      this.pool,
      `INSERT INTO ${table} VALUES ($1, ${jsonParam(2)}, now())
       ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
       RETURNING (xmax = 0)`,
      [name, JSON.stringify(definition)],
    )) as [[boolean]];
    return inserted;
  }

  private async delete(table: CatalogTable, name: string): Promise<boolean> {
    return (await execute(this.pool, `DELETE FROM ${table} WHERE name = $1`, [name])) > 0;
  }
}
