import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * A few connections for reads. A DuckDB connection runs one statement at a time; several let
 * dashboard queries run side by side on DuckDB's own threads.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: ((connection: DuckDBConnection) => void)[] = [];
  private readonly all: DuckDBConnection[] = [];
  private closed = false;

  static async open(instance: DuckDBInstance, size: number): Promise<ConnectionPool> {
    const pool = new ConnectionPool();
    for (let i = 0; i < size; i++) {
      const connection = await instance.connect();
      pool.all.push(connection);
      pool.idle.push(connection);
    }
    return pool;
  }

  async use<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the store is closed');
    const connection = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(connection);
    } finally {
      const next = this.waiting.shift();
      if (next) next(connection);
      else this.idle.push(connection);
    }
  }

  close(): void {
    this.closed = true;
    for (const connection of this.all) connection.closeSync();
    this.all.length = 0;
    this.idle.length = 0;
  }
}
