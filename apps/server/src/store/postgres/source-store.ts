import type { Pool } from 'pg';
import { SOURCE_COLUMNS, selectList, toSource } from '../rows.js';
import type { SourceStore, StoredSource } from '../types.js';
import { DIALECT, execute, jsonParam, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(SOURCE_COLUMNS, DIALECT);

export class PgSourceStore implements SourceStore {
  constructor(private readonly pool: Pool) {}

  async list(): Promise<StoredSource[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM sources ORDER BY name COLLATE "C"`)).map(toSource);
  }

  async get(name: string): Promise<StoredSource | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM sources WHERE name = $1`, [name]);
    return row && toSource(row);
  }

  /** One statement: `xmax = 0` only for a row the INSERT made (see PgMetaStore.put). */
  async put(source: StoredSource): Promise<boolean> {
    const [[inserted]] = (await readRows(
      this.pool,
      `INSERT INTO sources (name, description, retention_days, pii, created_at, updated_at, webhook_secret, rollup_dimensions)
       VALUES ($1, $2, $3, ${jsonParam(4)}, ${tsParam(5)}, ${tsParam(6)}, $7, ${jsonParam(8)})
       ON CONFLICT (name) DO UPDATE SET description = excluded.description, retention_days = excluded.retention_days,
         pii = excluded.pii, updated_at = excluded.updated_at, webhook_secret = excluded.webhook_secret,
         rollup_dimensions = excluded.rollup_dimensions
       RETURNING (xmax = 0)`,
      [source.name, source.description, source.retentionDays, JSON.stringify(source.pii), source.createdAt, source.updatedAt, source.webhookSecret, JSON.stringify(source.rollupDimensions)],
    )) as [[boolean]];
    return inserted;
  }

  async delete(name: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM sources WHERE name = $1', [name])) > 0;
  }

  /** A compare-and-set in one UPDATE: atomic across instances, like markUsed. */
  async replaceWebhookSecret(name: string, expected: string, sealed: string): Promise<boolean> {
    return (await execute(this.pool, 'UPDATE sources SET webhook_secret = $3 WHERE name = $1 AND webhook_secret = $2', [name, expected, sealed])) > 0;
  }
}
