import type { Role, RoleBody } from '@sightline/protocol';
import { BUILTIN_ROLES } from '@sightline/protocol';
import { AppError } from '../../errors.js';
import type { RoleStore, UserStore } from '../../store/types.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import { builtinGrants, isBuiltinRole } from '../auth/permissions.js';

const BUILTIN_DESCRIPTIONS = {
  admin: 'Everything: users, roles, keys, audit, privacy requests, and every source',
  editor: 'Reads and writes every source, manages metrics and their own API keys',
  viewer: 'Reads every source',
} as const;

export interface RoleService {
  list(): Promise<Role[]>;
  get(name: string): Promise<Role>;
  put(name: string, body: RoleBody): Promise<{ created: boolean; role: Role }>;
  remove(name: string): Promise<void>;
}

export function createRoleService(deps: { roles: RoleStore; users: UserStore; directory: PrincipalDirectory; clock?: () => number }): RoleService {
  const { roles, users, directory } = deps;
  const clock = deps.clock ?? Date.now;
  const builtins: Role[] = BUILTIN_ROLES.map((name) => ({ name, description: BUILTIN_DESCRIPTIONS[name], builtin: true, grants: builtinGrants(name) }));
  const refuseBuiltin = (name: string) => {
    if (isBuiltinRole(name)) throw new AppError('conflict', { detail: `"${name}" is a built-in role and cannot be changed` });
  };
  return {
    async list() {
      const custom = await roles.list();
      return [...builtins, ...custom.map((r) => ({ name: r.name, description: r.description, builtin: false, grants: r.grants }))];
    },
    async get(name) {
      const role = (await this.list()).find((r) => r.name === name);
      if (!role) throw new AppError('not_found', { detail: `No role named "${name}"` });
      return role;
    },
    async put(name, body) {
      refuseBuiltin(name);
      const role = { name, description: body.description ?? '', grants: body.grants, updatedAt: clock() };
      const created = await roles.put(role);
      await directory.forgetRoles();
      return { created, role: { name, description: role.description, builtin: false, grants: role.grants } };
    },
    async remove(name) {
      refuseBuiltin(name);
      const inUse = await users.countWithRole(name);
      if (inUse > 0) throw new AppError('conflict', { detail: `${inUse} user(s) have the role "${name}"; give them another role first` });
      if (!(await roles.delete(name))) throw new AppError('not_found', { detail: `No role named "${name}"` });
      await directory.forgetRoles();
    },
  };
}
