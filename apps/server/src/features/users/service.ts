import { v7 as uuidv7 } from 'uuid';
import type { User, UserCreateBody, UserPatchBody } from '@sightline/protocol';
import { AppError } from '../../errors.js';
import type { RoleStore, StoredUser, UserChange, UserStore } from '../../store/types.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import { hashPassword, passwordProblems } from '../auth/passwords.js';
import { isBuiltinRole } from '../auth/permissions.js';
import type { Sessions } from '../auth/sessions.js';

export function publicUser(user: StoredUser): User {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    disabled: user.disabled,
    must_change_password: user.mustChangePassword,
    created_at: new Date(user.createdAt).toISOString(),
    last_login_at: user.lastLoginAt === null ? null : new Date(user.lastLoginAt).toISOString(),
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Refuses a password that breaks the rules, pointing at the field that carried it. */
export function checkPassword(password: string, email: string, path: string): void {
  const problems = passwordProblems(password, email);
  if (problems.length > 0) {
    throw new AppError('invalid_request', { detail: 'The password is too weak', errors: problems.map((message) => ({ path, message })) });
  }
}

export interface UserService {
  list(): Promise<User[]>;
  get(id: string): Promise<User>;
  create(body: UserCreateBody): Promise<User>;
  update(id: string, body: UserPatchBody): Promise<User>;
  remove(id: string): Promise<void>;
  /** Sets a user's own new password (the current one already checked) and ends all their sessions. */
  changeOwnPassword(user: StoredUser, newPassword: string): Promise<void>;
}

export function createUserService(deps: {
  users: UserStore;
  roles: RoleStore;
  sessions: Sessions;
  directory: PrincipalDirectory;
  clock?: () => number;
}): UserService {
  const { users, roles, sessions, directory } = deps;
  const clock = deps.clock ?? Date.now;

  const find = async (id: string) => {
    const user = await users.get(id);
    if (!user) throw new AppError('not_found', { detail: 'No such user' });
    return user;
  };

  const checkRole = async (role: string, path: string) => {
    if (!isBuiltinRole(role) && !(await roles.get(role))) {
      throw new AppError('invalid_request', { detail: `There is no role "${role}"`, errors: [{ path, message: 'is not a known role' }] });
    }
  };

  /** Refuses a change that would leave no active admin (nobody could manage users any more). */
  const keepAnAdmin = async (user: StoredUser, after: { role: string; disabled: boolean } | undefined) => {
    if (user.role !== 'admin' || user.disabled) return;
    if (after && after.role === 'admin' && !after.disabled) return;
    const activeAdmins = (await users.list()).filter((u) => u.role === 'admin' && !u.disabled);
    if (activeAdmins.length <= 1) throw new AppError('conflict', { detail: 'This is the last active admin; make another admin first' });
  };

  return {
    async list() {
      return (await users.list()).map(publicUser);
    },
    async get(id) {
      return publicUser(await find(id));
    },
    async create(body) {
      const email = normalizeEmail(body.email);
      await checkRole(body.role, '/role');
      checkPassword(body.password, email, '/password');
      const now = clock();
      const user: StoredUser = {
        id: uuidv7(),
        email,
        passwordHash: await hashPassword(body.password),
        role: body.role,
        disabled: false,
        mustChangePassword: body.must_change_password ?? false,
        createdAt: now,
        updatedAt: now,
        lastLoginAt: null,
      };
      if (!(await users.insert(user))) throw new AppError('conflict', { detail: 'A user with this e-mail address exists' });
      return publicUser(user);
    },
    async update(id, body) {
      const user = await find(id);
      const change: UserChange = {};
      if (body.role !== undefined) {
        await checkRole(body.role, '/role');
        change.role = body.role;
      }
      if (body.disabled !== undefined) change.disabled = body.disabled;
      await keepAnAdmin(user, { role: change.role ?? user.role, disabled: change.disabled ?? user.disabled });
      if (body.password !== undefined) {
        checkPassword(body.password, user.email, '/password');
        change.passwordHash = await hashPassword(body.password);
        // A password someone else set is a one-time password: its owner chooses their own at next login.
        change.mustChangePassword = true;
      }
      await users.update(id, change, clock());
      await directory.forgetUser(id);
      if (change.disabled || change.passwordHash) await sessions.revokeUser(id);
      return publicUser(await find(id));
    },
    async remove(id) {
      const user = await find(id);
      await keepAnAdmin(user, undefined);
      await sessions.revokeUser(id);
      await users.remove(id);
      await directory.forgetUser(id);
    },
    async changeOwnPassword(user, newPassword) {
      checkPassword(newPassword, user.email, '/new_password');
      await users.update(user.id, { passwordHash: await hashPassword(newPassword), mustChangePassword: false }, clock());
      await directory.forgetUser(user.id);
      // Any session may belong to whoever knew the old password: all end, the caller starts a new one.
      await sessions.revokeUser(user.id);
    },
  };
}
