import type { StoredUser, UserChange, UserStore } from '../types.js';
import { USER_COLUMNS, selectList, toUser } from '../rows.js';
import type { ConnectionPool } from './connection-pool.js';
import { DIALECT, execute, readRows, tsParam, type Param } from './sql.js';

const COLUMNS = selectList(USER_COLUMNS, DIALECT);

const CHANGE_COLUMNS: Record<keyof UserChange, (n: number) => string> = {
  role: (n) => `role = $${n}`,
  disabled: (n) => `disabled = $${n}`,
  mustChangePassword: (n) => `must_change_password = $${n}`,
  passwordHash: (n) => `password_hash = $${n}`,
  lastLoginAt: (n) => `last_login_at = ${tsParam(n)}`,
};

export class DuckDbUserStore implements UserStore {
  constructor(private readonly pool: ConnectionPool) {}

  async count(): Promise<number> {
    const [[n]] = (await readRows(this.pool, 'SELECT count(*) FROM users')) as [[number]];
    return n;
  }

  async list(): Promise<StoredUser[]> {
    return (await readRows(this.pool, `SELECT ${COLUMNS} FROM users ORDER BY created_at, id`)).map(toUser);
  }

  async get(id: string): Promise<StoredUser | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return row && toUser(row);
  }

  async getByEmail(email: string): Promise<StoredUser | undefined> {
    const [row] = await readRows(this.pool, `SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
    return row && toUser(row);
  }

  async insert(user: StoredUser): Promise<boolean> {
    const changed = await execute(
      this.pool,
      `INSERT INTO users VALUES ($1, $2, $3, $4, $5, $6, ${tsParam(7)}, ${tsParam(8)}, ${tsParam(9)}) ON CONFLICT DO NOTHING`,
      [user.id, user.email, user.passwordHash, user.role, user.disabled, user.mustChangePassword, user.createdAt, user.updatedAt, user.lastLoginAt],
    );
    return changed === 1;
  }

  async update(id: string, change: UserChange, at: number): Promise<boolean> {
    const sets: string[] = [];
    const params: Param[] = [id, at];
    for (const [field, value] of Object.entries(change) as [keyof UserChange, Param][]) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(CHANGE_COLUMNS[field](params.length));
    }
    const changed = await execute(this.pool, `UPDATE users SET ${[`updated_at = ${tsParam(2)}`, ...sets].join(', ')} WHERE id = $1`, params);
    return changed === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await execute(this.pool, 'DELETE FROM users WHERE id = $1', [id])) === 1;
  }

  async countWithRole(role: string): Promise<number> {
    const [[n]] = (await readRows(this.pool, 'SELECT count(*) FROM users WHERE role = $1', [role])) as [[number]];
    return n;
  }
}
