import type { PiiAction, SourceStore, StoredSource } from '../types.js';
import type { ConnectionPool } from './connection-pool.js';
import { execute, nullableNumber, parseJson, readRows, tsParam } from './sql.js';

const COLUMNS = 'name, description, retention_days, pii::VARCHAR, epoch_ms(created_at), epoch_ms(updated_at)';

function toSource([name, description, retentionDays, pii, createdAt, updatedAt]: unknown[]): StoredSource {
  return {
    name: String(name),
    description: String(description),
    retentionDays: nullableNumber(retentionDays),
    pii: parseJson<Record<string, PiiAction>>(pii),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
  };
}

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
        `INSERT INTO sources VALUES ($1, $2, $3, $4::JSON, ${tsParam(5)}, ${tsParam(6)})
         ON CONFLICT (name) DO UPDATE SET description = excluded.description, retention_days = excluded.retention_days,
           pii = excluded.pii, updated_at = excluded.updated_at`,
        [source.name, source.description, source.retentionDays, JSON.stringify(source.pii), source.createdAt, source.updatedAt],
      );
      return existed.currentRowCount === 0;
    });
  }

  async delete(name: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM sources WHERE name = $1', [name])) > 0;
  }
}
