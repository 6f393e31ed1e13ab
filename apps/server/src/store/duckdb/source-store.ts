import { SOURCE_COLUMNS, selectList, toSource } from '../rows.js';
import type { SourceStore, StoredSource } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam } from './sql.js';

const COLUMNS = selectList(SOURCE_COLUMNS, DIALECT);

export class DuckDbSourceStore implements SourceStore {
  constructor(private readonly pool: ConnectionPool) {}

  async list(): Promise<StoredSource[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM sources ORDER BY name`)).map(toSource);
  }

  async get(name: string): Promise<StoredSource | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM sources WHERE name = $1`, [name]);
    return row && toSource(row);
  }

  put(source: StoredSource): Promise<boolean> {
    return this.pool.use(async (connection) => {
      const existed = await connection.runAndReadAll('SELECT 1 FROM sources WHERE name = $1', [source.name]);
      await connection.run(
        `INSERT INTO sources (name, description, retention_days, pii, created_at, updated_at, webhook_secret, rollup_dimensions)
         VALUES ($1, $2, $3, $4::JSON, ${tsParam(5)}, ${tsParam(6)}, $7, $8::JSON)
         ON CONFLICT (name) DO UPDATE SET description = excluded.description, retention_days = excluded.retention_days,
           pii = excluded.pii, updated_at = excluded.updated_at, webhook_secret = excluded.webhook_secret,
           rollup_dimensions = excluded.rollup_dimensions`,
        [
          source.name,
          source.description,
          source.retentionDays,
          JSON.stringify(source.pii),
          source.createdAt,
          source.updatedAt,
          source.webhookSecret,
          JSON.stringify(source.rollupDimensions),
        ],
      );
      return existed.currentRowCount === 0;
    });
  }

  async delete(name: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM sources WHERE name = $1', [name])) > 0;
  }

  async replaceWebhookSecret(name: string, expected: string, sealed: string): Promise<boolean> {
    return (await execute(this.pool, 'UPDATE sources SET webhook_secret = $3 WHERE name = $1 AND webhook_secret = $2', [name, expected, sealed])) > 0;
  }
}
