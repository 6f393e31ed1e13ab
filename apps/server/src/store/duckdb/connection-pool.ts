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
  /** Statements running now. */
  private busy = 0;
  private drained: (() => void) | undefined;

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
    this.busy++;
    try {
      return await work(connection);
    } finally {
      this.busy--;
      const next = this.waiting.shift();
      if (next) next(connection);
      else this.idle.push(connection);
      if (this.busy === 0) this.drained?.();
    }
  }

  /**
   * Interrupts the statements still running (a dashboard query whose browser went away), waits for
   * them to return, then closes every connection. Closing a connection under a running statement
   * deadlocks DuckDB as the statement ends (its client context is destroyed inside its own lock),
   * and the process can then never exit.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.busy > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      for (const connection of this.all) if (!this.idle.includes(connection)) connection.interrupt();
      await drained;
    }
    for (const connection of this.all) connection.closeSync();
    this.all.length = 0;
    this.idle.length = 0;
  }
}
